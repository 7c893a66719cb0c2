"""The corpus stage: find documents, read their metadata, split them into chunks.

A document's metadata comes from YAML front matter (Markdown) or a sidecar `NAME.EXT.meta.yaml`
(any format), with defaults inferred where keys are missing. Chunks are heading-aware, cut at
sentence boundaries and sized for the embedding model's 256 word-piece window.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .loaders import DEFAULT_LIMITS, Limits, Parsed, SkipFile, load_bytes
from .types import AUDIENCES, DOC_TYPES, STATUSES

SIDECAR_SUFFIX = ".meta.yaml"
# Bump when parsing or splitting changes what chunks look like: indexes built before rebuild.
# 4: DOCX text read from the XML (tabs and breaks as python-docx gave them), HTML in one pass.
CHUNKER_VERSION = 4
# Metadata values past these lengths are cut (and warned about): every chunk row carries them.
MAX_TITLE_CHARS = 300
MAX_FORUMS = 30
MAX_VALUE_CHARS = 100
MAX_SIDECAR_BYTES = 100_000


@dataclass(frozen=True)
class DocMeta:
    title: str
    doc_type: str = "background"
    forum: tuple[str, ...] = ()
    status: str = "unspecified"
    date: str = ""
    audience: str = "public"

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "doc_type": self.doc_type, "forum": list(self.forum),
                "status": self.status, "date": self.date, "audience": self.audience}


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    text: str
    section: str
    page: int | None
    position: int
    meta: DocMeta
    hash: str = field(default="")

    def embed_text(self) -> str:
        """What the models see: the title and section give a short chunk its context."""
        return model_text(self.meta.title, self.section, self.text)

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "text": self.text,
                "section": self.section, "page": self.page, "position": self.position,
                "hash": self.hash, **self.meta.as_dict()}


@dataclass(frozen=True)
class Document:
    source: str
    meta: DocMeta
    chunks: tuple[Chunk, ...]
    warnings: tuple[str, ...] = ()


def content_hash(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
HEADER_WORDS = 24


def clean_for_models(text: str) -> str:
    """Link targets and URLs are noise to both models; the visible text stays verbatim."""
    text = _URL.sub(" ", _MD_LINK.sub(r"\1", text))
    return re.sub(r"[ \t]+", " ", text)


def model_text(title: str, section: str, text: str) -> str:
    head = " > ".join(part for part in (title, section) if part)
    head = " ".join(head.split()[:HEADER_WORDS])
    body = clean_for_models(text)
    return f"{head}\n{body}" if head else body


# --- discovery ----------------------------------------------------------------------------


def is_document_path(relative: Path) -> bool:
    """Hidden files, editor lock and backup files and metadata sidecars are not documents."""
    name = relative.name
    if any(part.startswith(".") for part in relative.parts):
        return False
    return not (name.startswith("~$") or name.startswith(".~lock") or name.endswith("~")
                or name.endswith(SIDECAR_SUFFIX) or name.endswith(".swp"))


def printable_source(source: str) -> str:
    """A source path that can be shown and stored: bytes that are not UTF-8 as `\\xNN`."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def walk(corpus: Path) -> Iterator[tuple[str, Path, str | None]]:
    """(source, path, reason) for every document under the corpus, in a stable order. `reason`
    is None for a file to read, else why it is skipped: a symbolic link (never followed: it
    may point out of the corpus, or at a device), a FIFO, socket or device (reading one
    blocks), or a name that is not valid UTF-8 (`source` then shows its bytes as `\\xNN`)."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    found: list[tuple[Path, str, str | None]] = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        folder = Path(dirpath)
        keep = []
        for name in dirnames:
            relative = (folder / name).relative_to(corpus)
            if name.startswith("."):
                continue  # hidden folders (.git, .cache) are not part of the corpus
            if (folder / name).is_symlink():
                found.append((relative, relative.as_posix(), "symbolic link to a folder (not "
                              "followed; move or copy the files into the corpus)"))
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in filenames:
            path = folder / name
            relative = path.relative_to(corpus)
            if not is_document_path(relative):
                continue
            found.append((relative, relative.as_posix(), _not_a_document(path)))
    for relative, source, reason in sorted(found):
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            source, reason = printable_source(source), "file name is not valid UTF-8 (rename it)"
        yield source, corpus / relative, reason


def _not_a_document(path: Path) -> str | None:
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if stat.S_ISLNK(mode):
        return "symbolic link (not followed; copy the file into the corpus instead)"
    if not stat.S_ISREG(mode):
        kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
                else "device")
        return f"not a regular file ({kind})"
    return None


def discover(corpus: Path) -> Iterator[tuple[str, Path]]:
    """(source, path) for every readable document under the corpus, in a stable order."""
    for source, path, reason in walk(corpus):
        if reason is None:
            yield source, path


def oversize_key(size: int) -> str:
    """What stands for the hash of a file over the size limit (which is never read): the
    same size, the same skip, so `status` does not call it changed at every look."""
    return f"over-size:{size}"


# --- metadata -----------------------------------------------------------------------------


class _AliasRefused(yaml.YAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: metadata never needs them, and a few hundred bytes of
    nested aliases (a "billion laughs") expand into gigabytes once read as values."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused("YAML aliases (*name) are not accepted in metadata")
        return super().compose_node(parent, index)


def _scalar(value: Any, key: str, limit: int, warnings: list[str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict | list | tuple | set):
        warnings.append(f"{key} is not a single value; ignored")
        return ""
    text = " ".join(str(value).split())
    if len(text) > limit:
        warnings.append(f"{key} longer than {limit} characters; cut")
        text = text[:limit].rstrip()
    return text


def _as_date(value: Any, warnings: list[str]) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _scalar(value, "date", 40, warnings)


def _as_forums(value: Any, warnings: list[str]) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    if len(items) > MAX_FORUMS:
        warnings.append(f"more than {MAX_FORUMS} forums; the first {MAX_FORUMS} kept")
        items = items[:MAX_FORUMS]
    forums = (_scalar(item, "forum", MAX_VALUE_CHARS, warnings) for item in items)
    return tuple(dict.fromkeys(f for f in forums if f))


def _parse_yaml(raw: str, what: str, warnings: list[str]) -> dict[str, Any]:
    try:
        data = yaml.load(raw, Loader=_NoAliasLoader) if raw.strip() else {}  # noqa: S506
    except _AliasRefused:
        warnings.append(f"{what} uses YAML aliases (*name), which are not accepted; indexed "
                        "with default metadata")
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        warnings.append(f"broken {what}{where}; indexed with default metadata")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(f"{what} is not a mapping; indexed with default metadata")
        return {}
    return data


def _title_from(parsed: Parsed, source: str) -> str:
    if parsed.title:
        return parsed.title
    for section in parsed.sections:
        if section.heading:
            return section.heading[0]
    first = parsed.sections[0].text.split("\n", 1)[0].strip() if parsed.sections else ""
    if first and len(first.split()) <= 14 and not first.endswith((".", ",", ";")):
        return first.strip("#*_ ")
    stem = Path(source).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize() or source


def build_meta(raw: dict[str, Any], parsed: Parsed, source: str,
               warnings: list[str]) -> DocMeta:
    title = (_scalar(raw.get("title"), "title", MAX_TITLE_CHARS, warnings)
             or _title_from(parsed, source)[:MAX_TITLE_CHARS])
    meta = DocMeta(
        title=title,
        doc_type=(_scalar(raw.get("doc_type"), "doc_type", MAX_VALUE_CHARS, warnings)
                  or "background").lower(),
        forum=_as_forums(raw.get("forum"), warnings),
        status=(_scalar(raw.get("status"), "status", MAX_VALUE_CHARS, warnings)
                or "unspecified").lower(),
        date=_as_date(raw.get("date"), warnings),
        audience=(_scalar(raw.get("audience"), "audience", MAX_VALUE_CHARS, warnings)
                  or "public").lower(),
    )
    for key, allowed in (("doc_type", DOC_TYPES), ("status", STATUSES),
                         ("audience", AUDIENCES)):
        if getattr(meta, key) not in allowed:
            warnings.append(f"unknown {key} {getattr(meta, key)!r} (expected one of "
                            f"{', '.join(sorted(allowed))})")
    if meta.audience not in AUDIENCES:
        # Unknown audience: treat as internal, the side that leaks nothing.
        meta = replace(meta, audience="internal")
    return meta


# --- splitting ----------------------------------------------------------------------------

_SENTENCE_END = r"(?<=[.!?;:])\s+(?=[\"'(\[A-Z0-9*])"


def count_words(text: str) -> int:
    return len(text.split())


# Both caches are keyed on `length`, in practice an embedder's `count_tokens`, and so keep that
# embedder (and its model) alive: two, not one per `update()` a long-lived process ever ran.
@lru_cache(maxsize=2)
def _measure(length: Callable[[str], int]) -> Callable[[str], int]:
    """`length` of the text the model reads, remembered: the splitter measures every piece
    twice (when recursing and when merging), and tokenizing was two thirds of parsing time
    before this cache. Cached per `length`, so one splitter serves every document."""

    @lru_cache(maxsize=8192)
    def measured(text: str) -> int:
        return length(clean_for_models(text))

    return measured


@lru_cache(maxsize=2)
def _splitter(chunk_size: int, overlap: int, length: Callable[[str], int]) -> Any:
    # Imported lazily: langchain is not needed by `--help` or `status`.
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        length_function=_measure(length),
        separators=["\n\n", "\n", _SENTENCE_END, r"(?<=,)\s+", r"\s+"],
        is_separator_regex=True,
        # Kept on the left piece, so merging joins with "" (not the regex's own text).
        keep_separator="end",
        strip_whitespace=True,
    )


def split_parsed(parsed: Parsed, source: str, meta: DocMeta, *, chunk_size: int,
                 overlap: int, length: Callable[[str], int] = count_words) -> tuple[Chunk, ...]:
    """Cut sections into chunks of at most `chunk_size` as measured by `length`.

    With the model's own token counter as `length`, no chunk is silently truncated by the
    encoder's 256 word-piece window.
    """
    splitter = _splitter(chunk_size, overlap, length)
    measured = _measure(length)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    source_key = content_hash(source)[:10]
    for section in parsed.sections:
        heading = section.heading
        if heading and heading[0] == meta.title:
            heading = heading[1:]  # the title is shown anyway; the section is what is below it
        section_path = " > ".join(heading)
        # A section that fits is one chunk: what the splitter would return, without measuring
        # each of its paragraphs, sentences and clauses first.
        fits = measured(section.text) <= chunk_size
        for piece in [section.text] if fits else splitter.split_text(section.text):
            text = piece.strip()
            if not re.search(r"\w", text):
                continue
            chunk = Chunk(id="", source=source, text=text, section=section_path,
                          page=section.page, position=len(chunks), meta=meta)
            digest = content_hash(chunk.embed_text())
            # Identical passages inside one file still need distinct ids.
            seen[digest] = seen.get(digest, 0) + 1
            chunk_id = f"{source_key}-{digest[:16]}-{seen[digest]}"
            chunks.append(replace(chunk, id=chunk_id, hash=digest))
    return tuple(chunks)


# A generous bound on characters per word-piece: past it, a text cannot fit the chunk limit,
# and is refused before the splitter spends minutes measuring it.
_CHARS_PER_TOKEN = 12


def document_from(parsed: Parsed, path: Path, source: str, *, chunk_size: int = 150,
                  overlap: int = 25, length: Callable[[str], int] = count_words,
                  max_chunks: int | None = None) -> Document:
    """Describe and split a parsed file (its front matter, its sidecar). Raises `SkipFile`."""
    if max_chunks is not None:
        chars = sum(len(section.text) for section in parsed.sections)
        if chars > max_chunks * chunk_size * _CHARS_PER_TOKEN:
            raise SkipFile(f"too much text ({chars / 1e6:,.1f} million characters, far more than "
                           f"{max_chunks:,} chunks; BRIEF_BOT_MAX_FILE_CHUNKS)")
    warnings: list[str] = []
    raw: dict[str, Any] = {}
    if parsed.front_matter is not None:
        if parsed.front_matter == "":
            warnings.append("front matter has no closing '---'; indexed with default metadata")
        raw.update(_parse_yaml(parsed.front_matter, "front matter", warnings))
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            warnings.append(f"sidecar {sidecar.name} is over {MAX_SIDECAR_BYTES // 1000} KB; "
                            "ignored")
        else:
            raw.update(_parse_yaml(sidecar.read_text("utf-8", errors="replace"),
                                   f"sidecar {sidecar.name}", warnings))
    meta = build_meta(raw, parsed, source, warnings)
    chunks = split_parsed(parsed, source, meta, chunk_size=chunk_size, overlap=overlap,
                          length=length)
    if not chunks:
        raise SkipFile("no text to index (empty after parsing)")
    if max_chunks is not None and len(chunks) > max_chunks:
        raise SkipFile(f"too much text ({len(chunks):,} chunks; limit {max_chunks:,}, "
                       "BRIEF_BOT_MAX_FILE_CHUNKS)")
    return Document(source=source, meta=meta, chunks=chunks, warnings=tuple(warnings))


def load_document(path: Path, source: str, *, chunk_size: int = 150, overlap: int = 25,
                  length: Callable[[str], int] = count_words, max_bytes: int | None = None,
                  data: bytes | None = None, limits: Limits = DEFAULT_LIMITS,
                  max_chunks: int | None = None) -> Document:
    """Read, describe and split one file, in this process. Raises `SkipFile` with the reason.
    (`index.update` parses in a child process instead, with a time and a memory limit.)"""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise SkipFile(f"over the size limit ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
    if data is None:
        data = path.read_bytes()
    parsed = load_bytes(path.name, data, limits)
    return document_from(parsed, path, source, chunk_size=chunk_size, overlap=overlap,
                         length=length, max_chunks=max_chunks)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_bytes(path: Path) -> bytes:
    sidecar = sidecar_path(path)
    return sidecar.read_bytes() if sidecar.is_file() else b""


def file_hash(path: Path, data: bytes) -> str:
    # The sidecar is part of a document's identity: editing only its metadata re-indexes it.
    return content_hash(data + b"\0sidecar\0" + sidecar_bytes(path))
