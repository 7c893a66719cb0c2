"""Documents to chunks: heading-aware, cut at sentence boundaries and sized for the embedding
model's 256 word-piece window; each chunk keeps its section path and page."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..headings import HeadingPath
from .files import content_hash
from .formats import load_bytes
from .metadata import DocMeta, read_metadata
from .parsed import DEFAULT_LIMITS, Limits, Parsed, SkipFile

# Bump when parsing or splitting changes what chunks look like: indexes built before rebuild.
# 4: DOCX text read from the XML (tabs and breaks as python-docx gave them), HTML in one pass.
# 5: runs without spaces cut at the model's window; HTML tags in Markdown prose kept as text;
#    DOCX content controls read.
CHUNKER_VERSION = 5


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


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
HEADER_WORDS = 24


def clean_for_models(text: str) -> str:
    """Link targets and URLs are noise to both models; the visible text stays verbatim."""
    text = _URL.sub(" ", _MD_LINK.sub(r"\1", text))
    return re.sub(r"[ \t]+", " ", text)


def model_text(title: str, section: str, text: str) -> str:
    head = str(HeadingPath.of(title, section))
    head = " ".join(head.split()[:HEADER_WORDS])
    body = clean_for_models(text)
    return f"{head}\n{body}" if head else body


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


# A generous bound on characters per word-piece: past it, a text cannot fit the chunk limit,
# and is refused before the splitter spends minutes measuring it. A run without spaces longer
# than this many characters a word-piece is cut too, even where the model reads none of it (a
# URL): the chunk is also what a page shows.
_CHARS_PER_TOKEN = 12
_SPACE = re.compile(r"\s")
_LONG_RUN_CHARS = 100


def _bounded(piece: str, chunk_size: int, measured: Callable[[str], int]) -> list[str]:
    """`piece` in parts that each fit the model's window. The splitter cuts only at spaces, so
    a run without any (encoded data, a 6.5 MB "word") comes out whole: it is cut here, into
    equal parts, until each fits."""
    max_run = chunk_size * _CHARS_PER_TOKEN
    todo, out = [piece], []
    while todo:
        part = todo.pop()
        tokens = measured(part)
        longest = max((len(run) for run in part.split()), default=0)
        if tokens <= chunk_size and longest <= max_run:
            out.append(part)
            continue
        parts = max(2, -(-tokens // chunk_size), -(-len(part) // max_run))
        step = -(-len(part) // parts)
        todo.extend(reversed([part[at : at + step] for at in range(0, len(part), step)]))
    return out


def _runs_warning(chunks: tuple[Chunk, ...]) -> list[str]:
    """A file whose chunks are mostly runs without spaces is data, not prose: say so."""
    runs = sum(1 for c in chunks if len(c.text) >= _LONG_RUN_CHARS and not _SPACE.search(c.text))
    if runs * 2 <= len(chunks):
        return []
    return [f"{runs:,} of its {len(chunks):,} chunks are runs of characters without spaces "
            "(encoded data or a pasted blob, not prose?), cut at the model's window"]


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
        section_path = str(HeadingPath(heading))
        # A section that fits is one chunk: what the splitter would return, without measuring
        # each of its paragraphs, sentences and clauses first.
        fits = measured(section.text) <= chunk_size
        pieces = [section.text] if fits else splitter.split_text(section.text)
        for piece in (part for whole in pieces for part in _bounded(whole, chunk_size, measured)):
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




def document_from(parsed: Parsed, path: Path, source: str, *, chunk_size: int = 150,
                  overlap: int = 25, length: Callable[[str], int] = count_words,
                  max_chunks: int | None = None) -> Document:
    """Describe and split a parsed file (its front matter, its sidecar). Raises `SkipFile`."""
    if max_chunks is not None:
        chars = sum(len(section.text) for section in parsed.sections)
        if chars > max_chunks * chunk_size * _CHARS_PER_TOKEN:
            raise SkipFile(f"too much text ({chars / 1e6:,.1f} million characters, far more than "
                           f"{max_chunks:,} chunks; BRIEF_BOT_MAX_FILE_CHUNKS)")
    meta, warnings = read_metadata(parsed, path, source)
    chunks = split_parsed(parsed, source, meta, chunk_size=chunk_size, overlap=overlap,
                          length=length)
    warnings = [*parsed.warnings, *warnings, *_runs_warning(chunks)]
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
