"""Earlier turns of a conversation, whatever shape a door keeps them in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def user_turns(history: Sequence[Any]) -> list[str]:
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


def last_exchange(history: Sequence[Any]) -> tuple[str | None, str | None]:
    """The last earlier question, and the answer given to it if the history holds one
    ({"role": "assistant"} messages, or (user, assistant) pairs)."""
    question: str | None = None
    answer: str | None = None
    for item in history:
        if isinstance(item, str):
            question, answer = item, None
        elif isinstance(item, Mapping):
            text = _content_text(item.get("content"))
            if item.get("role") == "user" and text:
                question, answer = text, None
            elif item.get("role") == "assistant" and text and question is not None:
                answer = text
        elif isinstance(item, list | tuple) and item and isinstance(item[0], str):
            question = item[0]
            answer = item[1] if len(item) > 1 and isinstance(item[1], str) else None
    return question, answer


def _content_text(content: Any) -> str:
    """Message content as text: a string, or Gradio 6 / OpenAI blocks ({"type": "text", ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list | tuple):
        parts = [c if isinstance(c, str) else c.get("text", "") for c in content
                 if isinstance(c, str) or (isinstance(c, Mapping) and c.get("type") == "text")]
        return " ".join(p for p in parts if p)
    return ""
