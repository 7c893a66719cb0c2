"""What a meeting pack is made of: numbered sections of cited lines, and its sources.

Every line holds source text as it stands in a document (`text`, and a `label` that is the
document's own heading or bold lead-in); the only words the pack adds are notes such as a
message's status and date, and "to fill" where a document has a placeholder. The renderers
(`pack.markdown`, `pack.docx`) and every door show these values; none of them writes a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types import Citation, Passage

# The pack's sections in order: (key, title). The keys are what `tests/eval/packs.jsonl` and
# `--json` name; the titles are what a reader sees ("{forum}" is the forum's name).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("brief", "The forum in brief"),
    ("stakes", "What is at stake for civil society"),
    ("messages", "Our messages for {forum}"),
    ("dates", "Dates and actions"),
    ("routes", "How we can take part"),
    ("lines", "Lines for a delegate"),
    ("risks", "Risks and open questions"),
    ("roles", "Who leads"),
    ("sources", "Sources"),
)
TO_FILL = "to fill"
AUDIENCES = ("internal", "public")


@dataclass(frozen=True)
class Line:
    """One cited line of a section.

    style: "para" (a sentence or paragraph), "item" (a list item), "sub" (a line under the item
    before it), "head" (a message's heading line: label and note, cited), "quote" (a paragraph of
    a message, quoted whole). `label` is shown bold before the text; `note` after it, in the
    pack's own words (a status, "to fill").
    """

    text: str
    n: int
    style: str = "para"
    label: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "n": self.n, "style": self.style, "label": self.label,
                "note": self.note}


@dataclass(frozen=True)
class Source:
    """One numbered source: a section of a document, with the badges a reader needs."""

    n: int
    source: str
    title: str
    section: str
    page: int | None
    status: str
    date: str
    audience: str
    stale: bool

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "title": self.title,
                "section": self.section, "page": self.page, "status": self.status,
                "date": self.date, "audience": self.audience, "stale": self.stale}


@dataclass(frozen=True)
class PackSection:
    key: str
    title: str
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title,
                "lines": [line.to_dict() for line in self.lines]}


@dataclass(frozen=True)
class Pack:
    """A meeting pack for one forum, or the reason there is none (`declined`)."""

    asked: str  # what the user typed
    forum: str  # the forum it resolved to ("" when declined)
    audience: str
    declined: bool = False
    notice: str = ""  # why it was declined, or that the material stops before the forum
    summary: str = ""  # the optional LLM opening (Markdown), its citations checked
    sections: tuple[PackSection, ...] = ()  # the sections that hold something
    empty: tuple[str, ...] = ()  # titles of the sections that hold nothing
    sources: tuple[Source, ...] = ()
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()  # the cited sections, in citation order
    quotes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # n -> the texts cited
    known: tuple[str, ...] = ()  # the forums the documents are tagged with
    newest: str = ""  # the date of the newest document
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Meeting pack: {self.forum}" if self.forum else "Meeting pack"

    def section(self, key: str) -> PackSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """The pack's values (`pack.markdown.pack_json` adds its Markdown)."""
        return {
            "asked": self.asked, "forum": self.forum, "title": self.title,
            "audience": self.audience, "declined": self.declined, "notice": self.notice,
            "summary": self.summary,
            "sections": [s.to_dict() for s in self.sections], "empty": list(self.empty),
            "sources": [s.to_dict() for s in self.sources],
            "citations": [c.to_dict() for c in self.citations],
            "known_forums": list(self.known), "newest_document": self.newest,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class PackRefused(ValueError):
    """The forum name itself is unusable (empty, too long, markup); the message says why."""
