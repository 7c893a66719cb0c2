"""The documents' sections, rebuilt from a generation's chunk table: the "big" side of
small-to-big answering (search finds chunks; an answer may use the whole section they are in,
or the sections beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..types import Passage


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


def rows_passage(rows: Sequence[dict[str, Any]], group: Sequence[int], scores: dict[int, float],
                 dense: dict[int, float], *, chunk_id: str | None = None) -> Passage:
    first = rows[group[0]]
    text = first["text"]
    for row in group[1:]:
        text = join_overlapping(text, rows[row]["text"])
    best = max(group, key=lambda r: scores.get(r, 0.0))
    return Passage(
        chunk_id=chunk_id or rows[best]["id"], source=first["source"], title=first["title"],
        section=first["section"], page=first["page"], text=text,
        score=max(scores.get(r, 0.0) for r in group),
        dense=max(dense.get(r, 0.0) for r in group),
        doc_type=first["doc_type"], status=first["status"], date=first["date"],
        forum=tuple(first["forum"]), audience=first["audience"], rows=tuple(group),
        parts=tuple(rows[r]["text"] for r in group),
    )


def join_overlapping(left: str, right: str) -> str:
    """Chunks overlap by a few sentences; join without repeating them (the longest overlap of
    more than 20 characters within the last 800)."""
    tail = left[-800:]
    probe = right[:21]
    start = tail.find(probe)
    while start != -1:
        if right.startswith(tail[start:]):
            return left + right[len(tail) - start:]
        start = tail.find(probe, start + 1)
    return left + "\n" + right
