"""The documents' structure as units of meaning: every section (its heading path and lead) and
every set (a list, a table, an enumerated or dated run of sections), each embedded at index time
so a question can be matched to the section or set that answers it by meaning, not only by the
words it shares with a chunk.

A generation holds `units.jsonl` (one record a unit: kind, source, the sections it is made of,
the text that was embedded and its hash) and `units.npy` (their vectors, in the same order). A
unit whose text did not change keeps its vector from the generation before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus import content_hash
from ..corpus.sets import DocumentSet, lead_subject, sets_in
from ..corpus.structure import plain, split_sentences
from ..headings import HeadingPath
from ..terms import analyze
from ..types import Passage
from .outline import Outline, rows_passage

# Bump when what a unit is changes: the next update writes a generation with the new units.
UNITS_VERSION = 2
UNITS = "units.jsonl"
UNIT_VECTORS = "units.npy"
NAME_VECTORS = "unit-names.npy"
NAME_WORDS = 12
LEAD_WORDS = 40  # of a section's opening, with its heading path: what a section is about
SET_WORDS = 70  # of a set's lead and item labels


@dataclass(frozen=True)
class Unit:
    """One section or one set of one document, as embedded."""

    kind: str  # "section" or "set"
    key: str  # the section's chunk id, or the set's key (`corpus.sets.DocumentSet.key`)
    source: str
    sections: tuple[str, ...]  # chunk ids of the sections it is made of
    text: str  # what was embedded: the heading path and the lead
    hash: str
    name: str = ""  # what names it: its heading (a set's: what its lead says it lists, too)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(analyze(self.text))

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "source": self.source,
                "sections": list(self.sections), "text": self.text, "hash": self.hash,
                "name": self.name}


def documents(rows: Sequence[dict[str, Any]]) -> dict[str, list[Passage]]:
    """Every document's sections, whole, in document order (as the read side rebuilds them)."""
    outline = Outline(rows)
    found: dict[str, list[Passage]] = {}
    for source, indexes in outline.by_source.items():
        found[source] = [_section(rows, outline, i) for i in indexes]
    return found


def _section(rows: Sequence[dict[str, Any]], outline: Outline, index: int) -> Passage:
    span = outline.sections[index]
    first = rows[span.rows[0]]["id"]
    chunk_id = first if len(span.rows) == 1 else f"{first}~{len(span.rows)}"
    return rows_passage(rows, sorted(span.rows), {}, {}, chunk_id=chunk_id)


def units_of(document: Sequence[Passage]) -> list[Unit]:
    """A document's sections and sets as units."""
    units = [_section_unit(s) for s in document if s.section or s.text.strip()]
    units += [_set_unit(found) for found in sets_in(document) if found.items]
    return units


def _section_unit(section: Passage) -> Unit:
    opening = " ".join(plain(s) for s in split_sentences(section.text)[:3])
    lead = " ".join((opening or plain(section.text)).split()[:LEAD_WORDS])
    head = str(HeadingPath.of(section.title, section.section))
    text = f"{head}: {lead}" if lead else head
    name = section.heading.last or section.title
    return Unit("section", section.chunk_id, section.source, (section.chunk_id,), text,
                content_hash(text), name)


def _set_unit(found: DocumentSet) -> Unit:
    labels = "; ".join(label or " ".join(plain(i.text).split()[:8])
                       for label, i in zip(found.labels, found.items, strict=True))
    head = str(HeadingPath.of(found.title, found.heading))
    body = " ".join(f"{plain(found.lead)} {labels}".split()[:SET_WORDS])
    text = f"{head}: {body}"
    source = found.items[0].passage.source
    name = " ".join(f"{lead_subject(found.lead)} {found.heading}".split()[:NAME_WORDS])
    return Unit("set", found.key, source, tuple(sorted(found.sections)), text, content_hash(text),
                name or found.title)


def units_for(rows: Sequence[dict[str, Any]]) -> list[Unit]:
    """Every unit of a generation's rows."""
    return [u for doc in documents(rows).values() for u in units_of(doc)]


def unembedded(units: Sequence[Unit], known: dict[str, np.ndarray]) -> list[str]:
    """The texts and names of `units` that `known` (vectors by text hash) lacks."""
    texts = dict.fromkeys([*(u.text for u in units), *(u.name for u in units)])
    return [t for t in texts if content_hash(t) not in known]


def write_units(gen_dir: Path, units: Sequence[Unit], known: dict[str, np.ndarray],
                dimensions: int) -> None:
    """The generation's units and their vectors (`known`: every text's and name's, by hash;
    embedded by the run before its lock, or kept from the generation before)."""
    with open(gen_dir / UNITS, "w", encoding="utf-8") as fh:
        for unit in units:
            fh.write(json.dumps(unit.record(), ensure_ascii=False) + "\n")
    for path, of in ((UNIT_VECTORS, lambda u: u.text), (NAME_VECTORS, lambda u: u.name)):
        matrix = np.stack([known[content_hash(of(u))] for u in units]) if units else \
            np.zeros((0, dimensions))
        np.save(gen_dir / path, matrix.astype(np.float16))


def known_vectors(previous: Path | None) -> dict[str, np.ndarray]:
    """Vectors of the previous generation's unit texts and names, by the hash of the text."""
    if previous is None or not (previous / NAME_VECTORS).is_file():
        return {}
    try:
        units = read_units(previous)
        texts, names = np.load(previous / UNIT_VECTORS), np.load(previous / NAME_VECTORS)
    except (OSError, ValueError):
        return {}  # a damaged earlier file only costs embedding again
    if not len(units) == len(texts) == len(names):
        return {}
    known = {u.hash: texts[i].astype(np.float32) for i, u in enumerate(units)}
    known.update({content_hash(u.name): names[i].astype(np.float32)
                  for i, u in enumerate(units)})
    return known


def read_units(gen_dir: Path) -> list[Unit]:
    units = []
    with open(gen_dir / UNITS, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                units.append(Unit(r["kind"], r["key"], r["source"], tuple(r["sections"]),
                                  r["text"], r["hash"], r.get("name", "")))
    return units


class Units:
    """A generation's units, read-only: records, and their vectors as one matrix."""

    def __init__(self, gen_dir: Path) -> None:
        if (gen_dir / NAME_VECTORS).is_file():
            self.units = read_units(gen_dir)
            self.matrix = np.load(gen_dir / UNIT_VECTORS).astype(np.float32)
            self.names = np.load(gen_dir / NAME_VECTORS).astype(np.float32)
        else:  # a generation built before these units: no meaning to match, no error
            self.units = []
            self.matrix = self.names = np.zeros((0, 1), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.units)

    @cached_property
    def is_set(self) -> np.ndarray:
        return np.array([u.kind == "set" for u in self.units], dtype=bool)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every unit (its heading path and lead) to `vector`."""
        if not self.units:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ vector.astype(np.float32)

    def name_similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every unit's name (its heading) to `vector`."""
        if not self.units:
            return np.zeros(0, dtype=np.float32)
        return self.names @ vector.astype(np.float32)
