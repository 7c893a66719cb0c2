"""The documents' heading structure, rebuilt from a generation's chunk table: which rows make each
section, in document order (what small-to-big answers widen a passage to)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SectionSpan:
    """One section of one document (a heading path on one page): the rows that hold it."""

    source: str
    rows: tuple[int, ...]


class Outline:
    """The documents' heading structure, rebuilt from the chunk table: consecutive rows of one
    source with the same section path and page make one section, in document order. This is
    the "big" side of small-to-big answering: search finds chunks, answers may use the whole
    section or its siblings."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        order = sorted(range(len(rows)), key=lambda r: (rows[r]["source"], rows[r]["position"]))
        self.sections: list[SectionSpan] = []
        self.section_of_row = [0] * len(rows)
        self.by_source: dict[str, list[int]] = {}
        group: list[int] = []

        def close() -> None:
            source = rows[group[0]]["source"]
            for r in group:
                self.section_of_row[r] = len(self.sections)
            self.by_source.setdefault(source, []).append(len(self.sections))
            self.sections.append(SectionSpan(source, tuple(group)))

        for r in order:
            row = rows[r]
            if group:
                last = rows[group[-1]]
                if (last["source"], last["section"], last["page"]) != (
                        row["source"], row["section"], row["page"]):
                    close()
                    group = []
            group.append(r)
        if group:
            close()
