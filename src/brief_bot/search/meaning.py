"""A question by meaning: its vectors, and its shape by its nearest worded examples.

The examples (`search.exemplars`) are embedded once, with the model the index uses; a question
takes the shape its nearest examples vote for, each vote weighted by similarity. Lexical signals
stay where they are sure (an ordinal or an item's number, a year, a plural noun that names the
set asked for): `decide_shape` combines both.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from ..index.embedding import Embedder
from ..types import Kind, Shape
from .exemplars import labelled

NEAREST = 7  # examples that vote
# The shape the examples vote for most, with at least this share of the nearest examples'
# similarity, is taken when the word rules found no surer sign (chosen on the staff, held-out staff,
# paraphrase and dev sets; `benchmarks/eval_sets.py`).
ITEM_VOTE = 0.4
LIST_VOTE = 0.35
SECTION_VOTE = 0.6


class Meaning:
    """The embedder and the examples' vectors, made once per process (lazily)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._examples: tuple[np.ndarray, list[Shape]] | None = None
        self._lock = threading.Lock()

    def vectors(self, *texts: str) -> list[np.ndarray | None]:
        """The vectors of the question's texts (itself, the search text, the set it names),
        in one call of the encoder; None for an empty text, one vector for a repeated one."""
        distinct = list(dict.fromkeys(t for t in texts if t))
        matrix = self.embedder.embed_queries(distinct) if distinct else np.zeros((0, 1))
        found = {t: matrix[i] for i, t in enumerate(distinct)}
        return [found.get(t) if t else None for t in texts]

    def votes(self, vector: np.ndarray) -> dict[Shape, float]:
        """Each shape's share of the similarity of the question's nearest examples."""
        matrix, shapes = self._exemplars()
        sims = matrix @ vector
        nearest = np.argsort(-sims)[:NEAREST]
        votes = dict.fromkeys(Shape, 0.0)
        for i in nearest:
            votes[shapes[i]] += max(0.0, float(sims[i]))
        total = sum(votes.values()) or 1.0
        return {shape: v / total for shape, v in votes.items()}

    def _exemplars(self) -> tuple[np.ndarray, list[Shape]]:
        if self._examples is None:
            with self._lock:
                if self._examples is None:
                    rows = labelled()
                    matrix = self.embedder.embed_documents([q for q, _, _ in rows])
                    self._examples = (matrix, [shape for _, shape, _ in rows])
        return self._examples


def decide_shape(rule: Shape, kind: Kind | None, votes: Mapping[Shape, float], *,
                 ordinal: int | None, set_nouns: tuple[str, ...]) -> Shape:
    """The shape from the word rules' reading and the examples' votes: a sure lexical sign
    first (an ordinal, an item's number, a set noun with a listing word), then the votes, then
    the rules."""
    if ordinal or (rule is Shape.ITEM and not set_nouns):
        return Shape.ITEM  # an item by its number or place, or agreed wording by its name
    if rule in (Shape.LIST, Shape.HOW, Shape.PERIOD) and (set_nouns or rule is Shape.PERIOD):
        return rule
    if not votes:
        return rule
    top = max(votes, key=lambda shape: votes[shape])
    if top is Shape.ITEM and votes[top] >= ITEM_VOTE:
        return Shape.ITEM
    if kind is None and top is Shape.LIST and votes[top] >= LIST_VOTE:
        return Shape.LIST
    if kind is None and top is Shape.SECTION and votes[top] >= SECTION_VOTE:
        return Shape.SECTION
    return rule
