"""Optional: an OpenAI-compatible chat model writes the answer from the same passages.

Used only when `BRIEF_BOT_LLM_BASE_URL` is set (Ollama, vLLM, llama.cpp server, OpenAI). The reply
must cite every sentence with `[n]` naming a passage that exists; anything else raises
`LLMAnswerRejected`, and `BriefBot` falls back to the extractive answer (and logs why).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .answer import split_sentences
from .config import Settings
from .types import Citation, Passage

SYSTEM_PROMPT = """You answer questions for the policy staff of BB, a civil-society organisation,
using ONLY the numbered passages from BB's briefing documents given to you.
Rules:
- Every sentence of your answer ends with the number of the passage that supports it, like [1]
  or [2][3]. Cite only passage numbers that you were given.
- State nothing that the passages do not say. No outside knowledge, no guesses.
- If the passages do not answer the question, reply exactly: NOT_IN_MATERIAL
- Be brief: at most about 120 words unless the question asks for a list.
- Where a passage is marked superseded or draft, say so if you use it."""

_CITE = re.compile(r"\[(\d+)\]")


class LLMAnswerRejected(RuntimeError):
    pass


def _passages_prompt(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        where = ", ".join(x for x in (p.section, f"page {p.page}" if p.page else "") if x)
        blocks.append(f"[{n}] {p.title} ({p.source}{'; ' + where if where else ''}; "
                      f"status: {p.status}{', ' + p.date if p.date else ''})\n{p.text}")
    return "\n\n".join(blocks)


class LLMComposer:
    def __init__(self, *, settings: Settings) -> None:
        if not settings.llm_base_url:
            raise ValueError("LLMComposer needs settings.llm_base_url")
        from langchain_openai import ChatOpenAI

        self.chat = ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key,
                               model=settings.llm_model, timeout=settings.llm_timeout,
                               max_retries=0, temperature=0)

    def compose(self, question: str, passages: Sequence[Passage],
                history: Sequence[Any] = ()) -> tuple[str, list[Citation]]:
        from langchain_core.messages import HumanMessage, SystemMessage

        if not passages:
            raise LLMAnswerRejected("no passages to answer from")
        reply = self.chat.invoke([
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(f"Passages:\n\n{_passages_prompt(passages)}\n\nQuestion: {question}"),
        ])
        text = str(reply.content).strip()
        return text, check_citations(text, passages)


def check_citations(text: str, passages: Sequence[Passage]) -> list[Citation]:
    """Citations for a model's answer, or `LLMAnswerRejected` if they do not check out."""
    if not text or "NOT_IN_MATERIAL" in text:
        raise LLMAnswerRejected("the model found no answer in the passages")
    numbers = [int(n) for n in _CITE.findall(text)]
    if not numbers:
        raise LLMAnswerRejected("the answer cites no passage")
    invented = sorted({n for n in numbers if not 1 <= n <= len(passages)})
    if invented:
        raise LLMAnswerRejected(f"the answer cites passages that do not exist: {invented}")
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        if re.search(r"\w{3,}", sentence) and not _CITE.search(sentence):
            raise LLMAnswerRejected(f"an uncited sentence: {sentence[:80]!r}")
    citations = []
    for n in dict.fromkeys(numbers):
        passage = passages[n - 1]
        claim = " ".join(s for s in re.split(r"(?<=\])\s+", text) if f"[{n}]" in s)
        citations.append(Citation(n=n, source=passage.source, title=passage.title,
                                  section=passage.section, page=passage.page,
                                  quote=_best_quote(claim, passage), score=passage.score,
                                  status=passage.status, date=passage.date,
                                  chunk_id=passage.chunk_id))
    return citations


def _best_quote(claim: str, passage: Passage) -> str:
    """The passage sentence sharing most words with what the model said: verbatim text."""
    words = set(re.findall(r"\w{3,}", claim.lower()))
    sentences = [s for part in (passage.parts or (passage.text,)) for s in split_sentences(part)]
    if not sentences:
        return (passage.parts or (passage.text,))[0]
    return max(sentences, key=lambda s: len(words & set(re.findall(r"\w{3,}", s.lower()))))
