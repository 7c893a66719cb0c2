"""Parsing files in a child process, with a time and a memory limit per file.

The corpus is whatever people put in a folder or upload: a file can be made to expand (a DOCX
holding 10 MB of XML, a PDF of 60,000 pages) or to hang a parser. `loaders.Limits` refuses the
shapes we know; this bounds the rest. A file that takes longer than the time limit, or needs
more memory than the limit, is skipped with that reason, the child is replaced, and the run
goes on with the next file; the indexing process itself never holds more than one parsed file.

    with ParserProcess(timeout=120, memory_mb=2048) as parser:
        parsed = parser.parse("report.pdf", data)   # raises SkipFile

One child serves a whole run (started at the first file, about 0.2 s), so the cost per file is
sending its bytes through a pipe and the parsed text back.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from .loaders import DEFAULT_LIMITS, Limits, Parsed, SkipFile, load_bytes

START_SECONDS = 60.0


def _serve(conn: Any, memory_mb: int, limits: Limits) -> None:
    """The child: parse what arrives, answer ("ok", Parsed) or ("skip", reason)."""
    if memory_mb:
        import resource

        cap = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard < 0 else min(cap, hard), hard))
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, data = message
        try:
            result: tuple[str, Any] = ("ok", load_bytes(name, data, limits))
        except SkipFile as exc:
            result = ("skip", str(exc))
        except MemoryError:
            result = ("skip", f"needs more than {memory_mb:,} MB of memory to parse "
                              "(BRIEF_BOT_PARSE_MEMORY_MB)")
        except RecursionError:
            result = ("skip", "nested too deeply to parse")
        except Exception as exc:  # noqa: BLE001 - any parser failure is this file's skip
            result = ("skip", f"could not be parsed ({type(exc).__name__}: {str(exc)[:100]})")
        del data
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("skip", "too large to hand back after parsing"))


class ParserProcess:
    """`loaders.load_bytes` in a child process: same results, bounded time and memory."""

    def __init__(self, *, timeout: float, memory_mb: int = 0,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive (seconds)")
        if memory_mb < 0:
            raise ValueError("memory_mb must be 0 (no limit) or positive")
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.limits = limits
        self._process: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        # spawn, not fork: the parent may have threads (the web page) and native libraries.
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.memory_mb, self.limits),
                                  name="brief-bot-parser", daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        # The time limit is for parsing, not for starting Python on a busy machine.
        try:
            if parent.poll(START_SECONDS) and parent.recv()[0] == "ready":
                return
        except (EOFError, OSError):
            pass
        self._stop()
        raise RuntimeError("the file parser process did not start")

    def parse(self, name: str, data: bytes) -> Parsed:
        """The parsed file, or `SkipFile` with the reason (including time and memory)."""
        if self._process is None or not self._process.is_alive():
            self._stop()
            self._start()
        try:
            self._conn.send((name, data))
            ready = self._conn.poll(self.timeout)
        except (BrokenPipeError, EOFError, OSError):
            ready = True  # the child died reading it: recv below says so
        if not ready:
            self._stop()
            raise SkipFile(f"parsing took longer than {self.timeout:g} s "
                           "(BRIEF_BOT_PARSE_TIMEOUT)")
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            self._stop()
            raise SkipFile("the parser stopped on this file (out of memory? exit code "
                           f"{code}); BRIEF_BOT_PARSE_MEMORY_MB") from None
        if kind == "skip":
            raise SkipFile(value)
        return value  # type: ignore[no-any-return]

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)
            if not process.is_alive():
                process.close()

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
                self._process.join(2)
            except (BrokenPipeError, OSError):
                pass
        self._stop()

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
