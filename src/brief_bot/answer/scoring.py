"""How much of a question a text holds: the scoring helpers every part of the answer stage
shares (sentences, sets, sections, the evidence behind an abstention)."""

from __future__ import annotations

from ..terms import analyze
from ..types import Query


def stems_of(text: str) -> frozenset[str]:
    """The stems of `text` (a passage's, a heading's), as a set to match a question's terms
    against: the same analyser the index and the question's analysis use."""
    return frozenset(analyze(text))


def share(query: Query, stems: frozenset[str]) -> float:
    """The share of the question's own term weight (not the earlier turn's) that a text with
    `stems` holds: how fully a heading or a title says what the question asks."""
    total = sum(query.terms.values())
    if not total:
        return 0.0
    return sum(query.terms[t] for t in matched(query, stems) if t in query.terms) / total


def matched(query: Query, stems: frozenset[str] | set[str]) -> set[str]:
    """The query's terms (its own and the context's) that a text with `stems` holds, directly
    or through another name of the same glossary term."""
    hits = set()
    for term in (*query.terms, *query.context_terms):
        if term in stems or any(form <= stems for form in query.alternates.get(term, ())):
            hits.add(term)
    return hits
