"""The search stage: hybrid retrieval over one index generation.

Dense search (Chroma, the bundled MiniLM) and keyword search (bm25s) are fused by weighted
reciprocal rank, after expanding ITU jargon from the glossary. Metadata filters reach both.
Superseded documents are pushed down unless the question asks for them. Adjacent chunks of one
section are merged into one passage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..config import RetrievalSettings
from ..index.embedding import Embedder
from ..index.outline import rows_passage
from ..index.reader import Snapshot
from ..types import Filters, Kind, Passage, Query


class HybridRetriever:
    """Dense + BM25, fused by weighted reciprocal rank; the knobs are settings."""

    def __init__(self, *, settings: RetrievalSettings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder

    def search(self, snapshot: Snapshot, query: Query, *, k: int,
               filters: Filters | Mapping[str, Any] | None = None, mode: str = "hybrid",
               expand: bool | None = None, feedback: bool | None = None) -> list[Passage]:
        """Top-k passages. `mode` is hybrid, dense or keyword; `expand` and `feedback` default
        to the settings (glossary expansion; one round of pseudo-relevance feedback)."""
        s = self.settings
        expand = s.expand_queries if expand is None else expand
        feedback = s.feedback_docs > 0 if feedback is None else feedback
        # The analysis wrote the expansion; retrieval only chooses whether to read it.
        expanded = query.expanded if expand else query.search_text
        filters = Filters.parse(filters)
        snapshot.check(filters)
        mask = snapshot.mask(filters)
        if mask is not None and not mask.any():
            return []
        where = snapshot.where(filters)
        vector = None
        dense_hits: list[tuple[int, float]] = []
        if mode in ("hybrid", "dense"):
            # The analysis embedded the search text already (with the question, in one call).
            vector = query.search_vector if expand and query.search_vector is not None \
                else self.embedder.embed_query(expanded)
            dense_hits = self._dense(snapshot, vector, where, mask)
        keyword_hits: list[tuple[int, float]] = []
        if mode in ("hybrid", "keyword"):
            keyword_hits = snapshot.keyword.search(expanded, s.keyword_depth, mask)
        scores = fuse([dense_hits, keyword_hits], [s.dense_weight, s.keyword_weight], s.rrf_k)
        dense_sim = dict(dense_hits)  # first-round similarity: the abstention evidence
        # Feedback pays on long, descriptive queries (vocabulary mismatch) and costs precision
        # on short, pointed ones; measured both ways in benchmarks/bench_retrieval.py.
        long_query = len(query.terms) + len(query.context_terms) >= s.feedback_min_terms
        if feedback and long_query and mode == "hybrid" and scores and vector is not None:
            scores = self._feedback(snapshot, query, expanded, vector, scores, where, mask)
        wants_definition = query.kind is Kind.DEFINITION
        named = snapshot.headings_naming(query) if s.heading_boost > 1 else set()
        for row in named & scores.keys():
            scores[row] *= s.heading_boost
        for row, score in list(scores.items()):
            if snapshot.rows[row]["doc_type"] in query.doc_types:
                scores[row] = score = score * s.doc_type_boost
            if snapshot.rows[row]["status"] == "superseded" and not query.wants_old:
                scores[row] = score * s.superseded_penalty
            if snapshot.rows[row]["doc_type"] == "glossary" and not wants_definition:
                scores[row] = scores[row] * s.glossary_penalty
        ranked = sorted(scores, key=lambda r: -scores[r])
        if s.keep_list_tops and mode == "hybrid":
            ranked = keep_list_tops(ranked, [dense_hits, keyword_hits],
                                    min(k, LIST_TOPS_WITHIN))
        return merge_adjacent(snapshot.rows, ranked, scores, dense_sim, k)

    def _dense(self, snapshot: Snapshot, vector: np.ndarray, where: dict[str, Any] | None,
               mask: np.ndarray | None) -> list[tuple[int, float]]:
        depth = self.settings.dense_depth
        found = snapshot.store.query(vector, min(depth, len(snapshot.rows_of_vector)), where)
        # One vector stands for every row with its text: each row takes its own rank, and the
        # mask keeps the rows the filters match (`where` may also find an entry whose rows
        # match the filters only between them).
        hits = [(row, sim) for i, sim in found for row in snapshot.rows_of_vector.get(i, ())
                if mask is None or mask[row]]
        return hits[:depth]

    def _feedback(self, snapshot: Snapshot, query: Query, text: str, vector: np.ndarray,
                  scores: dict[int, float], where: dict[str, Any] | None,
                  mask: np.ndarray | None) -> dict[int, float]:
        """Pseudo-relevance feedback from the first round's best chunks: their strongest
        terms join the keyword query (RM3-style), their mean vector joins the dense one
        (Rocchio). Measured in benchmarks/bench_retrieval.py; costs one more search of each."""
        s = self.settings
        top = sorted(scores, key=lambda r: -scores[r])[: s.feedback_docs]
        weights: dict[str, float] = {}
        for row in top:
            r = snapshot.rows[row]
            stems = snapshot.keyword.analyze(f"{r['title']} {r['section']} {r['text']}")
            for stem, count in Counter(stems).items():
                weights[stem] = weights.get(stem, 0.0) + count / len(stems) * scores[row]
        asked = query.expanded_stems
        terms = sorted((t for t in weights if t not in asked),
                       key=lambda t: -weights[t] * snapshot.keyword.idf(t))[: s.feedback_terms]
        keyword_hits = snapshot.keyword.search(f"{text} {' '.join(terms)}", s.keyword_depth,
                                               mask)
        vectors = snapshot.store.embeddings([snapshot.vector_of(r) for r in top])
        if vectors:
            centroid = np.mean(list(vectors.values()), axis=0)
            vector = vector + s.feedback_weight * centroid
            vector = vector / (np.linalg.norm(vector) or 1.0)
        dense_hits = self._dense(snapshot, vector, where, mask)
        second = fuse([dense_hits, keyword_hits], [s.dense_weight, s.keyword_weight], s.rrf_k)
        # The first round keeps a say: feedback can drift from a precise question.
        merged = {r: v * s.feedback_share for r, v in second.items()}
        for row, value in scores.items():
            merged[row] = merged.get(row, 0.0) + value
        return merged


def fuse(rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float],
         rrf_k: int) -> dict[int, float]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank) over the lists."""
    scores: dict[int, float] = {}
    for hits, weight in zip(rankings, weights, strict=True):
        for rank, (row, _) in enumerate(hits, start=1):
            scores[row] = scores.get(row, 0.0) + weight / (rrf_k + rank)
    return scores


# Each list's first chunk is kept within this many: the passages of an answer (the default k),
# whatever depth the caller searches to.
LIST_TOPS_WITHIN = 5


def keep_list_tops(ranked: list[int], lists: Sequence[Sequence[tuple[int, float]]],
                   k: int) -> list[int]:
    """Each search list's first chunk stays among the top k: a chunk one list is sure of and
    the other never found would otherwise sink below chunks both lists half-like."""
    top = ranked[:k]
    missing = list(dict.fromkeys(h[0][0] for h in lists if h and h[0][0] not in top))
    if not missing:
        return ranked
    chosen = top[: max(0, k - len(missing))] + missing
    taken = set(chosen)
    return chosen + [r for r in ranked if r not in taken]


def merge_adjacent(rows: list[dict[str, Any]], ranked: list[int], scores: dict[int, float],
                   dense_sim: dict[int, float], k: int) -> list[Passage]:
    """Top-k passages; a hit's neighbour in the same section joins it instead of taking a slot."""
    taken: dict[int, int] = {}
    groups: list[list[int]] = []
    for row in ranked:
        if row in taken:
            continue
        here = rows[row]
        joined = None
        for neighbour in (row - 1, row + 1):
            if neighbour in taken:
                other = rows[neighbour]
                if other["source"] == here["source"] and other["section"] == here["section"] \
                        and other["page"] == here["page"]:
                    joined = taken[neighbour]
                    break
        if joined is not None and len(groups[joined]) < 3:
            groups[joined].append(row)
            taken[row] = joined
            continue
        if len(groups) >= k:
            continue
        taken[row] = len(groups)
        groups.append([row])
    return [rows_passage(rows, sorted(group), scores, dense_sim) for group in groups]
