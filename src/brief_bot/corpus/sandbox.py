"""Parsing files in a child process, with a time and a memory limit per file.

The corpus is whatever people put in a folder or upload: a file can be made to expand (a DOCX
holding 10 MB of XML, a PDF of 60,000 pages) or to hang a parser. `parsed.Limits` refuses the
shapes we know; this bounds the rest. A file that takes longer than the time limit, or needs
more memory than the limit, is skipped with that reason, the child is replaced, and the run
goes on with the next file; the indexing process itself never holds more than one parsed file.

    with ParserProcess(timeout=120, memory_mb=2048) as parser:
        parsed = parser.parse("report.pdf", data)   # raises SkipFile

One child serves a whole run (started at the first file, about 0.1 s), so the cost per file is
sending its bytes through a pipe and the parsed text back (about 0.05 ms for a small file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import DEFAULT_LIMITS, Limits, Parsed, SkipFile, load_bytes

START_SECONDS = 60.0
# The folder holding the brief_bot package, for the child's import path.
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def _serve(conn_in: Connection, conn_out: Connection, memory_mb: int, limits: Limits) -> None:
    """The child: parse what arrives, answer ("ok", Parsed) or ("skip", reason)."""
    import signal

    # Ctrl-C reaches the whole process group: the indexing process handles it and ends this
    # one, which would otherwise print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        import resource

        cap = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard < 0 else min(cap, hard), hard))
    conn_out.send(("ready", None))
    while True:
        try:
            message = conn_in.recv()
        except (EOFError, OSError):
            return  # the indexing process ended
        except MemoryError:
            # The file alone is past the limit, and half of it is still in the pipe: end
            # without a traceback; the indexing process skips the file and starts a new child.
            os._exit(3)
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
            conn_out.send(result)
        except MemoryError:
            conn_out.send(("skip", "too large to hand back after parsing"))


def main(argv: list[str]) -> None:
    """Entry point of the child (`python -c ...`): pipe ends, memory limit, limits as JSON."""
    read_fd, write_fd, memory_mb, limits = argv
    _serve(Connection(int(read_fd)), Connection(int(write_fd)), int(memory_mb),
           Limits(**json.loads(limits)))


class ParserProcess:
    """`formats.load_bytes` in a child process: same results, bounded time and memory.

    The child is a plain `python` started with `subprocess` (not `multiprocessing`, whose
    spawn would import the caller's main module again: a script calling `index.update()`
    without a `__main__` guard would fail)."""

    def __init__(self, *, timeout: float, memory_mb: int = 0,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive (seconds)")
        if memory_mb < 0:
            raise ValueError("memory_mb must be 0 (no limit) or positive")
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.limits = limits
        self._process: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None

    def _start(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = (f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
                "from brief_bot.corpus.sandbox import main; main(sys.argv[1:])")
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", code, str(to_child_r), str(from_child_w),
                 str(self.memory_mb), json.dumps(asdict(self.limits))],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, close_fds=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._send, self._recv = Connection(to_child_w), Connection(from_child_r)
        # The time limit is for parsing, not for starting Python on a busy machine.
        try:
            if self._recv.poll(START_SECONDS) and self._recv.recv()[0] == "ready":
                return
        except (EOFError, OSError):
            pass
        self._stop()
        raise RuntimeError("the file parser process did not start")

    def parse(self, name: str, data: bytes) -> Parsed:
        """The parsed file, or `SkipFile` with the reason (including time and memory)."""
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        assert self._send is not None and self._recv is not None
        try:
            self._send.send((name, data))
            ready = self._recv.poll(self.timeout)
        except (BrokenPipeError, EOFError, OSError):
            ready = True  # the child died reading it: recv below says so
        if not ready:
            self._stop()
            raise SkipFile(f"parsing took longer than {self.timeout:g} s "
                           "(BRIEF_BOT_PARSE_TIMEOUT)")
        try:
            kind, value = self._recv.recv()
        except (EOFError, OSError):
            code = self._process.poll() if self._process is not None else None
            self._stop()
            raise SkipFile("the parser stopped on this file (out of memory? exit code "
                           f"{code}); BRIEF_BOT_PARSE_MEMORY_MB") from None
        if kind == "skip":
            raise SkipFile(value)
        return value  # type: ignore[no-any-return]

    def _stop(self) -> None:
        process, send, recv = self._process, self._send, self._recv
        self._process = self._send = self._recv = None
        for conn in (send, recv):
            if conn is not None:
                conn.close()
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait(10)

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None and self._send:
            try:
                self._send.send(None)
                self._process.wait(2)
            except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
