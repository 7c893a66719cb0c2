"""`BriefBot.ask` in worker processes: how a busy door uses more than one core.

Answering is mostly Python (fusion, priors, sentence choice) and holds the GIL, so one process
answers about 20 questions a second however many cores it has, and a page with many people on
it queues behind that. `BotPool` has the same `ask` and `pack` as `BriefBot` and runs them in
`workers` processes, each with its own `BriefBot` over the same index (each follows the generation
pointer, so a rebuild reaches all of them without a restart):

    pool = BotPool(settings=Settings(), workers=2)
    pool.start()                       # spawns and warms the workers; raises BriefBotError
    answer = pool.ask("what are our messages for the plenipot?")
    pool.close()

A worker that dies (killed, out of memory) is replaced and the question asked again once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .bot import BriefBot, BriefBotError, History
from .config import Settings
from .pack import Pack
from .types import Answer, FilterError, Filters

log = logging.getLogger("brief_bot")

_bot: BriefBot | None = None  # one per worker process
_settings: Settings | None = None


def _die_with_parent(parent: int) -> None:
    """Linux: end this worker when the page's process ends, however it ends (even SIGKILL),
    rather than leaving it running with the model in memory."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent was already gone before the call
        os._exit(0)


def _start_worker(settings: Settings, log_level: str, parent: int) -> None:
    global _bot, _settings
    _die_with_parent(parent)
    _settings = settings
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        bot = BriefBot(settings=settings)
        bot.warm_up()
        bot.ask("warm up: what is the ITU?")  # opens the index and the store
    except BriefBotError:
        return  # answered per question, with the message the user can act on
    _bot = bot


def _ask(question: str, history: History, filters: Filters | None,
         k: int | None) -> Answer:
    global _bot
    if _bot is None:
        _bot = BriefBot(settings=_settings)  # raises the BriefBotError to show the user
    return _bot.ask(question, history, filters, k=k)


def _pack(forum: str, audience: str) -> Pack:
    global _bot
    if _bot is None:
        _bot = BriefBot(settings=_settings)
    return _bot.pack(forum, audience=audience)


def _ready() -> bool:
    return _bot is not None


class BotPool:
    def __init__(self, *, settings: Settings, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1 (use BriefBot itself for none)")
        self.settings = settings
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent has threads (the web server) and onnxruntime loaded.
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.settings, logging.getLevelName(log.getEffectiveLevel()),
                      os.getpid()))

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = self._new_executor()
            return self._executor

    def start(self) -> None:
        """Spawn every worker now and wait until each has its model and index open."""
        executor = self._current()
        # One task per worker: each submit while none is idle spawns another process.
        ready = [executor.submit(_ready) for _ in range(self.workers)]
        if not all(f.result(timeout=300) for f in ready):
            # Re-raise the reason (no index, damaged index) as the user would see it.
            self.ask("what is the ITU?")

    def ask(self, question: str, history: History = (),
            filters: Filters | Mapping[str, Any] | None = None, *,
            k: int | None = None) -> Answer:
        try:
            wanted = Filters.parse(filters)
        except FilterError as exc:
            raise BriefBotError(str(exc)) from None
        return self._run(_ask, question, list(history), wanted, k)

    def pack(self, forum: str, *, audience: str = "internal") -> Pack:
        """`BriefBot.pack` in a worker (a pack reads only the index, no model)."""
        return self._run(_pack, forum, audience)

    def _run(self, task: Any, *args: Any) -> Any:
        """`task(*args)` in a worker; a worker that died is replaced and the task run again."""
        for attempt in (1, 2):
            executor = self._current()
            try:
                return executor.submit(task, *args).result()
            except BrokenProcessPool:
                log.warning("an answering process died; starting a new one (attempt %d)",
                            attempt)
                with self._lock:
                    if self._executor is executor:
                        self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
        raise BriefBotError("the answering processes keep failing; see the server log")

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
