"""Finding the documents under the corpus folder, and what identifies each one's content.

`walk` lists every file with the reason it is skipped, if it is (links, FIFOs, names that are
not UTF-8); a file's hash covers its bytes and its metadata sidecar `NAME.EXT.meta.yaml`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

SIDECAR_SUFFIX = ".meta.yaml"


def content_hash(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


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


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_bytes(path: Path) -> bytes:
    sidecar = sidecar_path(path)
    return sidecar.read_bytes() if sidecar.is_file() else b""


def file_hash(path: Path, data: bytes) -> str:
    # The sidecar is part of a document's identity: editing only its metadata re-indexes it.
    return content_hash(data + b"\0sidecar\0" + sidecar_bytes(path))
