"""`BotPool`: the same answers as `BriefBot`, from worker processes that survive being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brief_bot.bot import BriefBot, BriefBotError
from brief_bot.config import Settings
from brief_bot.pool import BotPool


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _alive(pid: int) -> bool:
    # A zombie has ended; only its parent (or init) has yet to reap it.
    return _stat(pid)[:1] not in ([], ["Z"])


def _children() -> set[int]:
    me = str(os.getpid())
    return {int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _stat(entry.name)[1:2] == [me]}


def test_pool_answers_like_the_bot_and_replaces_a_dead_worker(starter_settings: Settings,
                                                              starter_bot: BriefBot) -> None:
    before = _children()
    pool = BotPool(settings=starter_settings, workers=2)
    try:
        pool.start()
        assert pool._executor is not None
        workers = set(pool._executor._processes)  # type: ignore[attr-defined]
        # Spawned and warmed up front, not on the first question.
        assert len(workers) == 2 and workers <= _children() - before
        question = "how was the WCIT internet resolution adopted?"
        history = [{"role": "user", "content": "what happened at WCIT-12?"}]
        want = starter_bot.ask(question, history, {"status": ["agreed", "draft", "Unspecified"]})
        got = pool.ask(question, history, {"status": ["agreed", "draft", "Unspecified"]})
        assert got.text == want.text
        assert [c.quote for c in got.citations] == [c.quote for c in want.citations]
        # A worker killed mid-service (out of memory, an operator) costs no question.
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        again = pool.ask(question)
        assert again.citations and not again.abstained
        with pytest.raises(BriefBotError):
            pool.ask("what is TIES?", filters={"colour": "blue"})  # the error crosses back
    finally:
        pool.close()


def test_pool_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path, index=tmp_path / "indexes")
    pool = BotPool(settings=settings, workers=1)
    try:
        with pytest.raises(BriefBotError, match="brief-bot index"):
            pool.start()
    finally:
        pool.close()


def test_workers_end_when_the_page_process_is_killed(starter_settings: Settings) -> None:
    code = ("import sys, time; from pathlib import Path; "
            "from brief_bot.config import Settings; from brief_bot.pool import BotPool; "
            f"p = BotPool(settings=Settings(corpus=Path({str(starter_settings.corpus)!r}), "
            f"index=Path({str(starter_settings.index)!r})), workers=2); p.start(); "
            "print(*p._executor._processes, flush=True); time.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.kill()  # SIGKILL: no clean-up code of its own runs
        parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]
