"""Question analysis: one reading of a question, before search and answer.

The result, a `types.Query`, says what the question is about (its weighted terms, and the other
names of the jargon it uses), what shape of answer it wants (`shape`: a list, one item, a date,
a person...), what narrows it (`scope`: a year, a month, a forum, a kind of document), whether
it leans on the previous turn, and what retrieval reads (the expanded text). The text is read
once (`reading.read`: shorthand, stems, glossary terms and forums); search and answer read the
`Query`, never the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..dates import period_in
from ..terms import analyze
from ..types import Query, Shape
from .history import last_exchange
from .meaning import Meaning, decide_shape
from .reading import (
    QUESTION_WORDS,
    Reading,
    Vocabulary,
    alternates,
    expansion,
    names_in,
    plain_words,
    read,
)
from .scope import anchor_in, beyond_horizon, scope, unknown_names, unseen_subjects
from .shape import asked_for, wants_old, wants_quote

# A follow-up opens like one, or points back without naming anything itself.
_OPENER = re.compile(r"^\s*(and|but|also|so|then|or|plus|what about|how about|what else|"
                     r"same for|and what about|anything else)\b", re.I)
_BACKREF = re.compile(r"\b(it|its|it's|they|them|their|theirs|that one|those|these|this one|"
                      r"he|she|him|her|his|there|the same)\b", re.I)


def is_follow_up(question: str, previous: Reading | None, names: Sequence[str],
                 terms: Mapping[str, float]) -> bool:
    """Whether `question` leans on the previous turn: it opens like a continuation, names
    nothing the corpus knows and points back or is too thin to stand alone, or names only
    what the previous turn named and little else ("What did the Secretary-General say?" after
    a question about a letter to the Secretary-General)."""
    if previous is None:
        return False
    if _OPENER.search(question):
        return True
    if names:
        return _only_known(names, previous.names) and len(terms) <= BARE_REFERENCE_TERMS
    return bool(_BACKREF.search(question)) or len(terms) <= 2


# A question naming only what the previous one named, with at most this many terms in all,
# points back to it.
BARE_REFERENCE_TERMS = 4


def _only_known(names: Sequence[str], before: Sequence[str]) -> bool:
    known = {n.lower() for n in before}
    return bool(known) and all(n.lower() in known for n in names)


def is_dangling(question: str, previous: str | None, names: Sequence[str],
                terms: Mapping[str, float], vocabulary: Vocabulary) -> bool:
    """"and who didn't sign?" with nothing before it: what it points back to is unknown."""
    return not previous and not names and len(terms) <= 2 and bool(
        _OPENER.search(question) or _BACKREF.search(question)) and not (
        # "What about Melbourne?", "what about zorblat?": it names something of its own.
        re.search(r"(?<!^)\b[A-Z][a-z]+", question.strip())
        or any(vocabulary.df(t) and vocabulary.df(t) <= 3 for t in terms))


@dataclass(frozen=True)
class _Context:
    """What a follow-up takes from the turn before it."""

    previous: str | None  # that turn, as the search reads it
    search_text: str
    terms: dict[str, float]
    spans: tuple[Any, ...]  # glossary terms of the search text, the earlier turn's first
    names: tuple[str, ...]


def _context(question: Reading, before: Reading | None, answer: str | None,
             names: tuple[str, ...], terms: Mapping[str, float],
             vocabulary: Vocabulary) -> _Context:
    if before is None:
        return _Context(None, question.text, {}, question.spans, names)
    if names and not _only_known(names, before.names):
        # "what about at the WTDC?" after a question on the Plenipot: the new name takes the
        # old one's place; the rest of the earlier question still applies.
        kept, spans = before.without_names, question.spans
    else:
        kept, spans = before.text, before.spans + question.spans
        names = tuple(dict.fromkeys((*names, *before.names)))
    # "he", "she": the person the answer named ("Houlin Zhao") is who the question means.
    subjects = answer_people(answer) if answer and _PERSONAL.search(question.text) else ""
    kept = f"{kept} {subjects}".strip()
    context = {t: vocabulary.idf(t) for t in analyze(plain_words(kept))
               if t not in QUESTION_WORDS and t not in terms}
    return _Context(kept, f"{kept} {question.text}", context, spans, names)


_PERSONAL = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.I)
# A person's name: two or three capitalised words ("Houlin Zhao", "Malcolm Johnson").
_PERSON = re.compile(r"(?<![A-Za-z-])[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2}(?![A-Za-z-])")
ANSWER_OPENING = 300  # characters of the previous answer whose names a follow-up may mean


def answer_people(answer: str, glossary_words: frozenset[str] = frozenset()) -> str:
    """The people the previous answer opens with, as text for the search to read."""
    opening = re.sub(r"\[\d+\]|[*_>#]", " ", answer)[:ANSWER_OPENING]
    return " ".join(dict.fromkeys(_PERSON.findall(opening)))


def analyse(question: str, history: Sequence[Any], vocabulary: Vocabulary,
            meaning: Meaning | None = None) -> Query:
    """The one analysis of a question that search and answer share; with `meaning` (the
    model), its vectors and the shape its nearest worded examples vote for too."""
    question = " ".join(question.split())
    previous, answer = last_exchange(history)
    before = read(previous, vocabulary) if previous else None
    reading = read(question, vocabulary)
    terms = reading.content_terms(vocabulary)
    names = reading.names
    follow_up = is_follow_up(question, before, names, terms)
    context = _context(reading, before if follow_up else None, answer, names, terms,
                       vocabulary)
    years, months = scope(reading.plain)
    period = period_in(reading.plain, vocabulary.horizon)
    if period is not None:
        # A stretch of months reads as its months and years, as single ones do.
        months = tuple(sorted({*months, *period.months()}))
        years = tuple(sorted({*years, *(y for y, _ in period.months())}))
    anchor = anchor_in(question, lambda text: names_in(text, vocabulary))
    asked = asked_for(reading.plain, context.names, terms,
                      bool(years or months or period or anchor), vocabulary)
    expanded = expansion(context.search_text, context.spans, vocabulary.glossary)
    vector = search_vector = set_vector = None
    votes: dict[Shape, float] = {}
    if meaning is not None:
        vector, search_vector, set_vector = meaning.vectors(question, expanded, asked.set_phrase)
        votes = meaning.votes(vector)
    numbers = frozenset(re.findall(r"\d+", question))
    shape = decide_shape(asked.shape, asked.kind, votes, ordinal=asked.ordinal,
                         set_nouns=asked.set_nouns)
    own_weights = {**{t: 0.5 * w for t, w in context.terms.items()}, **terms}
    return Query(
        text=question, search_text=context.search_text, terms=terms,
        expanded=expanded, expanded_stems=frozenset(analyze(expanded)),
        stems=frozenset(analyze(question)), previous=context.previous,
        context_terms=context.terms, alternates=alternates(context.spans),
        follow_up=follow_up, names=context.names,
        name_stems=frozenset(t for name in context.names for t in analyze(name)),
        shape=shape, kind=asked.kind, set_nouns=asked.set_nouns, about=asked.about,
        ordinal=asked.ordinal, numbers=numbers,
        years=years, months=months, period=period, anchor=anchor, doc_types=asked.doc_types,
        wants_old=wants_old(question), wants_quote=wants_quote(question),
        unknown=unknown_names(question, reading.words.subjects, list(dict.fromkeys(
            [*years, *(y for y, _ in months)])), vocabulary),
        unseen=unseen_subjects(own_weights, reading.words.subjects, vocabulary),
        unseen_rare=unseen_subjects(own_weights, [w for w in reading.words.subjects
                                                  if w not in reading.words.familiar],
                                    vocabulary),
        beyond=beyond_horizon(question, vocabulary), horizon=vocabulary.horizon,
        dangling=is_dangling(question, previous, names, terms, vocabulary),
        vector=vector, search_vector=search_vector, set_vector=set_vector, shape_votes=votes,
        set_phrase=asked.set_phrase,
    )
