"""Optional: a language model opens a pack with a short summary of it.

Only with `BRIEF_BOT_LLM_BASE_URL` set (and `pack_summary` on). The model reads the pack's own
cited lines, nothing else, and every sentence it writes must end with the `[n]` of pack lines
it rests on: its reply is checked the way LLM answers are (`answer.llm.check_citations`), and
a reply that fails the check, or no reply at all, leaves the pack as it was, complete without
a summary. The summary is the one part of a pack that is not quoted, and says so.
"""

from __future__ import annotations

import dataclasses
import logging

from ..answer.llm import check_citations
from ..config import PackSettings
from .build import Summariser
from .markdown import lines_markdown
from .model import Pack

log = logging.getLogger("brief_bot")

PROMPT = """You write the opening summary of a meeting pack for the staff of BB, a civil-society
organisation, using ONLY the numbered lines of the pack given to you.
Rules:
- Three to five sentences, at most about 110 words, plain prose, no list, no heading.
- Every sentence ends with the number of the pack line it rests on, like [3] or [3][7]. Cite
  only numbers that appear in the pack.
- Say what the forum is, what is at stake for civil society, and BB's main asks and next
  dates, as the pack says them. No outside knowledge, no guesses.
- If the pack gives you nothing to summarise, reply exactly: NOT_IN_MATERIAL"""


class LLMSummary:
    """Summarises packs through an OpenAI-compatible server."""

    def __init__(self, *, settings: PackSettings) -> None:
        if not settings.llm_base_url:
            raise ValueError("LLMSummary needs settings.llm_base_url")
        from langchain_openai import ChatOpenAI

        self.chat = ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key,
                               model=settings.llm_model, timeout=settings.llm_timeout,
                               max_retries=0, temperature=0)

    def __call__(self, pack: Pack) -> Pack:
        if pack.declined or not pack.sections:
            return pack
        from langchain_core.messages import HumanMessage, SystemMessage

        body = "\n\n".join(f"{s.title}\n{lines_markdown(s.lines)}" for s in pack.sections)
        try:
            reply = self.chat.invoke([SystemMessage(PROMPT),
                                      HumanMessage(f"Meeting pack: {pack.forum}\n\n{body}")])
            text = " ".join(str(reply.content).split())
            check_citations(text, pack.passages)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the pack without one
            log.warning("pack summary left out (%s: %s)", type(exc).__name__, exc)
            return pack
        return dataclasses.replace(pack, summary=text)


def summariser_for(settings: PackSettings) -> Summariser | None:
    """The summariser these settings ask for, or None (no LLM, or summaries turned off)."""
    if not (settings.llm_base_url and settings.pack_summary):
        return None
    return LLMSummary(settings=settings)
