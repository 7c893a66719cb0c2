"""A text's stems, as the answer stage matches them against the question (`Query.matched` and
`Query.share` say how much of the question a text holds)."""

from __future__ import annotations

from ..terms import analyze


def stems_of(text: str) -> frozenset[str]:
    """The stems of `text` (a passage's, a heading's), as a set to match a question's terms
    against: the same analyser the index and the question's analysis use."""
    return frozenset(analyze(text))
