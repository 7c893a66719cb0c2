"""Index generations on disk: the pointer, manifests, the writer's lock, pruning.

A generation is a folder `gen-YYYYMMDDTHHMMSSffffff/` under the index folder; `CURRENT` names
the one readers use. Switching is one atomic rename of `CURRENT`; superseded generations stay
for `grace_seconds` so readers mid-question are not pulled from under.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..config import IndexSettings
from .store import ChromaStore, http_client, local_client


class _Logs(Protocol):
    def log(self, message: str) -> None: ...


FORMAT = 1
POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
GLOSSARY_SOURCE = "glossary/acronyms.csv"


class IndexStateError(RuntimeError):
    """A problem a user must act on; the message says what to do."""


class NoIndexError(IndexStateError):
    pass


class DamagedIndexError(IndexStateError):
    pass



# --- pointer, manifest, lock ----------------------------------------------------------------

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_pointer(index_dir: Path) -> str | None:
    try:
        data = json.loads((index_dir / POINTER).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, OSError, UnicodeDecodeError) as exc:
        raise DamagedIndexError(
            f"the index pointer {index_dir / POINTER} is unreadable ({exc}); "
            "run `brief-bot index --rebuild`") from None
    name = data.get("generation") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.startswith("gen-"):
        raise DamagedIndexError(f"the index pointer {index_dir / POINTER} names no generation; "
                                "run `brief-bot index --rebuild`")
    return name


def load_manifest(gen_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((gen_dir / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise DamagedIndexError(f"index generation {gen_dir} is missing or incomplete; "
                                "run `brief-bot index --rebuild`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DamagedIndexError(f"index generation {gen_dir} has a damaged manifest ({exc}); "
                                "run `brief-bot index --rebuild`") from None
    if manifest.get("format") != FORMAT:
        raise DamagedIndexError(f"index generation {gen_dir} was built by another version of "
                                "brief-bot; run `brief-bot index --rebuild`")
    return manifest


@dataclass(frozen=True)
class Generation:
    """One built generation: its folder name, its path and its manifest."""

    name: str
    path: Path
    manifest: dict[str, Any]

    @property
    def collection(self) -> str:
        return str(self.manifest["collection"])


def current_generation(index_dir: Path) -> Generation | None:
    name = read_pointer(index_dir)
    if name is None:
        return None
    gen_dir = index_dir / name
    return Generation(name, gen_dir, load_manifest(gen_dir))


@contextlib.contextmanager
def writer_lock(index_dir: Path, progress: _Logs) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.log("another `brief-bot index` is running; waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def wait_for_writer(index_dir: Path) -> None:
    """Return once no writer holds the lock (at once if none does). A writer holding it is
    about to switch generations: embedding before it has would embed again what it is
    writing, and slow its write down."""
    with open(index_dir / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH)
        fcntl.flock(fh, fcntl.LOCK_UN)


# Where writers claim the files they parse: a few lock files, each file's name hashed to one.
CLAIMS = ".parsing"
CLAIM_SLOTS = 64
SKIP_NOTES = "skips.jsonl"


@contextlib.contextmanager
def parse_claim(index_dir: Path, source: str) -> Iterator[bool]:
    """Held while this writer parses `source`: another writer that wants to parse it waits
    (two writers parsing one hostile file at once cost its time and memory twice over: 46 s
    and 1.5 GB each). Yields whether it had to wait. Names hash to `CLAIM_SLOTS` lock files,
    which stay (removing a lock file while another writer opens it is a race): two files that
    share one are parsed one after the other, never at once."""
    folder = index_dir / CLAIMS
    folder.mkdir(parents=True, exist_ok=True)
    slot = int(hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16)
    with open(folder / f"{slot % CLAIM_SLOTS:02d}.lock", "a") as fh:
        waited = False
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waited = True
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield waited
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def note_skip(index_dir: Path, source: str, digest: str, reason: str) -> None:
    """Tell writers waiting for this file why it was skipped, so they need not parse it."""
    line = json.dumps({"source": source, "sha256": digest, "reason": reason}) + "\n"
    with contextlib.suppress(OSError), open(index_dir / CLAIMS / SKIP_NOTES, "a") as fh:
        fh.write(line)  # one short append: whole, whatever else writes


def noted_skip(index_dir: Path, source: str, digest: str) -> str | None:
    """Why another writer skipped this very file (same content), if it did."""
    try:
        lines = (index_dir / CLAIMS / SKIP_NOTES).read_text("utf-8").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        with contextlib.suppress(ValueError, TypeError, KeyError):
            note = json.loads(line)
            if note["source"] == source and note["sha256"] == digest:
                return str(note["reason"])
    return None


def open_store(settings: IndexSettings, gen_dir: Path, collection: str, *,
               create: bool = False) -> ChromaStore:
    if settings.chroma_url:
        return ChromaStore(http_client(settings.chroma_url), collection, create=create)
    return ChromaStore(local_client(gen_dir / "chroma"), collection, create=create)


def read_chunks(gen_dir: Path) -> list[dict[str, Any]]:
    with open(gen_dir / CHUNKS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def activate(index_dir: Path, name: str) -> None:
    (index_dir / name / "ACTIVATED").write_text(datetime.now(UTC).isoformat())
    write_atomic(index_dir / POINTER, json.dumps({"generation": name}))


def prune(settings: IndexSettings, index_dir: Path) -> None:
    """Drop abandoned builds, and superseded generations once readers had time to move on;
    skip notes once no writer can still be waiting for them."""
    notes = index_dir / CLAIMS / SKIP_NOTES
    with contextlib.suppress(OSError):
        if time.time() - notes.stat().st_mtime > 2 * settings.parse_timeout:
            notes.unlink()
    current = read_pointer(index_dir)
    gens = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    activated = [g for g in gens if (g / "ACTIVATED").exists() and g.name != current]
    for gen in gens:
        if gen.name != current and not (gen / "ACTIVATED").exists():
            _remove_generation(settings, gen)  # a build that died before its switch
    superseded = activated[: max(0, len(activated) - (settings.keep_generations - 1))]
    now = time.time()
    for gen in superseded:
        later = [g for g in gens if g.name > gen.name and (g / "ACTIVATED").exists()]
        retired_at = (later[0] / "ACTIVATED").stat().st_mtime if later else now
        if now - retired_at >= settings.grace_seconds:
            _remove_generation(settings, gen)


def _remove_generation(settings: IndexSettings, gen_dir: Path) -> None:
    if settings.chroma_url:
        with contextlib.suppress(Exception):
            collection = json.loads((gen_dir / MANIFEST).read_text())["collection"]
            http_client(settings.chroma_url).delete_collection(collection)
    shutil.rmtree(gen_dir, ignore_errors=True)


def storage_failure(exc: BaseException) -> str | None:
    """A full disk or another storage fault, as one line naming it; None for anything else.
    Chroma reports a full disk as its own error type, with SQLite's words."""
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "no space left on the device (free some disk space)"
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or os.strerror(exc.errno)}{where}"
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text or "disk quota" in text:
        return "no space left on the device (free some disk space)"
    return None
