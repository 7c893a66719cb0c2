"""`BriefBot`: the one facade every door (CLI, web page, Slack) calls."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .answer import ExtractiveComposer
from .config import Settings
from .embedding import Embedder, default_embedder
from .generations import IndexStateError
from .reader import LiveIndex
from .search import HybridRetriever
from .types import Answer, FilterError, Filters

log = logging.getLogger("brief_bot")

# A follow-up leans on the previous question: it opens like one, points back at it, or is too
# short to stand alone (a few words with no name of its own: "who signed?").
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|also|but|so|then|same)\b|"
                        r"\b(it|its|they|them|their|that|this|those|these|he|she|there)\b", re.I)
_NAMED = re.compile(r"(?<!^)\b[A-Z][\w-]*|\b[A-Z]{2,}|\d")


class BriefBotError(RuntimeError):
    """A problem the user can act on (no index, damaged index, bad filter)."""


History = Sequence[Any]


def _user_turns(history: History) -> list[str]:
    """Earlier user questions from any common history shape.

    Accepts strings, (user, assistant) pairs, or {"role", "content"} messages (Gradio, OpenAI).
    """
    turns: list[str] = []
    for item in history:
        if isinstance(item, str):
            turns.append(item)
        elif isinstance(item, Mapping):
            if item.get("role") == "user":
                text = _content_text(item.get("content"))
                if text:
                    turns.append(text)
        elif isinstance(item, list | tuple) and item and isinstance(item[0], str):
            turns.append(item[0])
    return turns


def _content_text(content: Any) -> str:
    """Message content as text: a string, or Gradio 6 / OpenAI blocks ({"type": "text", ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list | tuple):
        parts = [c if isinstance(c, str) else c.get("text", "") for c in content
                 if isinstance(c, str) or (isinstance(c, Mapping) and c.get("type") == "text")]
        return " ".join(p for p in parts if p)
    return ""


def retrieval_query(question: str, history: History) -> str:
    """The question, with the previous user turn prepended when it is a follow-up."""
    turns = _user_turns(history)
    if not turns:
        return question
    words = question.split()
    if _FOLLOW_UP.search(question) or (len(words) <= 5 and not _NAMED.search(question)):
        return f"{turns[-1]} {question}"
    return question


class BriefBot:
    """Ask questions of the serving index; picks up new generations without a restart.

        bot = BriefBot()
        answer = bot.ask("how was the WCIT internet resolution adopted?")
        print(answer.text, answer.citations[0].source)
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 composer: Any | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or default_embedder(self.settings.resolved_model_path(),
                                                     self.settings.embed_batch_size,
                                                     self.settings.encoder_cache)
        self.index = LiveIndex(self.settings)
        self.retriever = HybridRetriever(settings=self.settings, embedder=self.embedder)
        self._llm = composer
        if self._llm is None and self.settings.llm_base_url:
            from .llm import LLMComposer

            self._llm = LLMComposer(settings=self.settings)
        try:
            with self.index.use():
                pass
        except IndexStateError as exc:
            raise BriefBotError(str(exc)) from None

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        warm = getattr(self.embedder, "warm_up_queries", self.embedder.warm_up)
        warm()
        self.embedder.embed_query("warm up")

    def ask(self, question: str, history: History = (),
            filters: Filters | Mapping[str, Any] | None = None, *,
            k: int | None = None) -> Answer:
        question = (question or "").strip()
        if not question:
            return Answer(question="", text="Please ask a question.", abstained=True)
        try:
            wanted = Filters.parse(filters)
            with self.index.use() as snapshot:
                return self._ask(snapshot, question, history, wanted, k)
        except (IndexStateError, FilterError) as exc:
            raise BriefBotError(str(exc)) from None

    def _ask(self, snapshot: Any, question: str, history: History, filters: Filters,
             k: int | None) -> Answer:
        started = time.perf_counter()
        query = retrieval_query(question, history)
        passages = self.retriever.search(snapshot, query, k=k or self.settings.k,
                                         filters=filters)
        retrieved = time.perf_counter()
        composer = ExtractiveComposer(analyze=snapshot.keyword.analyze, idf=snapshot.keyword.idf,
                                      answer_words=self.settings.answer_words,
                                      abstain_threshold=self.settings.abstain_threshold)
        text, citations, abstained = composer.compose(question, passages, query)
        used = "extractive"
        if self._llm is not None and not abstained:
            try:
                text, citations = self._llm.compose(question, passages, history)
                used = "llm"
            except Exception as exc:  # noqa: BLE001 - any LLM failure falls back, logged
                log.warning("LLM answer rejected (%s: %s); using the extractive answer",
                            type(exc).__name__, exc)
        done = time.perf_counter()
        return Answer(
            question=question, text=text, abstained=abstained, citations=tuple(citations),
            passages=tuple(passages), composer=used,
            timings_ms={"retrieve": (retrieved - started) * 1000,
                        "answer": (done - retrieved) * 1000, "total": (done - started) * 1000},
        )

    def search(self, question: str, *, k: int | None = None,
               filters: Filters | Mapping[str, Any] | None = None, mode: str = "hybrid",
               expand: bool | None = None, feedback: bool | None = None) -> list[Any]:
        """Ranked passages only (for evaluation and the sources panel)."""
        with self.index.use() as snapshot:
            return self.retriever.search(snapshot, question, k=k or self.settings.k,
                                         filters=Filters.parse(filters), mode=mode,
                                         expand=expand, feedback=feedback)

    def close(self) -> None:
        """Close the open index generations (a long-lived process calls this at exit)."""
        self.index.close()
