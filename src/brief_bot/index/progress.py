"""Progress for long work: a rich bar on a terminal, plain lines in logs and cron mail."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def phase(self, name: str, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def log(self, message: str) -> None: ...


class NullProgress:
    def phase(self, name: str, total: int) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None

    def log(self, message: str) -> None:
        return None


class PlainProgress:
    """One line when a phase starts and ends, and every ~10% in between."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._name = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._next_report = 0

    def _finish(self) -> None:
        if self._name and self._total:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            print(f"{self._name}: {self._done}/{self._total} done in {elapsed:.1f} s "
                  f"({self._done / elapsed:.1f}/s)", file=self.stream, flush=True)

    def phase(self, name: str, total: int) -> None:
        self._finish()
        self._name, self._total, self._done = name, total, 0
        self._started = time.perf_counter()
        self._next_report = max(1, total // 10)
        if total:
            print(f"{name}: 0/{total}", file=self.stream, flush=True)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if self._done >= self._next_report and self._done < self._total:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            print(f"{self._name}: {self._done}/{self._total} ({self._done / elapsed:.1f}/s)",
                  file=self.stream, flush=True)
            self._next_report = self._done + max(1, self._total // 10)

    def log(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def close(self) -> None:
        self._finish()
        self._name = ""


class RichProgress:
    """A bar per phase with counts and rate (files/s, chunks/s)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self._bar = Progress(
            TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=self.console,
            transient=False,
        )
        self._bar.start()
        self._task: Any = None
        self._started = 0.0

    def phase(self, name: str, total: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[-1].total)
        self._task = self._bar.add_task(name, total=max(total, 0), rate="")
        self._started = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)
        done = self._bar.tasks[-1].completed
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._bar.update(self._task, rate=f"{done / elapsed:.1f}/s")

    def log(self, message: str) -> None:
        self._bar.console.print(message, markup=False, highlight=False)

    def close(self) -> None:
        self._bar.stop()


def make_progress(enabled: bool = True) -> PlainProgress | RichProgress:
    if enabled and sys.stderr.isatty():
        return RichProgress()
    return PlainProgress()
