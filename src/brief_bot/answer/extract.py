"""Which sentences of the passages answer a question, kept verbatim.

Sentences are scored by the question's terms (weighted by their rarity in the index), by the
kind of thing asked for (a date, a name, a number), by the period the question names, and by
their shape (a sentence about the document itself, a table row, a "yes" under another
question's heading read badly). The best are kept within a word budget, each with the sentence
it leans on ("Still, ..."), never the same fact twice, in document order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..types import Kind, Passage, Query
from .scoring import matched, share, stems_of
from .sentences import DEPENDENT, GIVES, META, YES_NO, leads_in, list_after, plain, split_sentences
from .sets import mentions_period

TYPE_BOOST = 1.5
_FIELDS = re.compile(r"^\W*(\w[\w ]{0,30}: [^;]{1,200}; ){2,}")


@dataclass(frozen=True)
class Sentence:
    passage: int
    position: int
    text: str
    score: float
    stems: frozenset[str]
    lead: bool = False  # it ends in ":" and its list follows it in the passage


def choose(query: Query, passages: Sequence[Passage], limit: int, *,
           keep_first: bool = False) -> list[Sentence]:
    """The best sentences within `limit` words, in a readable order; `keep_first` keeps
    the first sentence of the first passage (a section's opening says what it is)."""
    weights = query.weights()
    wanted = GIVES.get(query.kind) if query.kind else None
    candidates: list[Sentence] = []
    texts: dict[tuple[int, int], str] = {}
    own: set[tuple[int, int]] = set()
    for p_index, passage in enumerate(passages):
        rank_weight = 1.0 / (1.0 + 0.35 * p_index)
        # A passage about the period the question names speaks for all its sentences.
        passage_in_period = query.scoped and mentions_period(
            f"{passage.section} {passage.text}", query)
        sentences = [x for part in (passage.parts or (passage.text,))
                     for x in split_sentences(part)]
        for position, sentence in enumerate(sentences):
            texts[(p_index, position)] = sentence
            stems = stems_of(sentence)
            found = matched(query, stems)
            hit = sum(weights[t] for t in found)
            opening = keep_first and p_index == 0 and position == 0
            if hit <= 0 and not opening:
                continue
            if opening or found & query.terms.keys():
                own.add((p_index, position))
            length = len(sentence.split())
            # Long sentences cover more by chance; very short ones rarely answer; a
            # sentence about the document itself restates the question.
            shape = 1.0 if 8 <= length <= 45 else 0.75
            lead = leads_in(sentence) and bool(list_after(passage, sentence))
            if lead:
                shape *= 1.2  # a lead that brings its whole list answers, not restates
            elif META.search(sentence):
                shape *= 0.4
            if wanted is not None:
                shape *= TYPE_BOOST if wanted.search(sentence) else 0.7
            if query.scoped:
                shape *= 1.5 if mentions_period(sentence, query) else (
                    1.0 if passage_in_period else 0.6)
            if YES_NO.search(sentence) and not asks_same(query, passage):
                shape *= 0.3  # a "yes" to another question reads as a yes to this one
            if _FIELDS.search(sentence) and query.kind is not Kind.DEFINITION:
                shape *= 0.4  # a table row ("term: ...; expansion: ...") reads badly
            candidates.append(Sentence(p_index, position, sentence,
                                       hit * rank_weight * shape, stems, lead))
    if not candidates:
        return []
    # Where some sentences hold the question's own words (not only the earlier question's a
    # follow-up leans on), those answer it.
    if own and query.context_terms:
        candidates = [c for c in candidates if (c.passage, c.position) in own]
    candidates.sort(key=lambda s: -s.score)
    best = candidates[0].score
    chosen: list[Sentence] = []
    words = 0
    if keep_first:
        opening = next(c for c in candidates if c.passage == 0 and c.position == 0)
        chosen.append(opening)
        words += len(opening.text.split())
    for cand in candidates:
        if cand.score < 0.45 * best:
            break
        if cand in chosen:
            continue
        if not cand.lead and any(_same_fact(cand.stems, c.stems) for c in chosen):
            continue
        # A sentence from another source that says little the answer has not said is the
        # same fact twice.
        said = frozenset().union(*(c.stems for c in chosen
                                   if passages[c.passage].source
                                   != passages[cand.passage].source)) \
            if chosen else frozenset()
        if said and cand.stems and len(cand.stems - said) < 0.35 * len(cand.stems):
            continue
        needs = _antecedent(cand, texts, chosen)
        group = [*needs, cand]
        size = sum(len(s.text.split()) for s in group)
        if chosen and words + size > limit:
            continue
        chosen.extend(group)
        words += size
        if words >= limit:
            break
    # Readable order: the best passage first, each passage's sentences in document order.
    order = {p: i for i, p in enumerate(dict.fromkeys(s.passage for s in chosen))}
    chosen.sort(key=lambda s: (order[s.passage], s.position))
    return chosen


def asks_same(query: Query, passage: Passage) -> bool:
    """Whether the passage's heading asks (about) what the question asks."""
    heading = passage.heading.last
    return "?" in heading and (not query.terms or share(query, stems_of(heading)) >= 0.6)


def _antecedent(cand: Sentence, texts: dict[tuple[int, int], str],
                chosen: Sequence[Sentence]) -> list[Sentence]:
    """A sentence that leans on the one before it ("Still, ...", "It was...") brings that
    one along, so the answer never hangs on a missing antecedent."""
    if not DEPENDENT.search(plain(cand.text)):
        return []
    before = texts.get((cand.passage, cand.position - 1))
    if before is None or any(c.passage == cand.passage and c.position == cand.position - 1
                             for c in chosen):
        return []
    return [Sentence(cand.passage, cand.position - 1, before, cand.score,
                     stems_of(before))]


def _same_fact(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sentences (often from two sources) that state the same thing."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a | b) >= 0.6 or shared / min(len(a), len(b)) >= 0.85
