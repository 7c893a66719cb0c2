"""Section headings: what the chunk table stores as a path ("Outcomes > Elections") and the
label that names an enumerated section ("Message 2", "Route 4", "One-pager 3")."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Message 2", "Route 4", "One-pager 3": the label of an enumerated section's heading.
SECTION_LABEL = re.compile(r"^[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?\s+\d{1,2}\b(?=\s*[:.-])")


@dataclass(frozen=True)
class HeadingPath:
    """The headings above a passage, outermost first: what the chunk table stores as one string
    ("Outcomes > Elections"), read once into its parts."""

    parts: tuple[str, ...] = ()

    SEPARATOR = " > "

    @classmethod
    def parse(cls, text: str) -> HeadingPath:
        return cls(tuple(p for p in text.split(cls.SEPARATOR) if p)) if text else cls()

    @classmethod
    def of(cls, *parts: str) -> HeadingPath:
        """From parts, any empty ones left out."""
        return cls(tuple(p for p in parts if p))

    @property
    def last(self) -> str:
        """The nearest heading ("" when there is none)."""
        return self.parts[-1] if self.parts else ""

    @property
    def parent(self) -> tuple[str, ...]:
        return self.parts[:-1]

    def __str__(self) -> str:
        return self.SEPARATOR.join(self.parts)

    def __bool__(self) -> bool:
        return bool(self.parts)
