"""`BriefBot`: the one facade every door (CLI, web page, Slack) calls."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .answer import ExtractiveComposer, FallbackComposer
from .config import Settings
from .index.embedding import Embedder, default_embedder
from .index.generations import IndexStateError
from .index.reader import LiveIndex, Snapshot
from .pack import Pack, PackRefused, build_pack, summariser_for
from .search import HybridRetriever
from .search.analyse import analyse
from .search.meaning import Meaning
from .search.units import rank_units
from .types import Answer, Composer, FilterError, Filters, Passage, Query

log = logging.getLogger("brief_bot")


class BriefBotError(RuntimeError):
    """A problem the user can act on (no index, damaged index, bad filter)."""


History = Sequence[Any]


class BriefBot:
    """Ask questions of the serving index; picks up new generations without a restart.

        bot = BriefBot()
        answer = bot.ask("how was the WCIT internet resolution adopted?")
        print(answer.text, answer.citations[0].source)
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 composer: Composer | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or default_embedder(self.settings.model)
        self.index = LiveIndex(self.settings.indexing)
        self.retriever = HybridRetriever(settings=self.settings.retrieval, embedder=self.embedder)
        self.meaning = Meaning(self.embedder)
        self.composer = self._composer(composer)
        try:
            with self.index.use():
                pass
        except IndexStateError as exc:
            raise BriefBotError(str(exc)) from None

    def _composer(self, llm: Composer | None) -> Composer:
        answering = self.settings.answering
        extractive = ExtractiveComposer(answer_words=answering.answer_words,
                                        abstain_threshold=answering.abstain_threshold)
        if llm is None and answering.llm_base_url:
            from .answer.llm import LLMComposer

            llm = LLMComposer(settings=answering)
        if llm is None:
            return extractive
        return FallbackComposer(primary=llm, fallback=extractive)

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        warm = getattr(self.embedder, "warm_up_queries", self.embedder.warm_up)
        warm()
        self.embedder.embed_query("warm up")
        with self.index.use() as snapshot:
            snapshot.warm_up()
            # Loads English word frequencies and the fuzzy matcher the first question needs.
            analyse("warm-up: delegaton stuff xyzzy", (), snapshot, self.meaning)

    def ask(self, question: str, history: History = (),
            filters: Filters | Mapping[str, Any] | None = None, *,
            k: int | None = None) -> Answer:
        question = " ".join((question or "").split())
        if not question:
            return Answer(question="", text="Please ask a question.", abstained=True)
        try:
            wanted = Filters.parse(filters)
            with self.index.use() as snapshot:
                return self._ask(snapshot, question, history, wanted, k)
        except (IndexStateError, FilterError) as exc:
            raise BriefBotError(str(exc)) from None

    def _ask(self, snapshot: Snapshot, question: str, history: History, filters: Filters,
             k: int | None) -> Answer:
        started = time.perf_counter()
        query = analyse(question, history, snapshot, self.meaning)
        passages = self.retriever.search(snapshot, query, k=k or self.settings.k,
                                         filters=filters)
        units = rank_units(snapshot, query, passages, filters)
        retrieved = time.perf_counter()
        draft = self.composer.compose(query, passages, snapshot, units)
        done = time.perf_counter()
        return Answer(
            question=question, text=draft.text, abstained=draft.abstained,
            citations=draft.citations, passages=draft.passages or tuple(passages),
            composer=draft.composer,
            timings_ms={"retrieve": (retrieved - started) * 1000,
                        "answer": (done - retrieved) * 1000, "total": (done - started) * 1000},
        )

    def analyse(self, question: str, history: History = ()) -> Query:
        """The question as search and answer see it (for evaluation and debugging)."""
        with self.index.use() as snapshot:
            return analyse(question, history, snapshot, self.meaning)

    def search(self, question: str | Query, *, k: int | None = None,
               filters: Filters | Mapping[str, Any] | None = None, mode: str = "hybrid",
               expand: bool | None = None, feedback: bool | None = None,
               history: History = ()) -> list[Passage]:
        """Ranked passages only (for evaluation and the sources panel)."""
        with self.index.use() as snapshot:
            query = question if isinstance(question, Query) else analyse(
                question, history, snapshot, self.meaning)
            return self.retriever.search(snapshot, query, k=k or self.settings.k,
                                         filters=Filters.parse(filters), mode=mode,
                                         expand=expand, feedback=feedback)

    def pack(self, forum: str, *, audience: str = "internal") -> Pack:
        """A meeting pack for the forum `forum` names ("PP-14", "the Plenipot", "Council
        2015"), from the serving generation; `audience="public"` leaves out internal documents.
        An unknown forum gives a declined pack that lists the forums there are; an unusable
        name (empty, too long, markup) raises `BriefBotError` with the reason."""
        try:
            with self.index.use() as snapshot:
                return build_pack(snapshot, forum, audience=audience,
                                  settings=self.settings.packing,
                                  summarise=summariser_for(self.settings.packing))
        except (IndexStateError, PackRefused) as exc:
            raise BriefBotError(str(exc)) from None

    def close(self) -> None:
        """Close the open index generations (a long-lived process calls this at exit)."""
        self.index.close()
