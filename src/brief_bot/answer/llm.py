"""Optional: an OpenAI-compatible chat model writes the answer from the same material.

Used only when `BRIEF_BOT_LLM_BASE_URL` is set (Ollama, vLLM, llama.cpp server, OpenAI). The
model gets the whole sections the passages come from (the same small-to-big context the
extractive composer answers from) and the question as analysed: whether it asks for a set, a
period, a kind of document. The reply must cite every sentence with `[n]` naming a passage that
exists; anything else raises `LLMAnswerRejected`, and `answer.FallbackComposer` returns the
extractive answer instead (and logs why).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..config import AnswerSettings
from ..corpus.structure import split_sentences
from ..dates import month_name
from ..types import Citation, Draft, Passage, Query, Sections, Shape, UnitHit

SYSTEM_PROMPT = """You answer questions for the policy staff of BB, a civil-society organisation,
using ONLY the numbered passages from BB's briefing documents given to you.
Rules:
- Every sentence or list item of your answer ends with the number of the passage that
  supports it, like [1] or [2][3]. Cite only passage numbers that you were given.
- State nothing that the passages do not say. No outside knowledge, no guesses.
- If the passages do not answer the question, reply exactly: NOT_IN_MATERIAL
- If the question asks for a set (our messages, the routes, the steps, the entries of a
  timeline), give every item the passages hold, one per line starting with "- ", each cited.
- If the question names a year, a month, a forum or a document, answer only from what the
  passages say of that year, month, forum or document.
- Quote agreed messages and the narrative word for word, as lines starting with "> ".
- Be brief: at most about 150 words unless the question asks for a set.
- Where a passage is marked superseded or draft, say so if you use it."""

CONTEXT_WORDS = 2500  # the whole sections given to the model, at most
_CITE = re.compile(r"\[(\d+)\]")


class LLMAnswerRejected(RuntimeError):
    pass


def context_sections(passages: Sequence[Passage], sections: Sections) -> list[Passage]:
    """The whole sections behind the passages, in rank order, within `CONTEXT_WORDS`."""
    chosen: dict[str, Passage] = {}
    words = 0
    for passage in passages:
        section = sections.section(passage) if passage.rows else passage
        if section.chunk_id in chosen:
            continue
        size = len(section.text.split())
        if chosen and words + size > CONTEXT_WORDS:
            continue
        chosen[section.chunk_id] = section
        words += size
    return list(chosen.values())


def _passages_prompt(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        where = ", ".join(x for x in (p.section, f"page {p.page}" if p.page else "") if x)
        blocks.append(f"[{n}] {p.title} ({p.source}{'; ' + where if where else ''}; "
                      f"status: {p.status}{', ' + p.date if p.date else ''})\n{p.text}")
    return "\n\n".join(blocks)


def question_notes(query: Query) -> str:
    """What the analysis found, in words the model can follow."""
    notes = []
    if query.shape is Shape.LIST:
        notes.append("It asks for a set: list every item.")
    if query.months:
        notes.append("It is about " + ", ".join(f"{month_name(m)} {y}"
                                                for y, m in query.months) + " only.")
    elif query.years:
        notes.append("It is about " + ", ".join(map(str, query.years)) + " only.")
    if query.doc_types:
        notes.append("It names a kind of document: " + ", ".join(query.doc_types) + ".")
    if query.follow_up and query.previous:
        notes.append(f"It follows the earlier question: {query.previous}")
    return " ".join(notes)


class LLMComposer:
    name = "llm"

    def __init__(self, *, settings: AnswerSettings) -> None:
        if not settings.llm_base_url:
            raise ValueError("LLMComposer needs settings.llm_base_url")
        from langchain_openai import ChatOpenAI

        self.chat = ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key,
                               model=settings.llm_model, timeout=settings.llm_timeout,
                               max_retries=0, temperature=0)

    def compose(self, query: Query, passages: Sequence[Passage], sections: Sections,
                units: Sequence[UnitHit] = ()) -> Draft:
        from langchain_core.messages import HumanMessage, SystemMessage

        given = context_sections(passages, sections)
        if not given:
            raise LLMAnswerRejected("no passages to answer from")
        notes = question_notes(query)
        reply = self.chat.invoke([
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(f"Passages:\n\n{_passages_prompt(given)}\n\nQuestion: {query.text}"
                         + (f"\n\nAbout the question: {notes}" if notes else "")),
        ])
        text = str(reply.content).strip()
        citations = check_citations(text, given)
        return Draft(text, tuple(citations), False, tuple(given), self.name)


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
    for line in text.split("\n"):
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line):
            if re.search(r"\w{3,}", sentence) and not _CITE.search(sentence) and \
                    not sentence.rstrip().endswith(":"):
                raise LLMAnswerRejected(f"an uncited sentence: {sentence[:80]!r}")
    citations = []
    for n in dict.fromkeys(numbers):
        passage = passages[n - 1]
        claim = " ".join(s for s in re.split(r"(?<=\])\s+", text) if f"[{n}]" in s)
        citations.append(Citation.of(n, passage, _best_quote(claim, passage)))
    return citations


def _best_quote(claim: str, passage: Passage) -> str:
    """The passage sentence sharing most words with what the model said: verbatim text."""
    words = set(re.findall(r"\w{3,}", claim.lower()))
    sentences = [s for part in (passage.parts or (passage.text,)) for s in split_sentences(part)]
    if not sentences:
        return (passage.parts or (passage.text,))[0]
    return max(sentences, key=lambda s: len(words & set(re.findall(r"\w{3,}", s.lower()))))
