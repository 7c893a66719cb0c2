"""Which sentences of the passages answer a question, kept verbatim.

Sentences are scored by the question's terms (weighted by their rarity in the index), by the
kind of thing asked for (a date, a name, a number), by the period the question names, and by
their shape (a sentence about the document itself, a table row, a "yes" under another
question's heading read badly). The best are kept within a word budget, each with the sentence
it leans on ("Still, ..."), never the same fact twice, in document order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..corpus.structure import leads_in, list_after, plain, split_sentences
from ..types import Kind, Passage, Query
from .scoring import stems_of
from .sentences import DEPENDENT, GIVES, META, YES_NO
from .sets import mentions_period
from .tuning import DEFAULT, SentenceTuning

_FIELDS = re.compile(r"^\W*(\w[\w ]{0,30}: [^;]{1,200}; ){2,}")


@dataclass(frozen=True)
class Sentence:
    passage: int
    position: int
    text: str
    score: float
    stems: frozenset[str]
    lead: bool = False  # it ends in ":" and its list follows it in the passage


# How close in meaning each of some sentences is to the question (None: not known).
Similar = Callable[[Sequence[str]], Sequence[float | None]]


def choose(query: Query, passages: Sequence[Passage], limit: int, *, keep_first: bool = False,
           tuning: SentenceTuning = DEFAULT.sentences,
           similar: Similar | None = None) -> list[Sentence]:
    """The best sentences within `limit` words, in a readable order; `keep_first` keeps
    the first sentence of the first passage (a section's opening says what it is); with
    `similar`, by meaning as well as by words."""
    candidates, texts, own = _candidates(query, passages, keep_first, tuning, similar)
    if not candidates:
        return []
    # Where some sentences hold the question's own words (not only the earlier question's a
    # follow-up leans on), those answer it.
    if own and query.context_terms:
        candidates = [c for c in candidates if (c.passage, c.position) in own]
    candidates.sort(key=lambda s: -s.score)
    chosen = _select(candidates, passages, texts, limit, keep_first, tuning)
    # Readable order: the best passage first, each passage's sentences in document order.
    order = {p: i for i, p in enumerate(dict.fromkeys(s.passage for s in chosen))}
    chosen.sort(key=lambda s: (order[s.passage], s.position))
    return chosen


_Position = tuple[int, int]  # (passage, sentence) indexes


def _candidates(query: Query, passages: Sequence[Passage], keep_first: bool,
                tuning: SentenceTuning, similar: Similar | None,
                ) -> tuple[list[Sentence], dict[_Position, str], set[_Position]]:
    """Every sentence holding a term of the question or close to it in meaning, scored; each
    sentence's text by position; and the positions of those holding the question's own
    terms."""
    weights = query.weights()
    total = sum(weights.values())
    by_meaning = tuning.meaning if similar is not None else 0.0
    candidates: list[Sentence] = []
    texts: dict[_Position, str] = {}
    own: set[_Position] = set()
    split = [[x for part in (passage.parts or (passage.text,)) for x in split_sentences(part)]
             for passage in passages]
    close = [list(similar(sentences)) if similar is not None else [None] * len(sentences)
             for sentences in split]
    for p_index, passage in enumerate(passages):
        rank_weight = 1.0 / (1.0 + tuning.rank_decay * p_index)
        # A passage about the period the question names speaks for all its sentences.
        in_period = query.scoped and mentions_period(f"{passage.section} {passage.text}", query)
        sentences, closeness = split[p_index], close[p_index]
        for position, sentence in enumerate(sentences):
            texts[(p_index, position)] = sentence
            stems = stems_of(sentence)
            found = query.matched(stems)
            hit = (1 - by_meaning) * sum(weights[t] for t in found) + \
                by_meaning * total * max(0.0, closeness[position] or 0.0)
            opening = keep_first and p_index == 0 and position == 0
            if hit <= 0 and not opening:
                continue
            if opening or found & query.terms.keys():
                own.add((p_index, position))
            lead = leads_in(sentence) and bool(list_after(passage, sentence))
            shape = _shape(query, passage, sentence, lead, in_period, tuning)
            candidates.append(Sentence(p_index, position, sentence,
                                       hit * rank_weight * shape, stems, lead))
    return candidates, texts, own


def _shape(query: Query, passage: Passage, sentence: str, lead: bool, in_period: bool,
           tuning: SentenceTuning) -> float:
    """How well a sentence reads as an answer to this question, whatever words it holds."""
    t = tuning
    length = len(sentence.split())
    # Long sentences cover more by chance; very short ones rarely answer; a sentence about
    # the document itself restates the question.
    shape = 1.0 if t.fit_words[0] <= length <= t.fit_words[1] else t.misfit
    if lead:
        shape *= t.lead  # a lead that brings its whole list answers, not restates
    elif META.search(sentence):
        shape *= t.meta
    wanted = GIVES.get(query.kind) if query.kind else None
    if wanted is not None:
        shape *= t.kind_found if wanted.search(sentence) else t.kind_missing
    if query.scoped:
        shape *= t.period_named if mentions_period(sentence, query) else (
            t.period_passage if in_period else t.period_missing)
    if YES_NO.search(sentence) and not asks_same(query, passage, t.heading_asks):
        shape *= t.yes_elsewhere  # a "yes" to another question reads as a yes to this one
    if _FIELDS.search(sentence) and query.kind is not Kind.DEFINITION:
        shape *= t.table_row  # a table row ("term: ...; expansion: ...") reads badly
    return shape


def _select(candidates: list[Sentence], passages: Sequence[Passage],
            texts: dict[_Position, str], limit: int, keep_first: bool,
            tuning: SentenceTuning) -> list[Sentence]:
    """The best candidates within `limit` words: each with the sentence it leans on, never
    the same fact twice, never one that adds little to what another source said."""
    best = candidates[0].score
    chosen: list[Sentence] = []
    words = 0
    if keep_first:
        opening = next(c for c in candidates if c.passage == 0 and c.position == 0)
        chosen.append(opening)
        words += len(opening.text.split())
    for cand in candidates:
        if cand.score < tuning.keep_within * best:
            break
        if cand in chosen:
            continue
        if not cand.lead and any(_same_fact(cand.stems, c.stems, tuning) for c in chosen):
            continue
        # A sentence from another source that says little the answer has not said is the
        # same fact twice.
        said = frozenset().union(*(c.stems for c in chosen
                                   if passages[c.passage].source
                                   != passages[cand.passage].source)) \
            if chosen else frozenset()
        if said and cand.stems and len(cand.stems - said) < tuning.novelty * len(cand.stems):
            continue
        group = [*_antecedent(cand, texts, chosen), cand]
        size = sum(len(s.text.split()) for s in group)
        if chosen and words + size > limit:
            continue
        chosen.extend(group)
        words += size
        if words >= limit:
            break
    return chosen


def asks_same(query: Query, passage: Passage, holds: float) -> bool:
    """Whether the passage's heading asks (about) what the question asks: it is a question
    holding this share of the question's own weight."""
    heading = passage.heading.last
    return "?" in heading and (not query.terms or query.share(stems_of(heading)) >= holds)


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


def _same_fact(a: frozenset[str], b: frozenset[str], tuning: SentenceTuning) -> bool:
    """Two sentences (often from two sources) that state the same thing."""
    if not a or not b:
        return False
    shared = len(a & b)
    return (shared / len(a | b) >= tuning.same_fact_jaccard
            or shared / min(len(a), len(b)) >= tuning.same_fact_overlap)
