"""The index stage: incremental updates into crash-safe, atomically switched generations.

Layout under the index folder:

    CURRENT              {"generation": "gen-..."}: the pointer readers follow
    .lock                held by the one writer at a time
    gen-YYYYMMDDTHHMMSSffffff/
        manifest.json    files (content hashes), skips, settings, counts; written last
        chunks.jsonl     every chunk's text and metadata, in row order
        keyword/         the BM25 index of the same rows
        glossary.csv     the corpus glossary, if any, for query expansion
        chroma/          the embedded vector store (absent in server mode)
        ACTIVATED        when the pointer first named this generation

A writer never modifies the generation readers use: it copies what is unchanged into a fresh
generation, adds what changed, verifies the result, then replaces the pointer in one rename.
Files are parsed and their new texts embedded before the writer's lock is taken (`prepare`);
with the lock held, a run checks that the generation it prepared against still serves (else it
prepares again against the new one, which costs hashing) and writes (`vectors` the store).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from ..config import IndexSettings
from ..corpus import CHUNKER_VERSION, model_text
from ..corpus.sandbox import ParserProcess
from .embedding import Embedder, default_embedder
from .generations import (
    CHUNKS,
    FORMAT,
    GLOSSARY_SOURCE,
    MANIFEST,
    IndexStateError,
    activate,
    prune,
    read_pointer,
    storage_failure,
    write_atomic,
    writer_lock,
)
from .keyword import KeywordIndex
from .prepare import Plan, Preparer
from .progress import NullProgress, Progress
from .scan import Scan
from .sentences import SENTENCES_VERSION, write_sentences
from .store import COLLECTION_PREFIX, STORE_VERSION, limit_heap_arenas, release_memory
from .units import UNITS_VERSION, known_vectors, units_for, write_units
from .vectors import write_vectors

# Times a run prepares again because another writer switched generations while it prepared;
# past them it prepares under the lock (each time costs hashing, as parses and vectors are kept).
RETRIES = 3


@dataclass
class UpdateReport:
    files_seen: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    chunks: int = 0
    vectors: int = 0  # distinct texts stored: chunks with the same text share one vector
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    generation: str | None = None
    new_generation: bool = False
    embed_seconds: float = 0.0
    encoder: str = ""  # "onnx" or "torch" when this run embedded anything
    units_embedded: int = 0  # sections and sets embedded (the rest kept their vectors)
    sentences_embedded: int = 0  # sentences embedded (the rest kept their vectors)
    deferred: list[str] = field(default_factory=list)  # files left for the next run
    lock_wait_seconds: float = 0.0
    lock_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- update -----------------------------------------------------------------------------------


def _new_generation_name(index_dir: Path) -> str:
    while True:
        name = "gen-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        if not (index_dir / name).exists():
            return name


def update(settings: IndexSettings, *, rebuild: bool = False, embedder: Embedder | None = None,
           progress: Progress | None = None) -> UpdateReport:
    """Bring the index in line with the corpus; returns what was done.

    Unchanged files cost a hash; changed files are parsed and only their new chunk texts are
    embedded, before the writer's lock is taken; nothing readers use is modified until the
    final pointer switch.
    """
    started = time.perf_counter()
    progress = progress or NullProgress()
    if not settings.corpus.is_dir():
        raise IndexStateError(f"corpus folder not found: {settings.corpus} "
                         "(set --corpus or BRIEF_BOT_CORPUS)")
    embedder = embedder or default_embedder(settings.model)
    settings.index.mkdir(parents=True, exist_ok=True)
    parser = ParserProcess(timeout=settings.parse_timeout, memory_mb=settings.parse_memory_mb)
    preparer = Preparer(settings=settings, embedder=embedder, progress=progress, parser=parser,
                        rebuild=rebuild)
    limit_heap_arenas()  # a long-lived process (the page) runs an update after every upload
    try:
        for attempt in range(RETRIES + 1):
            plan = preparer.prepare()
            asked = time.perf_counter()
            with writer_lock(settings.index, progress):
                held = time.perf_counter()
                if not preparer.still_current(plan):
                    if attempt < RETRIES:
                        progress.log("another writer switched generations meanwhile: "
                                     "comparing with its result")
                        continue
                    plan = preparer.prepare(locked=True)  # rare: writers keep overtaking
                parser.close()
                report = _write(settings, embedder, plan, progress, started)
                report.embedded, report.encoder = preparer.stats.embedded, preparer.stats.encoder
                report.sentences_embedded = preparer.stats.sentences
                report.units_embedded = preparer.stats.units
                report.embed_seconds = round(preparer.stats.seconds, 3)
                report.lock_wait_seconds = round(held - asked, 3)
                report.lock_seconds = round(time.perf_counter() - held, 3)
                return report
        raise AssertionError("unreachable: the last attempt writes")
    finally:
        parser.close()
        release_memory()


def _write(settings: IndexSettings, embedder: Embedder, plan: Plan, progress: Progress,
           started: float) -> UpdateReport:
    """With the writer's lock held: a new generation from the plan, verified, then switched."""
    index_dir, current, old, scan = settings.index, plan.current, plan.old, plan.scan
    report = _report(scan, old)
    report.deferred = plan.deferred
    for source, doc in scan.parsed.items():
        report.warnings.extend({"source": source, "warning": w} for w in doc.warnings)
    if old is not None and not (report.added or report.updated or report.deleted) and (
            {s: v["reason"] for s, v in scan.skipped.items()}
            == {s: v["reason"] for s, v in old["skipped"].items()}) and (
            plan.deferred == (old.get("deferred") or [])) and (
            old.get("units") == UNITS_VERSION and old.get("sentences") == SENTENCES_VERSION):
        # (A generation without units or sentence vectors gets them.)
        report.generation = current.name if current else None
        report.chunks = old["counts"]["chunks"]
        report.vectors = old["counts"].get("vectors", report.chunks)
        prune(settings, index_dir)
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    if not scan.parsed and not scan.unchanged:
        raise IndexStateError(f"nothing to index in {settings.corpus}: every file was skipped "
                              "or the folder is empty")
    name = _new_generation_name(index_dir)
    gen_dir = index_dir / name
    try:
        # Built on an incompatible generation: nothing of it is kept.
        _build(settings, embedder, plan if old else replace(plan, current=None, old_rows=[]),
               gen_dir, name, report, progress)
        activate(index_dir, name)
    except BaseException as exc:
        # A failed or interrupted build leaves nothing half-written behind a pointer.
        with contextlib.suppress(IndexStateError):
            if read_pointer(index_dir) != name:
                shutil.rmtree(gen_dir, ignore_errors=True)
        cause = storage_failure(exc)
        if cause:
            raise IndexStateError(f"could not write the new index generation in {index_dir}: "
                                  f"{cause}. The previous generation is still serving; run "
                                  "`brief-bot index` again once that is fixed") from None
        raise
    report.generation = name
    report.new_generation = True
    prune(settings, index_dir)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _report(scan: Scan, old: dict[str, Any] | None) -> UpdateReport:
    old_files = old["files"] if old else {}
    seen = set(scan.hashes) | set(scan.skipped)
    report = UpdateReport(files_seen=len(seen), unchanged=len(scan.unchanged))
    report.added = sum(1 for s in scan.parsed if s not in old_files)
    report.updated = sum(1 for s in scan.parsed if s in old_files)
    gone_or_skipped = [s for s in old_files if s not in scan.parsed and s not in scan.unchanged]
    report.deleted = len(gone_or_skipped)
    report.skipped = [{"source": s, "reason": v["reason"]} for s, v in sorted(scan.skipped.items())]
    return report


def _build(settings: IndexSettings, embedder: Embedder, plan: Plan, gen_dir: Path,
           name: str, report: UpdateReport, progress: Progress) -> None:
    gen_dir.mkdir(parents=True)
    current, scan = plan.current, plan.scan
    collection = COLLECTION_PREFIX + name.replace("-", "_")
    keep = set(scan.unchanged)
    rows = [r for r in plan.old_rows if r["source"] in keep]
    new_rows = [c.record() for doc in scan.parsed.values() for c in doc.chunks]
    had = {r["hash"] for r in plan.old_rows}
    report.reused = sum(1 for r in new_rows if r["hash"] in had)
    rows.extend(new_rows)

    progress.phase("writing the vector store", 1)
    copy = current is not None and not settings.chroma_url
    write = partial(write_vectors, settings=settings, current=current, gen_dir=gen_dir,
                    collection=collection, old_rows=plan.old_rows, rows=rows,
                    vectors=plan.vectors)
    try:
        collection = write(copy=copy)
    except IndexStateError as exc:
        if not copy:
            raise
        # Copy-and-apply is only a shortcut; a store that fails its check is written afresh.
        progress.log(f"the copied vector store failed its check ({exc}); writing it afresh")
        shutil.rmtree(gen_dir / "chroma", ignore_errors=True)
        collection = write(copy=False)
    progress.advance()
    _write_tables(settings, embedder, gen_dir, name, collection, plan, rows, report, progress)


def _write_tables(settings: IndexSettings, embedder: Embedder, gen_dir: Path, name: str,
                  collection: str, plan: Plan, rows: list[dict[str, Any]],
                  report: UpdateReport, progress: Progress) -> None:
    """Everything but the vectors: the keyword index, the chunk table, the glossary, and the
    manifest last (a generation without one is incomplete)."""
    progress.phase("writing the keyword index", 1)
    texts = [_keyword_text(r) for r in rows]
    KeywordIndex.build(texts).save(gen_dir / "keyword")
    with open(gen_dir / CHUNKS, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    if plan.units is None:  # nothing new was read: every unit has its vectors already
        write_units(gen_dir, units_for(rows), known_vectors(plan.current.path if plan.current
                                                            else None), embedder.dimensions)
    else:
        write_units(gen_dir, plan.units, plan.unit_vectors, embedder.dimensions)
    write_sentences(gen_dir, rows, plan.old_sentences, plan.sentence_vectors,
                    embedder.dimensions)
    glossary = settings.corpus / GLOSSARY_SOURCE
    if glossary.is_file():
        shutil.copyfile(glossary, gen_dir / "glossary.csv")
    report.chunks = len(rows)
    report.vectors = len({r["hash"] for r in rows})
    write_atomic(gen_dir / MANIFEST, json.dumps(
        _manifest(settings, embedder, name, collection, plan, rows), indent=1))
    progress.advance()


def _keyword_text(row: dict[str, Any]) -> str:
    return model_text(row["title"], row["section"], row["text"])


def _manifest(settings: IndexSettings, embedder: Embedder, name: str, collection: str,
              plan: Plan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    scan = plan.scan
    old_files = plan.current.manifest["files"] if plan.current else {}
    files: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    for source in scan.unchanged:
        files[source] = old_files[source]
    for source, doc in scan.parsed.items():
        files[source] = {"sha256": scan.hashes[source], "chunks": counts.get(source, 0),
                         "warnings": list(doc.warnings), **doc.meta.as_dict()}
    return {
        "format": FORMAT, "generation": name, "collection": collection,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": str(settings.corpus.resolve()), "model": embedder.name,
        "dimensions": embedder.dimensions, "chunker": CHUNKER_VERSION,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens, "chroma_url": settings.chroma_url,
        "store": STORE_VERSION, "units": UNITS_VERSION, "sentences": SENTENCES_VERSION,
        "files": dict(sorted(files.items())), "skipped": scan.skipped,
        "deferred": plan.deferred,
        "counts": {"documents": len(files), "chunks": len(rows),
                   "vectors": len({r["hash"] for r in rows})},
    }
