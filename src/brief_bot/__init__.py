"""brief-bot: grounded, cited answers from BB's ITU briefing documents."""

from __future__ import annotations

from typing import Any

__all__ = ["Answer", "BriefBot", "Settings"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `brief-bot --help` and the config module never pay for numpy or chromadb.
    if name == "BriefBot":
        from .bot import BriefBot

        return BriefBot
    if name == "Answer":
        from .types import Answer

        return Answer
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(name)
