"""What the serving index holds, and how the corpus folder differs from it (read-only).

`brief-bot status`, the web page's documents tab (which polls it every few seconds) and the
Slack relay read this; only `index.update` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import IndexSettings
from ..corpus import discover, file_hash, oversize_key, sidecar_path
from .generations import NoIndexError, current_generation

# (path, size, mtime_ns of the file and its sidecar) -> hash, for `status` only: the web page
# polls it every few seconds and re-reading a large corpus each time would load the disk. An
# update always hashes the bytes themselves.
_STATUS_HASHES: dict[tuple[Any, ...], str] = {}


def _status_hash(path: Path, max_bytes: int) -> str:
    sidecar = sidecar_path(path)
    stat = path.stat()
    if stat.st_size > max_bytes:
        return oversize_key(stat.st_size)  # as `update` records it, never read
    side = sidecar.stat() if sidecar.is_file() else None
    key = (str(path), stat.st_size, stat.st_mtime_ns,
           side and side.st_size, side and side.st_mtime_ns)
    digest = _STATUS_HASHES.get(key)
    if digest is None:
        if len(_STATUS_HASHES) > 200_000:
            _STATUS_HASHES.clear()
        digest = _STATUS_HASHES[key] = file_hash(path, path.read_bytes())
    return digest


def status(settings: IndexSettings) -> dict[str, Any]:
    """The serving generation and what changed in the corpus since it was built."""
    current = current_generation(settings.index)
    if current is None:
        raise NoIndexError(f"no index in {settings.index} yet: run `brief-bot index`")
    name, gen_dir, manifest = current.name, current.path, current.manifest
    changes: dict[str, list[str]] = {"new": [], "changed": [], "deleted": []}
    if settings.corpus.is_dir():
        seen = set()
        max_bytes = int(settings.max_file_mb * 1_000_000)
        for source, path in discover(settings.corpus):
            seen.add(source)
            try:
                digest = _status_hash(path, max_bytes)
            except OSError:
                continue
            known = manifest["files"].get(source) or manifest["skipped"].get(source)
            if known is None:
                changes["new"].append(source)
            elif known["sha256"] != digest:
                changes["changed"].append(source)
        changes["deleted"] = sorted(set(manifest["files"]) - seen)
    return {
        "generation": name, "path": str(gen_dir), "built_at": manifest["built_at"],
        "documents": manifest["counts"]["documents"], "chunks": manifest["counts"]["chunks"],
        "skipped": [{"source": s, "reason": v["reason"]}
                    for s, v in sorted(manifest["skipped"].items())],
        "model": manifest["model"], "store": manifest["chroma_url"] or "embedded",
        "corpus": manifest["corpus"], "changes_since": changes,
        "up_to_date": not any(changes.values()),
    }


def documents(settings: IndexSettings) -> list[dict[str, Any]]:
    """The indexed documents with their metadata, for listings (web documents tab)."""
    current = current_generation(settings.index)
    if current is None:
        return []
    return [{"source": s, **info} for s, info in current.manifest["files"].items()]
