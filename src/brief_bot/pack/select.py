"""Choosing what a section holds: blocks of units (a sentence, or a list with the sentence that
leads into it), ranked by how plainly they concern the forum, within a word budget, shown in
reading order; and the numbering of the sections they cite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..corpus.structure import MARKUP
from ..headings import SECTION_LABEL
from ..types import Citation, Passage
from .cues import DEPENDS
from .material import Doc, Material, Unit
from .model import TO_FILL, Line

# Documents a pack reads; drafts and superseded versions appear only as such, under messages.
READABLE = ("agreed", "unspecified", "")


@dataclass(frozen=True)
class Block:
    doc: Doc
    units: tuple[Unit, ...]  # a sentence; a lead and its items; or one item

    @property
    def head(self) -> Unit:
        return self.units[0]

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)


class Numbering:
    """Numbers the sections a pack cites, in the order it first cites them."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.passages: list[Passage] = []
        self.citations: list[Citation] = []
        self.quotes: dict[int, list[str]] = {}

    def cite(self, section: Passage, quote: str) -> int:
        n = self.numbers.get(section.chunk_id)
        if n is None:
            n = self.numbers[section.chunk_id] = len(self.numbers) + 1
            self.passages.append(section)
            self.citations.append(Citation.of(n, section, quote))
        quotes = self.quotes.setdefault(n, [])
        if quote not in quotes:
            quotes.append(quote)
        return n


@dataclass
class Context:
    """One pack being built: its forum, the documents it reads, what it has already used."""

    material: Material
    forum: str  # lower case, as the metadata's forum values are compared
    label: str  # as shown
    session: int | None
    docs: list[Doc]  # readable documents for this forum, best first
    marked: list[Doc]  # draft and superseded documents for this forum
    numbering: Numbering = field(default_factory=Numbering)
    used: set[str] = field(default_factory=set)
    aimed: set[str] = field(default_factory=set)  # sections of messages aimed at the forum
    leads: list[tuple[str, Unit]] = field(default_factory=list)  # (entry heading, Lead line)
    said_words: list[set[str]] = field(default_factory=list)

    def own(self, doc: Doc) -> bool:
        """A document about this forum: tagged with it alone, or naming it in its title."""
        if self.forum not in doc.forums:
            return False
        return len(doc.forums - {"itu"}) <= 1 or self.forum in self.material.title_names(doc)

    def rank(self, doc: Doc) -> int:
        if self.own(doc):
            return 0 if doc.doc_type == "briefing" else 1
        return 2 if self.forum in doc.forums else 3

    def names(self, unit: Unit, doc: Doc) -> bool:
        """The unit names the forum (its series counts in a document tagged with it)."""
        return self.forum in unit.forums or (self.forum in unit.series
                                              and self.forum in doc.forums)

    def names_text(self, text: str, doc: Doc) -> bool:
        exact, series = self.material.names.named(text)
        return self.forum in exact or (self.forum in series and self.forum in doc.forums)

    def relevance(self, unit: Unit, doc: Doc) -> int:
        """3: names the forum; 2: under a heading that does, or in the forum's own document
        under a heading that names no other forum; 1: in a document tagged with it; else 0."""
        if self.names(unit, doc):
            return 3
        exact, series = self.material.heading_names(unit.section)
        if self.forum in exact or (self.forum in series and self.forum in doc.forums):
            return 2
        if self.own(doc) and not (exact - {self.forum, "itu"}):
            return 2
        return 1 if self.forum in doc.forums else 0

    def units(self, doc: Doc) -> list[Unit]:
        return self.material.units(doc)

    def antecedent(self, block: Block) -> Unit | None:
        """The sentence just before the block's first, in the same section, if the pack
        does not already hold it."""
        position = block.head.position - 1
        units = self.units(block.doc)
        if position < 0 or units[position].section.chunk_id != block.head.section.chunk_id \
                or units[position].kind != "sentence" or self.said(units[position]):
            return None
        return units[position]

    def said(self, unit: Unit) -> bool:
        """The pack already holds this unit, or one saying nearly the same (most of the
        shorter one's words)."""
        if unit.key in self.used:
            return True
        words = content_words(unit.plain)
        return len(words) >= 4 and any(
            len(words & other) >= 0.8 * min(len(words), len(other)) for other in self.said_words)

    def say(self, unit: Unit) -> None:
        self.used.add(unit.key)
        self.said_words.append(content_words(unit.plain))

    def cite(self, unit: Unit) -> int:
        return self.numbering.cite(unit.section, unit.text)


def blocks_of(units: Sequence[Unit], doc: Doc) -> list[Block]:
    """A document's units as blocks: each list travels with the sentence that leads into it."""
    blocks = []
    for unit in units:
        if unit.kind == "item" and unit.lead >= 0:
            continue
        members = (unit, *(units[i] for i in unit.items)) if unit.kind == "lead" else (unit,)
        blocks.append(Block(doc, members))
    return blocks


def block_relevance(ctx: Context, block: Block) -> int:
    return max(ctx.relevance(u, block.doc) for u in block.units)


def choose(ctx: Context, ranked: Iterable[tuple[tuple[float, ...], Block]],
           budget: int) -> list[Block]:
    """The best blocks within about `budget` words (a list is taken whole or not at all),
    leaving out what the pack already says (in these words or nearly) and sentences that
    lean on one not taken; returned in reading order."""
    chosen: list[Block] = []
    taken: set[tuple[str, int]] = set()
    words = 0
    for _, block in sorted(ranked, key=lambda pair: pair[0]):
        head = block.head
        if ctx.said(head):
            continue
        # A list comes whole with its lead ("two main outcome texts:" needs both), unless
        # the very same item is already in the pack.
        units = tuple(u for u in block.units if u is head or u.key not in ctx.used)
        if DEPENDS.search(head.plain) and (block.doc.source, head.position - 1) not in taken:
            before = ctx.antecedent(block)
            if before is None:
                continue
            units = (before, *units)  # "These counts are as reported" needs its counts
        size = sum(u.words for u in units)
        # About `budget` words: a section still under 80% of it may run over by 15%.
        if chosen and words + size > budget and not (
                words < 0.8 * budget and words + size <= 1.15 * budget):
            continue
        chosen.append(Block(block.doc, units))
        for unit in units:
            ctx.say(unit)
            taken.add((block.doc.source, unit.position))
        words += size
        if words >= budget:
            break
    return sorted(chosen, key=lambda b: (ctx.rank(b.doc), b.doc.source, b.head.position))


_PLACEHOLDER = re.compile(r"\[PLACEHOLDER:\s*([^\]]*)\]")


def displayed(text: str) -> str:
    """Source text as a pack shows it: whitespace collapsed (PDF lines, chunk joins), and each
    "[PLACEHOLDER: X]" as "[to fill: X]", the pack's word for what a document leaves open."""
    return _PLACEHOLDER.sub(lambda m: f"[{TO_FILL}: {' '.join(m.group(1).split())}]",
                            " ".join(text.split()))


def shown(unit: Unit) -> str:
    """A unit as a pack line shows it: its own words and emphasis, without the list marker
    and the line breaks of the page it came from."""
    return displayed(MARKUP.sub("", unit.text))


def to_lines(ctx: Context, blocks: Sequence[Block],
             label: Callable[[Unit], str] | None = None) -> list[Line]:
    """Blocks as lines, each citing its section; `label` may name a line's heading."""
    lines: list[Line] = []
    for block in blocks:
        for unit in block.units:
            style = "item" if unit.kind == "item" else "para"
            lines.append(Line(shown(unit), ctx.cite(unit), style,
                              label=label(unit) if label else ""))
    return lines


def enumerated_heading(unit: Unit) -> str:
    """The heading of an enumerated section ("Route 1: National delegations"), if it is one."""
    heading = unit.section.section.split(" > ")[-1] if unit.section.section else ""
    return heading if SECTION_LABEL.match(heading) else ""


_STOP = frozenset("""a an the of to in on at for and or by with from as is are was were be
been it its this that these those which who whom what when where how not no but so than then
also into over after before its their they them there here""".split())


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}
