"""Uploads from the documents tab: checked, saved under corpus/uploads/, indexed in the background.

The index stage does the work (`brief_bot.index.update`); this module only decides whether a file
may come in, picks a safe name for it, and runs one update at a time off the request thread so
the chat keeps answering from the current generation meanwhile.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from brief_bot.config import Settings

log = logging.getLogger("brief_bot.web")

ALLOWED_SUFFIXES = (".md", ".txt", ".pdf", ".docx", ".html", ".htm", ".csv")
UPLOAD_DIR = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why, in words for the user."""


def safe_name(raw: str) -> str:
    """A plain file name from whatever the browser sent.

    Directories (either slash) are stripped, characters outside [A-Za-z0-9._-] become `_`,
    and names that are hidden, empty, dots only, or of a type we do not index are refused.
    """
    base = re.split(r"[\\/]", str(raw or ""))[-1].strip()
    if not base or set(base) <= {"."}:
        raise UploadRefused("the file has no usable name")
    if base.startswith("."):
        raise UploadRefused(f"{base}: hidden files (names starting with a dot) are not accepted")
    name = _UNSAFE.sub("_", base).strip("_") or "upload"
    if name.startswith(".") or ".." in name:
        raise UploadRefused(f"{base}: unsafe file name")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(f"{base}: only {' '.join(ALLOWED_SUFFIXES)} files can be added")
    if len(name) > 120:
        name = Path(name).stem[:100] + suffix
    return name


def save_upload(settings: Settings, temp_path: str | os.PathLike[str],
                original_name: str | None = None) -> tuple[str, bool]:
    """Copy an uploaded temp file into corpus/uploads/; returns (corpus-relative path, replaced).

    Raises UploadRefused for a bad name or type, a file over `upload_max_mb`, or a name that
    would land anywhere but directly inside the uploads folder.
    """
    src = Path(temp_path)
    name = safe_name(original_name or src.name)
    try:
        size = src.stat().st_size
    except OSError:
        raise UploadRefused(f"{name}: the upload did not arrive") from None
    limit = settings.upload_max_mb * 1024 * 1024
    if size > limit:
        raise UploadRefused(f"{name}: {size / 1048576:.1f} MB is over the "
                            f"{settings.upload_max_mb:g} MB limit")
    if size == 0:
        raise UploadRefused(f"{name}: the file is empty")
    folder = (settings.corpus / UPLOAD_DIR).resolve()
    dest = (folder / name).resolve()
    if dest.parent != folder:
        raise UploadRefused(f"{name}: unsafe file name")
    folder.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or (dest.exists() and not dest.is_file()):
        raise UploadRefused(f"{name}: a non-file of that name is in the way")
    replaced = dest.exists()
    tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return f"{UPLOAD_DIR}/{name}", replaced


class IndexJob:
    """Runs `brief_bot.index.update` in one background thread; requests during a run coalesce
    into one more run afterwards."""

    def __init__(self, settings: Settings, update: Callable[[Settings], Any] | None = None,
                 on_done: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self._update = update
        self._on_done = on_done
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self.state: dict[str, Any] = {"state": "idle"}

    def request(self) -> None:
        with self._lock:
            if self.running:
                self._again = True
                return
            self._start()

    def _start(self) -> None:
        self.state = {"state": "running", "started": _now()}
        self._thread = threading.Thread(target=self._run, name="brief-bot-index", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        while True:
            started = self.state.get("started", _now())
            try:
                update = self._update
                if update is None:
                    from brief_bot.index import update
                report = update(self.settings)
                data = report.to_dict() if hasattr(report, "to_dict") else dict(report or {})
                state: dict[str, Any] = {"state": "done", "started": started,
                                         "finished": _now(), "report": data}
            except Exception as exc:  # noqa: BLE001 - shown on the page, logged in full
                log.exception("index update after upload failed")
                state = {"state": "failed", "started": started, "finished": _now(),
                         "error": f"{type(exc).__name__}: {exc}"}
            if self._on_done is not None:
                try:
                    self._on_done()
                except Exception:  # noqa: BLE001
                    log.exception("after-update hook failed")
            with self._lock:
                if self._again:
                    self._again = False
                    self.state = {"state": "running", "started": _now()}
                    continue
                self.state = state
                return


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
