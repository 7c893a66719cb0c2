"""Which sections and sets of the documents a question means: every unit of the index
(`index.units`) scored by the question's meaning (its vector against the unit's heading path and
lead), by the share of the question's words the unit holds, and by whether search found one of
its passages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..index.reader import Snapshot
from ..types import Filters, Passage, Query, UnitHit

UNIT_HITS = 12  # units handed to the answer stage
# The blend, chosen on the list and section questions of the staff, held-out staff, paraphrase
# and dev sets (the unit holding the answer ranked first most often).
WORDS = 0.5
FOUND = 0.2


def rank_units(snapshot: Snapshot, query: Query, passages: Sequence[Passage],
               filters: Filters | None = None, *,
               limit: int = UNIT_HITS) -> tuple[UnitHit, ...]:
    units = snapshot.units
    if not len(units) or query.vector is None:
        return ()
    dense = units.similarities(np.asarray(query.vector))
    if query.set_vector is not None:
        # A set is what the question lists: the words naming it ("regional blocs") say which.
        named = units.name_similarities(np.asarray(query.set_vector))
        dense = np.where(units.is_set, np.maximum(dense, named), dense)
    weights = query.weights()
    total = sum(weights.values()) or 1.0
    found = {snapshot.section(p).chunk_id for p in passages}
    allowed = snapshot.sources(filters) if filters else None
    hits = []
    for i in np.argsort(-dense)[: max(limit * 8, 64)]:
        unit = units.units[int(i)]
        if allowed is not None and unit.source not in allowed:
            continue
        words = sum(weights[t] for t in query.matched(unit.stems)) / total
        holds = bool(found.intersection(unit.sections))
        score = float(dense[i]) + WORDS * words + FOUND * holds
        hits.append(UnitHit(unit.kind, unit.key, unit.source, frozenset(unit.sections), score,
                            float(dense[i]), words, holds))
    # Units holding a found passage but far down by meaning still count.
    for i, unit in enumerate(units.units):
        if found.intersection(unit.sections) and all(h.key != unit.key for h in hits) and (
                allowed is None or unit.source in allowed):
            words = sum(weights[t] for t in query.matched(unit.stems)) / total
            hits.append(UnitHit(unit.kind, unit.key, unit.source, frozenset(unit.sections),
                                float(dense[i]) + WORDS * words + FOUND, float(dense[i]),
                                words, True))
    return tuple(sorted(hits, key=lambda h: -h.score)[:limit])
