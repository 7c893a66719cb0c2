"""Reading the corpus for an update: which files are new, changed, unchanged or skipped, and
what the new and changed ones hold.

Every file is hashed (bytes plus sidecar); only files whose hash the serving generation does not
know are parsed, in the child process of `sandbox.ParserProcess` (time and memory limits), then
described and split here. Whatever goes wrong with one file is that file's skip, with its
reason, never the run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import IndexSettings
from ..corpus import Document, SkipFile, document_from, file_hash, oversize_key, walk
from ..corpus.sandbox import ParserProcess
from .embedding import Embedder
from .generations import note_skip, noted_skip, parse_claim
from .progress import Progress


@dataclass
class Scan:
    hashes: dict[str, str] = field(default_factory=dict)
    parsed: dict[str, Document] = field(default_factory=dict)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


# (source, file hash) -> what parsing it gave, for the rescan after waiting for another writer.
Seen = dict[tuple[str, str], "Document | str"]


def scan_corpus(settings: IndexSettings, embedder: Embedder, old: dict[str, Any] | None,
                progress: Progress, parser: ParserProcess, seen: Seen) -> Scan:
    """The corpus against `old` (the manifest of the generation to build on, if any)."""
    scan = Scan()
    files = list(walk(settings.corpus))
    progress.phase("reading files", len(files))
    max_bytes = int(settings.max_file_mb * 1_000_000)
    old_files = old["files"] if old else {}
    old_skips = old["skipped"] if old else {}
    for source, path, refused in files:
        progress.advance()
        try:
            if refused is not None:
                raise SkipFile(refused)
            size = path.stat().st_size
            if size > max_bytes:
                scan.hashes[source] = oversize_key(size)
                raise SkipFile(f"over the size limit ({size / 1e6:.1f} MB > "
                               f"{settings.max_file_mb:g} MB, BRIEF_BOT_MAX_FILE_MB)")
            data = path.read_bytes()
            digest = file_hash(path, data)
            scan.hashes[source] = digest
            if source in old_files and old_files[source]["sha256"] == digest:
                scan.unchanged.append(source)
                continue
            if source in old_skips and old_skips[source]["sha256"] == digest:
                scan.skipped[source] = old_skips[source]
                continue
            known = seen.get((source, digest))
            if known is None:
                known = seen[(source, digest)] = _claimed_parse(settings, embedder, parser,
                                                                path, source, data, digest)
            if isinstance(known, str):
                raise SkipFile(known)
            scan.parsed[source] = known
        except SkipFile as exc:
            scan.skipped[source] = {"sha256": scan.hashes.get(source, ""), "reason": str(exc)}
        except OSError as exc:
            scan.skipped[source] = {"sha256": "", "reason": f"unreadable ({exc.strerror})"}
    return scan


def _claimed_parse(settings: IndexSettings, embedder: Embedder, parser: ParserProcess,
                   path: Path, source: str, data: bytes, digest: str) -> Document | str:
    """The parsed file, or why it is skipped; never while another writer parses it. One that
    waited for another writer takes the skip that writer found, rather than parse again."""
    with parse_claim(settings.index, source) as waited:
        noted = noted_skip(settings.index, source, digest) if waited else None
        if noted is not None:
            return noted
        try:
            return _parse(settings, embedder, parser, path, source, data)
        except SkipFile as exc:
            note_skip(settings.index, source, digest, str(exc))
            return str(exc)


def _parse(settings: IndexSettings, embedder: Embedder, parser: ParserProcess, path: Path,
           source: str, data: bytes) -> Document:
    """One file to a document; whatever goes wrong is this file's skip, never the run's."""
    parsed = parser.parse(path.name, data)
    try:
        return document_from(parsed, path, source, chunk_size=settings.chunk_tokens,
                             overlap=settings.chunk_overlap_tokens, length=embedder.count_tokens,
                             max_chunks=settings.max_file_chunks)
    except SkipFile:
        raise
    except (MemoryError, RecursionError) as exc:
        raise SkipFile(f"too large to split ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - one file must never stop the run
        raise SkipFile(f"could not be split ({type(exc).__name__}: {str(exc)[:100]})") from None


