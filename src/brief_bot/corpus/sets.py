"""Every set a document holds, found from its structure: a Markdown list or table (PDF pages
read as one flow, so a list may run over a page break), or a run of sections whose headings
enumerate ("Message 1", "Message 2", ...), carry dates ("January 2015: ...") or sit under one
heading ("Outcomes" > "Elections", ...). Search indexes each as a unit; the answer stage
answers a list question with one, whole."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dates import MONTH, YEAR
from ..terms import analyze, looks_plural
from ..types import Passage
from .files import content_hash
from .structure import item_label, list_blocks, plain, split_sentences

# "Message 1: ...", "Route 2 - ...", "One-pager 3: ...", "Step IV".
_ENUMERATED = re.compile(r"^(?P<key>[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?)\s+"
                         r"(?:\d{1,2}|[IVX]{1,4})\b")
# "January 2015: ...", "March-April 2014: ...", "2013: Council 2013".
_DATED = re.compile(rf"^(?:(?:early|late|mid)[\s-]+)?(?:{MONTH}(?:\s*[-–]\s*{MONTH})?\s+)?"
                    rf"{YEAR}\b", re.I)
_FOOTER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?\s*$", re.I)


@dataclass(frozen=True)
class Item:
    text: str  # the item as answer text (Markdown, no list marker)
    quote: str  # verbatim source text, for the citation
    passage: Passage  # what the item cites: a whole section
    whole: bool = False  # the item is that whole section (not one line of it)


@dataclass(frozen=True)
class DocumentSet:
    lead: str
    items: tuple[Item, ...]
    numbered: bool
    context: str  # title, headings and lead: what the set is "about"
    heading: str  # the list's section heading, or the headings of a run's sections
    labels: tuple[str, ...]  # what names each item (for dates and "about" filters)
    title: str
    dated: bool  # the entries are dated by their headings (a timeline)
    sections: frozenset[str]  # the sections it is made of
    doc_type: str

    @property
    def key(self) -> str:
        """Names this set the same way wherever it is found again (index and answer alike)."""
        source = self.items[0].passage.source if self.items else ""
        return content_hash(f"{source}\n{self.lead}\n{sorted(self.sections)}")[:16]



def lead_subject(lead: str) -> str:
    """What a lead says the list is of: its last plural noun before the colon ("BB's
    position and *actions* are:", "The six WTPF-13 *opinions*, one by one, are:")."""
    head = re.sub(r"\b(are|were|is|include|includes|follow|follows|as follows|below|broadly)"
                  r"\W*$", "", lead.rsplit(":", 1)[0].strip()).strip(" ,")
    plurals = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", head)
               if looks_plural(w) and not w.isupper()]
    return plurals[-1] if plurals else ""



_CACHE: dict[tuple[str, ...], list[DocumentSet]] = {}


def sets_in(document: Sequence[Passage]) -> list[DocumentSet]:
    """Every set in a document, remembered: documents are the same from one question to the
    next (the key is the sections' chunk ids, which change with their text)."""
    key = tuple(p.chunk_id for p in document)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) > 512:
            _CACHE.clear()
        found = _CACHE[key] = _lists(document) + _runs(document)
    return found


def _flows(document: Sequence[Passage]) -> list[list[Passage]]:
    """Consecutive sections under the same heading path (the pages of a PDF) read as one."""
    flows: list[list[Passage]] = []
    for section in document:
        if flows and flows[-1][-1].section == section.section:
            flows[-1].append(section)
        else:
            flows.append([section])
    return flows


def _lists(document: Sequence[Passage]) -> list[DocumentSet]:
    found: list[DocumentSet] = []
    for flow in _flows(document):
        lines: list[str] = []
        owner: list[Passage] = []
        for section in flow:
            for line in section.text.split("\n"):
                if not _FOOTER.match(line):  # a page number between two halves of a list
                    lines.append(line)
                    owner.append(section)
        for block in list_blocks(lines):
            items = []
            for start, end in block.spans:
                text = "\n".join(lines[start:end + 1]).strip()
                section = owner[start]
                quote = text if any(text in part for part in section.parts) else \
                    lines[start].strip()
                shown = text if block.table else plain(text)
                items.append(Item(shown, quote, section))
            section = owner[block.spans[0][0]]
            before = " ".join(line for line in lines[max(0, block.spans[0][0] - 4):
                                                      block.spans[0][0]] if line.strip())
            found.append(DocumentSet(
                block.lead, tuple(items), block.numbered,
                f"{section.title} {section.section} {before}",
                section.heading.last,
                tuple(item_label(lines[s]) for s, _ in block.spans), section.title, False,
                frozenset(owner[s].chunk_id for s, _ in block.spans), section.doc_type))
    return found


def _runs(document: Sequence[Passage]) -> list[DocumentSet]:
    """Runs of sections that make a set: enumerated or dated siblings, and the sections under
    one heading."""
    groups: dict[tuple[str, tuple[str, ...]], list[Passage]] = {}
    for section in document:
        path = section.heading.parts
        if not path:
            continue
        heading = path[-1]
        if _DATED.match(heading) and not re.fullmatch(YEAR, heading):
            groups.setdefault(("dated", ()), []).append(section)
        elif enumerated := _ENUMERATED.match(heading):
            groups.setdefault((enumerated.group("key").lower(), path[:-1]), []).append(section)
        if len(path) >= 2:
            groups.setdefault(("under", path[:-1]), []).append(section)
    by_path = {section.heading.parts: section for section in document}
    found: list[DocumentSet] = []
    for (key, parent), members in groups.items():
        members = list({m.chunk_id: m for m in members}.values())
        if len(members) < 2:
            continue
        # The section under the heading itself (its introduction) belongs to the run too: a
        # search that found "Outcomes" found the outcomes.
        own = by_path.get(parent) if key == "under" else None
        ids = {m.chunk_id for m in members} | ({own.chunk_id} if own else set())
        items = tuple(_section_item(m) for m in members)
        headings = " ".join(m.heading.parts[-1] for m in members)
        parents = " ".join(dict.fromkeys(" ".join(m.heading.parts[:-1]) for m in members))
        heading = parent[-1] if key == "under" else f"{parents} {headings}"
        found.append(DocumentSet("", items, False, f"{members[0].title} {parents} {headings}",
                                heading, tuple(m.heading.parts[-1] for m in members),
                                members[0].title, key == "dated", frozenset(ids),
                                members[0].doc_type))
    return found




def _section_item(section: Passage) -> Item:
    """A whole section as one item: its heading and the sentence that says what it is."""
    heading = section.heading.parts[-1]
    sentences = split_sentences(section.text)
    if not sentences:
        return Item(f"**{heading}**", heading, section, whole=True)
    head_words = set(analyze(heading))

    def says(sentence: str) -> tuple[int, int]:
        words = set(analyze(sentence))
        # The sentence sharing most words with the heading names the item best; a line that
        # only repeats the date, or a placeholder, says least.
        useful = len(plain(sentence).split()) >= 6 and "PLACEHOLDER" not in sentence
        return (useful, len(words & head_words))

    key = max(sentences, key=lambda s: (says(s), -sentences.index(s)))
    return Item(f"**{heading}** — {plain(key)}", key, section, whole=True)


