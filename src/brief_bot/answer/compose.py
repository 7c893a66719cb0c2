"""The answer stage: ranked passages in, a short cited answer (or an honest abstention) out.

The default composer is extractive: every sentence of an answer is a sentence of a source, kept
verbatim, so each `[n]` quotes text that is really in source n. It answers in the shape the
question asks for (`Query.shape`): a set question gets the whole list from the structure
around the best passages (`sets`); a question for agreed wording gets that wording whole; any
other question gets the few sentences that answer it. No sentence is embedded at question time:
sentences are scored by the question's terms, weighted by how rare each is in the index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import partial

from ..corpus.structure import list_after, plain, split_sentences
from ..headings import SECTION_LABEL
from ..types import Citation, Composer, Draft, Kind, Passage, Query, Sections, Shape, UnitHit
from .extract import Sentence, Similar, choose
from .scoring import stems_of
from .sentences import YES_NO
from .sets import (
    TIME_WORDS,
    find_dated,
    find_set,
    nth_item,
    one_item,
    render_items,
    status_label,
    topic_terms,
)
from .tuning import DEFAULT, Tuning

log = logging.getLogger("brief_bot")

QUOTE_TYPES = ("messages", "narrative")



class _Citations:
    """Numbers passages in the order an answer first cites them."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.citations: list[Citation] = []
        self.passages: list[Passage] = []

    def number(self, passage: Passage, quote: str) -> int:
        n = self.numbers.get(passage.chunk_id)
        if n is None:
            n = self.numbers[passage.chunk_id] = len(self.numbers) + 1
            self.citations.append(Citation.of(n, passage, quote))
            self.passages.append(passage)
        return n

    def draft(self, text: str, ranked: Sequence[Passage], composer: str) -> Draft:
        """The answer, its citations, and the ranked passages followed by any whole section
        it cited that was not among them: every citation's chunk id names a passage."""
        ids = {p.chunk_id for p in ranked}
        used = (*ranked, *(p for p in self.passages if p.chunk_id not in ids))
        return Draft(text, tuple(self.citations), False, used, composer)


class ExtractiveComposer:
    """Chooses verbatim sentences, lists or sections; abstains when the evidence is weak."""

    name = "extractive"

    def __init__(self, *, answer_words: int = 180, abstain_threshold: float = 0.33,
                 tuning: Tuning = DEFAULT) -> None:
        if answer_words < 20:
            raise ValueError("answer_words must be at least 20")
        self.answer_words = answer_words
        self.abstain_threshold = abstain_threshold
        self.tuning = tuning
        self.t = tuning.compose

    # --- evidence -----------------------------------------------------------------------

    def evidence(self, query: Query, passages: Sequence[Passage]) -> float:
        """0..1: how much of the question's rare-term weight the best passages cover, blended
        with the best dense similarity. Calibrated in the README."""
        if not passages:
            return 0.0
        weights = query.weights()
        total = sum(weights.values())
        coverage = 0.0
        if total:
            for passage in passages[:self.t.evidence_passages]:
                stems = stems_of(f"{passage.title} {passage.section} {passage.text}")
                found = sum(weights[t] for t in query.matched(stems))
                coverage = max(coverage, found / total)
        dense = max(p.dense for p in passages[:self.t.evidence_passages])
        return (1 - self.t.evidence_dense) * coverage + self.t.evidence_dense * dense

    # --- composing ----------------------------------------------------------------------

    def compose(self, query: Query, passages: Sequence[Passage], sections: Sections,
                units: Sequence[UnitHit] = ()) -> Draft:
        if query.unknown or query.beyond or query.dangling:
            return self.abstain(passages, query)
        cite = _Citations()
        if query.scoped and query.kind is None and passages and (
                query.shape is Shape.PERIOD or TIME_WORDS.intersection(query.terms)
                or (query.period or query.anchor) and len(topic_terms(query)) <= 2):
            # "What happened in March 2014?", "what's on before PP-14?": the dated entries of
            # that period are the answer, when some hold the question's other words.
            found = find_dated(query, passages, sections, units, self.tuning.sets)
            if found is not None and (query.shape is Shape.PERIOD
                                      or found.relevance >= self.t.dated_relevance):
                return cite.draft(render_items(found, cite.number), passages, self.name)
        if not passages:
            return self.abstain(passages)
        close = max(p.dense for p in passages[:self.t.evidence_passages])
        unseen = query.unseen if close < self.t.familiar_dense else query.unseen_rare
        if unseen or self.evidence(query, passages) < self.abstain_threshold:
            # The subject may be something the material does not cover: only a set or a
            # section the question clearly means answers it ("the checkpoints" for the review
            # points; "the wifi password" has none).
            text = self._clear_structure(query, passages, sections, cite, units)
            if text is None:
                return self.abstain(passages, query)
            return cite.draft(text, passages, self.name)
        text = self._shaped(query, passages, sections, cite, units)
        if text is None:
            return self.abstain(passages)
        return cite.draft(text, passages, self.name)

    def _shaped(self, query: Query, passages: Sequence[Passage], sections: Sections,
                cite: _Citations, units: Sequence[UnitHit]) -> str | None:
        found = nth_item(query, passages, sections, self.tuning.sets)
        if found is not None:
            return render_items(found, cite.number)
        named, hit = self._named_section(query, passages, sections)
        if query.wants_quote and query.shape is not Shape.LIST:
            agreed, whole_document = self._agreed(query, passages, sections)
            if agreed is not None and (named is None or whole_document
                                       or named.source == agreed.source):
                return self.quote_whole(agreed, cite)
        # (A period question's set was looked for before the evidence; none was found.)
        if query.shape in (Shape.LIST, Shape.HOW, Shape.ITEM):
            found = find_set(query, passages, sections, units, self.tuning.sets)
            if found is not None and query.shape is Shape.ITEM:
                # An item by its place was looked for above; one by what it says, here.
                found = None if query.ordinal else one_item(query, found)
            # A section whose heading asks what the question asks ("what are our messages
            # and how and when do we action them?") beats a set that explains less of it.
            if found is not None and (named is None or query.scoped or (
                    found.relevance >= hit - self.t.set_over_section
                    and named.chunk_id not in found.sections)):
                return render_items(found, cite.number)
        if named is None and query.shape is Shape.SECTION:
            named = self._meant_section(units, sections)
        if named is not None:
            return self._from_section(query, named, cite, sections)
        chosen = choose(query, passages, self.answer_words, tuning=self.tuning.sentences,
                        similar=_similar(query, sections))
        return self.render(chosen, passages, cite) if chosen else None

    def _from_section(self, query: Query, section: Passage, cite: _Citations,
                      sections: Sections) -> str | None:
        if len(section.text.split()) <= self.t.whole_section_words:
            # The one item the question names ("what is route 4?"), answered whole.
            chosen = [Sentence(0, i, s, 1.0, frozenset()) for i, s in
                      enumerate(split_sentences(section.text))]
            return self.render(chosen, [section], cite) if chosen else None
        # A long section whose heading is the question (the road-map answers the brief's own
        # questions under them): its best sentences, with any list they lead into.
        chosen = choose(query, [section], int(self.answer_words * self.t.section_words),
                        keep_first=True, tuning=self.tuning.sentences,
                        similar=_similar(query, sections))
        return self.render(chosen, [section], cite) if chosen else None

    def _agreed(self, query: Query, passages: Sequence[Passage],
                sections: Sections) -> tuple[Passage | None, bool]:
        """The agreed wording a question asks for: of the messages and narrative among the
        top passages, the section that best matches ("human rights" -> that message), or the
        document's first section when the question names the document itself ("what is the
        narrative for the plenipot?")."""
        agreed = [p for p in passages[:self.t.evidence_passages] if p.doc_type in QUOTE_TYPES
                  and (p.status != "superseded" or passages[0] is p)]
        if not agreed:
            return None, False
        weights = query.terms
        document = sections.document(agreed[0])
        if query.share(stems_of(agreed[0].title)) >= self.t.title_holds and document:
            return document[0], True
        # Any section of the agreed documents found, not only the sections search returned:
        # its heading counts more than its text ("on development" -> "Development and
        # access").
        candidates: list[Passage] = []
        for doc in dict.fromkeys(p.source for p in agreed):
            candidates += sections.document(next(p for p in agreed if p.source == doc))

        def fit(section: Passage) -> float:
            heading = query.matched(stems_of(section.section))
            text = query.matched(stems_of(section.text)) - heading
            return 1.5 * sum(weights.get(t, 0.0) for t in heading) + sum(
                weights.get(t, 0.0) for t in text)

        return max(candidates, key=lambda c: (fit(c), -candidates.index(c))), False

    def _clear_structure(self, query: Query, passages: Sequence[Passage], sections: Sections,
                         cite: _Citations, units: Sequence[UnitHit]) -> str | None:
        """A set or a section the question means beyond doubt, as the answer, or None."""
        sure = self.t.clearly_meant
        if query.shape in (Shape.LIST, Shape.HOW, Shape.ITEM) and not query.ordinal:
            found = find_set(query, passages, sections, units, self.tuning.sets)
            if found is not None and query.shape is Shape.ITEM:
                found = one_item(query, found)
            if found is not None and found.sureness >= sure:
                return render_items(found, cite.number)
        if query.shape is Shape.SECTION:
            section = self._meant_section(units, sections, sure)
            if section is not None:
                return self._from_section(query, section, cite, sections)
        return None

    def _meant_section(self, units: Sequence[UnitHit], sections: Sections,
                       sure: float | None = None) -> Passage | None:
        """The section a question that asks what a section says means most (by meaning and
        words, `search.units`), when it is meant clearly enough."""
        best = next((h for h in units if h.kind == "section"), None)
        if best is None or best.dense < (self.t.section_meant if sure is None else sure):
            return None
        return sections.section(Passage.naming(min(best.sections), best.source))

    def _named_section(self, query: Query, passages: Sequence[Passage],
                       sections: Sections) -> tuple[Passage | None, float]:
        """The section whose heading says what the question asks ("what is route 4?", "how
        will we measure success and learn from the process?"), in the documents of the top
        passages: search finds the document, its outline finds the section."""
        if not sum(query.terms.values()) or query.kind not in (None, Kind.DEFINITION) or \
                len(query.terms) < 2 and query.shape is not Shape.FACT:
            return None, 0.0
        numbers = query.numbers
        asked = query.stems | {s for forms in query.alternates.values() for form in forms
                               for s in form}
        best: tuple[float, Passage] | None = None
        for source in dict.fromkeys(p.source for p in passages[:5]):
            first = next(p for p in passages if p.source == source)
            for section in sections.document(first):
                if not section.section:
                    continue
                heading = section.heading.last
                if not numbers <= set(re.findall(r"\d+", heading)):
                    continue
                hit = query.share(stems_of(heading))
                # Both ways: the heading says what the question asks, and the question says
                # what the heading names ("Route 4" of "Route 4: The WSIS Forum"), not a
                # heading that merely mentions the question's words among others.
                label = SECTION_LABEL.match(heading)
                named = stems_of(label.group(0) if label else heading)
                covered = len(named & asked) / len(named) if named else 0.0
                if hit >= self.t.heading_holds and covered >= self.t.label_covered and (
                        best is None or hit > best[0]):
                    best = (hit, section)
        return (best[1], best[0]) if best else (None, 0.0)

    def render(self, chosen: Sequence[Sentence], passages: Sequence[Passage],
               cite: _Citations) -> str:
        """Sentences as one paragraph, each cited; a sentence that leads into a list ("BB's
        outcome indicators are:") brings the list, as list lines."""
        lines: list[str] = []
        paragraph: list[str] = []
        shown_items: set[str] = set()
        for sentence in chosen:
            passage = passages[sentence.passage]
            if any(plain(sentence.text) in item for item in shown_items):
                continue  # already shown as an item of a list a sentence led into
            n = cite.number(passage, sentence.text)
            shown = plain(sentence.text)
            if YES_NO.search(shown) and "?" in passage.section:
                # "Yes" answers the question its heading asks, not necessarily the user's.
                shown = f"(On *{passage.heading.last}*) {shown}"
            paragraph.append(f"{shown} [{n}]")
            items = list_after(passage, sentence.text)
            if items:
                lines.append(" ".join(paragraph))
                paragraph = []
                numbered = bool(re.match(r"\s*\d", items[0]))
                for i, item in enumerate(items[:self.t.max_list_items], start=1):
                    shown_items.add(plain(item))
                    lines.append(f"{f'{i}.' if numbered else '-'} {plain(item)} [{n}]")
        if paragraph:
            lines.append(" ".join(paragraph))
        return "\n".join(lines)

    def quote_whole(self, passage: Passage, cite: _Citations) -> str:
        """Messages and the narrative are quoted whole, never paraphrased or trimmed."""
        label = status_label(passage)
        where = f" ({passage.section})" if passage.section else ""
        quote = max(passage.parts or (passage.text,), key=len)
        n = cite.number(passage, quote)
        lines = [f"> {line}" if line.strip() else ">" for line in passage.text.split("\n")]
        return (f"From **{passage.title}**{where}" + (f", {label}" if label else "") + ":\n\n"
                + "\n".join(lines) + f" [{n}]")

    def abstain(self, passages: Sequence[Passage], query: Query | None = None) -> Draft:
        nearby = list(dict.fromkeys(f"{p.title} ({p.source})" for p in passages[:3]))
        text = "The briefing material does not cover this."
        if query is not None and (query.unknown or query.unseen):
            named = ", ".join(f"“{w}”" for w in (*query.unknown, *query.unseen)[:4])
            text = f"The briefing material does not cover this: no document mentions {named}."
        elif query is not None and query.dangling:
            text = ("The briefing material does not cover this as asked: it reads as a follow-up, "
                    "but there is no earlier question to follow. Please ask it with what it "
                    "refers to.")
        elif query is not None and query.beyond:
            text = (f"The briefing material does not cover this: its documents are dated up to "
                    f"{query.horizon}, before {', '.join(query.beyond)}.")
        if nearby:
            text += " The closest documents it has are: " + "; ".join(nearby) + "."
        return Draft(text, (), True, tuple(passages), self.name)


class FallbackComposer:
    """An LLM writes the answer when it can; the extractive answer stands in when it cannot.

    The extractive composer decides first whether the material covers the question (an LLM
    is never asked to answer what the evidence says is not there); any failure of the LLM (a
    timeout, a server error, an answer whose citations do not check out) is logged and the
    extractive answer is returned instead.
    """

    def __init__(self, *, primary: Composer, fallback: ExtractiveComposer) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}+{fallback.name}"

    def compose(self, query: Query, passages: Sequence[Passage], sections: Sections,
                units: Sequence[UnitHit] = ()) -> Draft:
        draft = self.fallback.compose(query, passages, sections, units)
        if draft.abstained:
            return draft
        try:
            return self.primary.compose(query, draft.passages, sections, units)
        except Exception as exc:  # noqa: BLE001 - any LLM failure falls back, logged
            log.warning("LLM answer rejected (%s: %s); using the extractive answer",
                        type(exc).__name__, exc)
            return draft


def _similar(query: Query, sections: Sections) -> Similar | None:
    """Sentences' closeness in meaning to the question, from the index's sentence vectors."""
    if query.vector is None:
        return None
    return partial(sections.sentence_similarities, query.vector)
