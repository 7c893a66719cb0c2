"""Thumbs up / down on answers, from the web page and Slack, in one SQLite file."""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

COLUMNS = ("id", "created_at", "channel", "user", "vote", "comment", "question", "answer",
           "sources")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL,        -- 'web' or 'slack'
    user TEXT NOT NULL DEFAULT '',
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL         -- JSON list of cited source paths
)
"""


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, *, vote: int, question: str, answer: str, sources: Sequence[str],
            channel: str = "web", user: str = "", comment: str = "") -> int:
        if vote not in (-1, 1):
            raise ValueError("vote must be 1 (up) or -1 (down)")
        row = (datetime.now(UTC).isoformat(timespec="seconds"), channel, user, vote,
               comment.strip(), question, answer, json.dumps(list(sources)))
        with self._lock, self._connect() as db:
            cur = db.execute("INSERT INTO feedback (created_at, channel, user, vote, comment, "
                             "question, answer, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            return int(cur.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")]

    def export_csv(self, out: TextIO) -> int:
        rows = self.rows()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return len(rows)


_SEEN_SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_seen (
    key TEXT PRIMARY KEY,         -- 'event:<event_id>', 'command:<trigger_id>', ...
    seen_at REAL NOT NULL         -- Unix time
)
"""


class SeenStore:
    """Ids of Slack requests already handled, kept for `ttl` seconds in a small table beside the
    feedback: a replayed `/brief` or an event Slack retries after a relay restart is answered
    once. Slack retries an event for about an hour and refuses a signature older than five
    minutes, so an hour covers both."""

    def __init__(self, path: Path, *, ttl: float = 3600.0) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive (seconds)")
        self.path = Path(path)
        self.ttl = ttl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._adds = 0
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SEEN_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, key: str, now: float | None = None) -> bool:
        """True if `key` is new (and remembers it); False if it was handled within `ttl`."""
        now = time.time() if now is None else now
        with self._lock, self._connect() as db:
            self._adds += 1
            if self._adds % 100 == 1:
                db.execute("DELETE FROM slack_seen WHERE seen_at < ?", (now - self.ttl,))
            row = db.execute("SELECT seen_at FROM slack_seen WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] >= now - self.ttl:
                return False
            db.execute("INSERT OR REPLACE INTO slack_seen (key, seen_at) VALUES (?, ?)",
                       (key, now))
            return True
