"""Uploads from the documents tab: checked, saved under corpus/uploads/, indexed in the background.

The index stage does the work (`brief_bot.index.update`); this module only decides whether a file
may come in, picks a safe name for it, marks it as a draft, and runs one update at a time off the
request thread so the chat keeps answering from the current generation meanwhile.

An upload is a draft whatever its front matter says: the upload handler writes a sidecar
`NAME.meta.yaml` beside it (a sidecar overrides front matter) with `status: draft`. Only an
editor (a role in the login settings) can give an upload another status, by uploading it or by
approving it afterwards; the curated corpus (files put in the corpus folder by hand) keeps its own.

Approved text is never overwritten by someone who may not approve it: a non-editor's upload
that would replace an approved one becomes a new draft beside it (its sidecar names the one it
would replace), and an editor chooses, by approving it in that one's place or not. Whatever an
upload replaces is kept under `uploads/.versions/` (a hidden folder: never indexed).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from brief_bot.config import IndexSettings, WebSettings
from brief_bot.corpus import SIDECAR_SUFFIX, sidecar_path

log = logging.getLogger("brief_bot.web")

ALLOWED_SUFFIXES = (".md", ".txt", ".pdf", ".docx", ".html", ".htm", ".csv")
UPLOAD_DIR = "uploads"
VERSIONS_DIR = ".versions"
# Statuses an editor may give an upload; everyone else's uploads are drafts.
APPROVABLE = ("agreed", "draft", "superseded", "unspecified")
# Letters and digits of any script stay (a name of CJK characters only is a fine name); anything
# else (spaces, punctuation, control and direction-override characters) becomes `_`.
_UNSAFE = re.compile(r"[^\w.-]+")
# ext4 and most file systems allow 255 bytes per name; CJK characters take 3 bytes each.
_MAX_NAME_BYTES = 180
_MAX_COPIES = 1000


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why, in words for the user."""


@dataclass(frozen=True)
class SavedUpload:
    """Where an upload landed: `path` relative to the corpus, and what happened on the way."""

    path: str
    requested: str  # the safe name asked for; differs from path's name when that was taken
    replaced: bool
    status: str  # "draft", or the status an editor gave it ("" = the document's own)
    beside: str = ""  # the approved upload this draft would replace, if an editor approves it
    kept: str = ""  # where the version it replaced is kept

    @property
    def renamed(self) -> bool:
        return Path(self.path).name != self.requested


def _trim(stem: str, suffix: str) -> str:
    while len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return stem + suffix


def safe_name(raw: str) -> str:
    """A plain, readable file name from whatever the browser sent.

    Directories (either slash) are stripped, the name is NFC-normalised, characters other than
    letters and digits (of any script), `.`, `_` and `-` become `_`; names that are hidden,
    empty, dots only, metadata sidecars or of a type we do not index are refused.
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", str(raw or ""))[-1]).strip()
    if not base or set(base) <= {"."}:
        raise UploadRefused("the file has no usable name")
    if base.startswith("."):
        raise UploadRefused(f"{base}: hidden files (names starting with a dot) are not accepted")
    if base.lower().endswith(SIDECAR_SUFFIX):
        raise UploadRefused(f"{base}: metadata files (*{SIDECAR_SUFFIX}) cannot be uploaded; an "
                            "editor sets an upload's status on the Documents tab")
    name = _UNSAFE.sub("_", base).strip("_") or "upload"
    if name.startswith(".") or ".." in name:
        raise UploadRefused(f"{base}: unsafe file name")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(f"{base}: only {' '.join(ALLOWED_SUFFIXES)} files can be added")
    stem = Path(name).stem.strip("_") or "upload"
    return _trim(stem, Path(name).suffix)


def _free_name(folder: Path, name: str) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, ... : the first that no file (or sidecar) uses."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, _MAX_COPIES + 1):
        candidate = name if n == 1 else _trim(stem, f"-{n}{suffix}")
        path = folder / candidate
        if not path.exists() and not path.is_symlink() and not sidecar_path(path).exists():
            return candidate
    raise UploadRefused(f"{name}: too many uploads of that name; remove some first")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_sidecar(path: Path, status: str, by: str, beside: str = "") -> None:
    """The upload's metadata sidecar; it overrides the document's front matter. `beside`: the
    approved upload this draft would replace (`approve` puts it there)."""
    how = f"approved by {by}" if status != "draft" else "uploaded; drafts until an editor " \
                                                       "approves them"
    note = f"# Written by the brief-bot upload page ({how}, {_now()}).\n"
    fields: dict[str, str] = {"status": status}
    if beside:
        fields["replaces"] = beside
    body = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    _write_atomic(sidecar_path(path), (note + body).encode("utf-8"))


def _sidecar_fields(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(sidecar_path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def is_approved(path: Path) -> bool:
    """An upload an editor made (no sidecar: its own status stands) or approved."""
    if not sidecar_path(path).exists():
        return True
    return str(_sidecar_fields(path).get("status", "draft")).lower() != "draft"


def keep_version(path: Path) -> str:
    """Copy an upload (and its sidecar) into uploads/.versions/ before it is replaced; returns
    the kept copy's path relative to the uploads folder."""
    folder = path.parent / VERSIONS_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    kept = folder / _trim(f"{path.stem}.{stamp}", path.suffix)
    shutil.copy2(path, kept)
    if sidecar_path(path).exists():
        shutil.copy2(sidecar_path(path), sidecar_path(kept))
    return f"{VERSIONS_DIR}/{kept.name}"


def save_upload(settings: WebSettings, temp_path: str | os.PathLike[str],
                original_name: str | None = None, *, replace: bool = False,
                editor: str | None = None) -> SavedUpload:
    """Copy an uploaded temp file into corpus/uploads/ under a unique safe name.

    A name already taken gets `-2`, `-3`, ... unless `replace` is set; the replaced version is
    kept in uploads/.versions/. Only an editor replaces an approved upload: anyone else's
    becomes a new draft beside it. The upload is a draft (a sidecar says so) unless `editor`
    names the editor who uploaded it, in which case the document's own front matter decides.
    Raises UploadRefused for a bad name or type, a file over `upload_max_mb`, or a name that
    would land anywhere but directly inside uploads/.
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
    folder.mkdir(parents=True, exist_ok=True)
    with _SAVE_LOCK:  # two uploads of one name at once must not both pick the same free name
        taken = folder / name
        beside = name if (replace and not editor and taken.is_file()
                          and is_approved(taken)) else ""
        final = name if replace and not beside else _free_name(folder, name)
        dest = (folder / final).resolve()
        if dest.parent != folder:
            raise UploadRefused(f"{name}: unsafe file name")
        if dest.is_symlink() or (dest.exists() and not dest.is_file()):
            raise UploadRefused(f"{name}: a non-file of that name is in the way")
        replaced = dest.exists()
        kept = keep_version(dest) if replaced else ""
        # The sidecar goes first: an index run that starts in between must never see the
        # document without it (and take its front matter's "agreed" at face value).
        if editor:
            sidecar_path(dest).unlink(missing_ok=True)
        else:
            write_sidecar(dest, "draft", "", beside=beside)
        _copy_in(src, dest)
    return SavedUpload(path=f"{UPLOAD_DIR}/{final}", requested=name, replaced=replaced,
                       status="" if editor else "draft",
                       beside=f"{UPLOAD_DIR}/{beside}" if beside else "",
                       kept=f"{UPLOAD_DIR}/{kept}" if kept else "")


def _copy_in(src: Path, dest: Path) -> None:
    tmp = dest.parent / f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def list_uploads(settings: WebSettings) -> list[str]:
    """Corpus-relative paths of the uploaded documents (not their sidecars)."""
    folder = settings.corpus / UPLOAD_DIR
    if not folder.is_dir():
        return []
    return sorted(f"{UPLOAD_DIR}/{p.name}" for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and not p.name.endswith(SIDECAR_SUFFIX))


def approve(settings: WebSettings, path: str, status: str, *, editor: str) -> str:
    """An editor gives an upload its status (agreed, superseded, ...); returns its path. A
    draft made beside an approved upload (a non-editor's replacement) takes that one's place
    once approved, the approved version kept in uploads/.versions/."""
    if not editor:
        raise UploadRefused("only an editor can approve uploads")
    status = str(status or "").strip().lower()
    if status not in APPROVABLE:
        raise UploadRefused(f"unknown status {status!r}; use one of {', '.join(APPROVABLE)}")
    if path not in list_uploads(settings):
        raise UploadRefused(f"{path}: no such upload")
    source = settings.corpus / path
    with _SAVE_LOCK:
        target = str(_sidecar_fields(source).get("replaces") or "")
        place = source.parent / Path(target).name if target else source
        if status == "draft" or place == source or not place.is_file():
            write_sidecar(source, status, editor)
            log.info("upload %s given status %s by editor %s", path, status, editor)
            return path
        kept = keep_version(place)
        write_sidecar(place, status, editor)
        _copy_in(source, place)
        source.unlink()  # before its sidecar: never a moment without "draft" on it
        sidecar_path(source).unlink(missing_ok=True)
    final = f"{UPLOAD_DIR}/{place.name}"
    log.info("upload %s given status %s by editor %s in place of %s (kept as %s)", path,
             status, editor, final, kept)
    return final


_SAVE_LOCK = threading.Lock()


class IndexJob:
    """Runs `brief_bot.index.update` in one background thread; requests during a run coalesce
    into one more run afterwards.

    Each `request()` returns a ticket; `state["covers"]` is the highest ticket whose files the
    last finished run had on disk when it started, so a page can tell when its upload is in."""

    def __init__(self, settings: IndexSettings,
                 update: Callable[[IndexSettings], Any] | None = None,
                 on_done: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self._update = update
        self._on_done = on_done
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Whether a run is owed or under way: set and cleared under the lock, never read from
        # the thread's liveness (a thread that has decided to stop is still alive for a moment,
        # and a request arriving then was dropped).
        self._active = False
        self._again = False
        self._tickets = 0
        self.state: dict[str, Any] = {"state": "idle", "covers": 0}

    def request(self) -> int:
        """Ask for an update that includes every file saved before this call; its ticket."""
        with self._lock:
            self._tickets += 1
            if self._active:
                self._again = True
            else:
                self._active = True
                self._start()
            return self._tickets

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="brief-bot-index", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._active

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        while True:
            with self._lock:
                covers = self._tickets
                self.state = {"state": "running", "started": _now(),
                              "covers": self.state.get("covers", 0)}
            started = self.state["started"]
            try:
                update = self._update
                if update is None:
                    from brief_bot.index import update
                report = update(self.settings)
                data = report.to_dict() if hasattr(report, "to_dict") else dict(report or {})
                state: dict[str, Any] = {"state": "done", "started": started,
                                         "finished": _now(), "report": data, "covers": covers}
            except Exception as exc:  # noqa: BLE001 - shown on the page, logged in full
                log.exception("index update after upload failed")
                state = {"state": "failed", "started": started, "finished": _now(),
                         "error": f"{type(exc).__name__}: {exc}", "covers": covers}
            if self._on_done is not None:
                try:
                    self._on_done()
                except Exception:  # noqa: BLE001
                    log.exception("after-update hook failed")
            with self._lock:
                self.state = state
                # A run that left files for the next one (its embedding limit) is followed by
                # that next one: an upload is never left waiting for a cron job.
                if self._again or state.get("report", {}).get("deferred"):
                    self._again = False
                    continue
                self._active = False
                return


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
