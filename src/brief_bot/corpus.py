"""The corpus stage: find documents, read their metadata, split them into chunks.

A document's metadata comes from YAML front matter (Markdown) or a sidecar `NAME.EXT.meta.yaml`
(any format), with defaults inferred where keys are missing. Chunks are heading-aware, cut at
sentence boundaries and sized for the embedding model's 256 word-piece window.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from .loaders import Parsed, SkipFile, load_bytes
from .types import AUDIENCES, DOC_TYPES, STATUSES

SIDECAR_SUFFIX = ".meta.yaml"
# Bump when parsing or splitting changes what chunks look like: indexes built before rebuild.
CHUNKER_VERSION = 3


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


def discover(corpus: Path) -> Iterator[tuple[str, Path]]:
    """(source, path) for every document under the corpus, in a stable order."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    for path in sorted(corpus.rglob("*")):
        relative = path.relative_to(corpus)
        if path.is_file() and not path.is_symlink() and is_document_path(relative):
            yield relative.as_posix(), path


# --- metadata -----------------------------------------------------------------------------


def _as_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() if value not in (None, "") else ""


def _as_forums(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _parse_yaml(raw: str, what: str, warnings: list[str]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
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
    title = str(raw.get("title") or "").strip() or _title_from(parsed, source)
    meta = DocMeta(
        title=title,
        doc_type=str(raw.get("doc_type") or "background").strip().lower(),
        forum=_as_forums(raw.get("forum")),
        status=str(raw.get("status") or "unspecified").strip().lower(),
        date=_as_date(raw.get("date")),
        audience=str(raw.get("audience") or "public").strip().lower(),
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


@cache
def _measure(length: Callable[[str], int]) -> Callable[[str], int]:
    """`length` of the text the model reads, remembered: the splitter measures every piece
    twice (when recursing and when merging), and tokenizing was two thirds of parsing time
    before this cache. Cached per `length`, so one splitter serves every document."""

    @lru_cache(maxsize=8192)
    def measured(text: str) -> int:
        return length(clean_for_models(text))

    return measured


@cache
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


def load_document(path: Path, source: str, *, chunk_size: int = 150, overlap: int = 25,
                  length: Callable[[str], int] = count_words, max_bytes: int | None = None,
                  data: bytes | None = None) -> Document:
    """Read, describe and split one file. Raises `SkipFile` with the reason."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise SkipFile(f"over the size limit ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
    if data is None:
        data = path.read_bytes()
    parsed = load_bytes(path.name, data)
    warnings: list[str] = []
    raw: dict[str, Any] = {}
    if parsed.front_matter is not None:
        if parsed.front_matter == "":
            warnings.append("front matter has no closing '---'; indexed with default metadata")
        raw.update(_parse_yaml(parsed.front_matter, "front matter", warnings))
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        raw.update(_parse_yaml(sidecar.read_text("utf-8", errors="replace"),
                               f"sidecar {sidecar.name}", warnings))
    meta = build_meta(raw, parsed, source, warnings)
    chunks = split_parsed(parsed, source, meta, chunk_size=chunk_size, overlap=overlap,
                          length=length)
    if not chunks:
        raise SkipFile("no text to index (empty after parsing)")
    return Document(source=source, meta=meta, chunks=chunks, warnings=tuple(warnings))


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_bytes(path: Path) -> bytes:
    sidecar = sidecar_path(path)
    return sidecar.read_bytes() if sidecar.is_file() else b""


def file_hash(path: Path, data: bytes) -> str:
    # The sidecar is part of a document's identity: editing only its metadata re-indexes it.
    return content_hash(data + b"\0sidecar\0" + sidecar_bytes(path))
