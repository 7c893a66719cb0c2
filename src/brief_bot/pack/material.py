"""The documents as a pack reads them: each document's metadata, its sections, and their units
(sentences, list items and the sentences that lead into lists), each unit knowing which forums it
names.

A forum is one of the values of the documents' `forum` metadata. A text names a forum through
the glossary (the same glossary that answers use): the forum's own entry ("PP-14", "Busan",
"PP 2014"), or an entry that shares one of its forms or is its series ("the Plenipotentiary
Conference", "Plenipot" for PP-14; "WTDC" for WTDC-14). Longest forms win, so the "Council" in
"Council Working Group on ..." names CWG-Internet, not the Council.

Built once per index generation (`material_for`) and read by every pack of that generation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..corpus.structure import MARKUP, item_label, list_blocks, split_sentences
from ..index.glossary import Glossary
from ..index.reader import Snapshot
from ..types import Passage

_SEP = re.compile(r"[\s\-_/]+")
_PLACEHOLDER = re.compile(r"\[PLACEHOLDER:\s*([^\]]*)\]")
_SERIES = re.compile(r"(.+?)[\s-]?(\d{2}|\d{4})")
_THE = re.compile(r"\bthe\s+", re.I)
_END = re.compile(r"[.!?:;,\"”’')\]]\s*$")


def norm(text: str) -> str:
    """A name as the glossary compares names: lower case, dashes and slashes as spaces."""
    return _SEP.sub(" ", text.lower()).strip()


def series_of(name: str) -> tuple[str, int] | None:
    """("pp", 2014) for "PP-14", ("council", 2015) for "Council 2015"; None without a year."""
    m = _SERIES.fullmatch(norm(name))
    if not m:
        return None
    year = int(m.group(2))
    return m.group(1).strip(), year + 2000 if year < 100 else year


@dataclass(frozen=True)
class Doc:
    source: str
    title: str
    doc_type: str
    status: str
    date: str
    audience: str
    forums: frozenset[str]  # its forum metadata, lower case
    sections: tuple[int, ...]  # outline section numbers, in document order


@dataclass(frozen=True)
class Unit:
    """A sentence, list item or list lead of one section, verbatim."""

    text: str
    kind: str  # "sentence" | "item" | "lead"
    section: Passage  # the whole section: what a citation of this unit points to
    headings: tuple[str, ...]  # the heading path, then any heading inside the text (PDF)
    forums: frozenset[str]  # forums the unit names
    series: frozenset[str]  # forums whose series it names ("the Plenipotentiary Conference")
    position: int  # in the document
    lead: int = -1  # an item: the position of the sentence leading into its list
    items: tuple[int, ...] = ()  # a lead: the positions of its items

    @property
    def plain(self) -> str:
        """The unit as a reader sees it: markers, bold and line breaks gone."""
        return " ".join(MARKUP.sub("", self.text).replace("**", "").split())

    @property
    def words(self) -> int:
        return len(self.plain.split())

    @property
    def label(self) -> str:
        return item_label(self.text)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """What each "[PLACEHOLDER: ...]" in the unit stands for ("BB lead for PP-14")."""
        return tuple(" ".join(m.group(1).split()) for m in _PLACEHOLDER.finditer(self.text))

    @property
    def placeholder(self) -> str:
        return self.placeholders[0] if self.placeholders else ""

    @property
    def key(self) -> str:
        """What two copies of one sentence share (for leaving out repeats)."""
        return " ".join(re.findall(r"[a-z0-9]+", self.plain.lower()))


class Names:
    """Which forums a text names, through the glossary."""

    def __init__(self, *, glossary: Glossary, forums: Iterable[str]) -> None:
        if not isinstance(glossary, Glossary):
            raise TypeError("Names needs the index's Glossary")
        self.glossary = glossary
        self.forums = sorted(set(forums))
        by_term = {e.term.lower(): e for e in glossary.entries if e.term}
        own = {f: by_term.get(f) for f in self.forums}
        forms = {f: {norm(x) for x in (own[f].forms if own[f] else ())} | {norm(f)}
                 for f in self.forums}
        self.exact: dict[str, set[str]] = {}
        self.series: dict[str, set[str]] = {}
        for f, entry in own.items():
            if entry is not None:
                self.exact.setdefault(entry.term.lower(), set()).add(f)
        for entry in glossary.entries:
            term = entry.term.lower()
            if not term or term in self.exact:
                continue
            for f in self.forums:
                kind = series_of(f)
                # "Plenipot" is one of PP-14's names, "PP" its series; "Dubai" only hosted
                # WCIT-12 (whose names include "Dubai 2012") and is neither.
                if norm(term) in forms[f] or (kind and kind[0] == norm(term)):
                    self.series.setdefault(term, set()).add(f)
        # Forums the glossary does not know are found by their name alone.
        self.bare = [f for f in self.forums if own[f] is None and len(f) >= 3]

    def of_entry(self, term: str) -> tuple[set[str], set[str]]:
        """The forums a glossary term is (exact) or stands for (series)."""
        low = term.lower()
        return self.exact.get(low, set()), self.series.get(low, set())

    def named(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        exact: set[str] = set()
        series: set[str] = set()
        # Without "the": the glossary's "the Council" would otherwise claim the start of "the
        # Council Working Group on Internet" before its longer name could.
        for _, entry in self.glossary.spans(_THE.sub(" ", text)):
            found, stands = self.of_entry(entry.term)
            exact |= found
            series |= stands
        if self.bare:
            low = f" {re.sub(r'[^a-z0-9+/-]+', ' ', text.lower())} "
            exact.update(f for f in self.bare if f" {f} " in low)
        return frozenset(exact), frozenset(series - exact)


class Material:
    """One generation's documents, for packs."""

    def __init__(self, *, snapshot: Snapshot) -> None:
        if not hasattr(snapshot, "outline") or not hasattr(snapshot, "spellings"):
            raise TypeError("Material reads an index Snapshot")
        self.snapshot = snapshot
        self.spelled = {low: sorted(values)[0]
                        for low, values in snapshot.spellings["forum"].items()}
        self.names = Names(glossary=snapshot.glossary, forums=self.spelled)
        self.docs: dict[str, Doc] = {}
        outline = snapshot.outline
        for source, numbers in outline.by_source.items():
            row = snapshot.rows[outline.sections[numbers[0]].rows[0]]
            forum = row.get("forum") or []
            self.docs[source] = Doc(
                source=source, title=str(row.get("title") or source),
                doc_type=str(row.get("doc_type") or ""), status=str(row.get("status") or ""),
                date=str(row.get("date") or ""), audience=str(row.get("audience") or ""),
                forums=frozenset(str(f).lower() for f in (forum if isinstance(forum, list)
                                                          else [forum])),
                sections=tuple(numbers))
        self._units: dict[str, list[Unit]] = {}
        self._headings: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._lock = threading.Lock()

    @cached_property
    def newest(self) -> str:
        return max((d.date for d in self.docs.values() if d.date[:4].isdigit()), default="")

    @cached_property
    def _texts(self) -> dict[str, str]:
        """Each document's text, lower case with dashes as spaces: a quick test of whether it
        can name a forum at all before its sentences are read."""
        parts: dict[str, list[str]] = {}
        for row in self.snapshot.rows:
            parts.setdefault(row["source"], []).append(f"{row['title']} {row['section']} "
                                                       f"{row['text']}")
        return {source: norm(" ".join(texts)) for source, texts in parts.items()}

    def forms(self, forum: str) -> set[str]:
        """Every name that stands for the forum, as `norm` writes it."""
        out = {norm(forum)}
        for entry in self.names.glossary.entries:
            exact, series = self.names.of_entry(entry.term)
            if forum in exact or forum in series:
                out.update(norm(f) for f in entry.forms if len(norm(f)) >= 2)
        return out

    def documents_for(self, forum: str) -> list[Doc]:
        """The documents tagged with the forum or naming it, in corpus order."""
        forms = self.forms(forum)
        pattern = re.compile(r"(?<![\w+])(" + "|".join(
            re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")(?![\w+])")
        return [doc for source, doc in self.docs.items()
                if forum in doc.forums or pattern.search(self._texts.get(source, ""))]

    def sections(self, doc: Doc) -> list[Passage]:
        return [self.snapshot.section_passage(i) for i in doc.sections]

    def heading_names(self, section: Passage) -> tuple[frozenset[str], frozenset[str]]:
        """The forums the section's own heading (its last part) names."""
        heading = section.section.split(" > ")[-1] if section.section else ""
        found = self._headings.get(heading)
        if found is None:
            found = self._headings[heading] = self.names.named(heading)
        return found

    def title_names(self, doc: Doc) -> frozenset[str]:
        exact, series = self.names.named(doc.title)
        return exact | series

    def units(self, doc: Doc) -> list[Unit]:
        """The document's units, in order (made once, then kept)."""
        found = self._units.get(doc.source)
        if found is None:
            found = []
            for section in self.sections(doc):
                found.extend(section_units(section, self.names, len(found)))
            with self._lock:
                self._units[doc.source] = found
        return found


def _is_heading_line(lines: Sequence[str], i: int) -> bool:
    """A heading inside extracted text (PDF pages keep theirs as a short line): short, without
    closing punctuation, after a finished sentence, before text that starts a sentence."""
    line = lines[i].strip()
    if not line or len(line.split()) > 10 or _END.search(line) or MARKUP.match(line):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    before = lines[i - 1].strip() if i else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return (not before or bool(_END.search(before))) and bool(after) and after[0].isupper()


def section_units(section: Passage, names: Names, start: int) -> list[Unit]:
    """A section's sentences and list items in order, with each list's lead sentence."""
    lines = section.text.split("\n")
    blocks = list_blocks(lines)
    item_spans = {a: (b, k) for k, block in enumerate(blocks) for a, b in block.spans}
    path = tuple(p for p in section.section.split(" > ") if p)
    raw: list[tuple[str, str, tuple[str, ...], int]] = []  # (kind, text, headings, block)
    inner: tuple[str, ...] = ()
    paragraph: list[str] = []

    def flush() -> None:
        for sentence in split_sentences("\n".join(paragraph)):
            raw.append(("sentence", sentence, path + inner, -1))
        paragraph.clear()

    i = 0
    while i < len(lines):
        if i in item_spans:
            flush()
            end, block = item_spans[i]
            raw.append(("item", "\n".join(lines[i:end + 1]).strip(), path + inner, block))
            i = end + 1
            continue
        if _is_heading_line(lines, i):
            flush()
            inner = (lines[i].strip(),)
        elif lines[i].strip():
            paragraph.append(lines[i])
        else:
            flush()
        i += 1
    flush()
    return _linked(raw, blocks, section, names, start)


def _linked(raw: list[tuple[str, str, tuple[str, ...], int]], blocks: Sequence[Any],
            section: Passage, names: Names, start: int) -> list[Unit]:
    """Units with each list tied to the sentence that leads into it."""
    leads: dict[int, int] = {}  # block -> index in raw of its lead sentence
    for k, block in enumerate(blocks):
        first = next((j for j, r in enumerate(raw) if r[3] == k), None)
        if first and block.lead and raw[first - 1][0] == "sentence" and \
                raw[first - 1][1].strip() == block.lead.strip():
            leads[k] = first - 1
    lead_of = {j: k for k, j in leads.items()}
    units = []
    for j, (kind, text, headings, block) in enumerate(raw):
        exact, series = names.named(text)
        items: tuple[int, ...] = ()
        if j in lead_of:
            kind = "lead"
            items = tuple(start + x for x, r in enumerate(raw) if r[3] == lead_of[j])
        lead = start + leads[block] if kind == "item" and block in leads else -1
        units.append(Unit(text=text, kind=kind, section=section, headings=headings,
                          forums=exact, series=series, position=start + j, lead=lead,
                          items=items))
    return units


_CACHE: dict[str, Material] = {}
_CACHE_LOCK = threading.Lock()


def material_for(snapshot: Snapshot) -> Material:
    """The material of this generation, made on first use (a generation never changes)."""
    key = str(snapshot.path)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            if len(_CACHE) >= 2:
                _CACHE.clear()
            found = _CACHE[key] = Material(snapshot=snapshot)
        return found
