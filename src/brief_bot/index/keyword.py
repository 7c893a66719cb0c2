"""Keyword (BM25) search over chunks, with bm25s and a Snowball stemmer.

Built by the index stage and saved inside each generation, so the tokenizer and vocabulary used to
answer a query are exactly those the generation was built with.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..terms import analyze, bm25_tokenizer

# bm25s reports every load and save through tqdm and logging: quiet in a server.
logging.getLogger("bm25s").setLevel(logging.WARNING)

K1, B = 1.2, 0.75


class KeywordIndex:
    def __init__(self, retriever: object, tokenizer: object, size: int) -> None:
        self._retriever = retriever
        self._tokenizer = tokenizer
        self.size = size
        self._df: np.ndarray | None = None
        self._by_initial: dict[str, list[str]] | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        import bm25s

        tokenizer = bm25_tokenizer()
        tokens = tokenizer.tokenize(list(texts), update_vocab=True, return_as="tuple",  # type: ignore[attr-defined]
                                    show_progress=False)
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(tokens, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(directory), show_progress=False)  # type: ignore[attr-defined]
        self._tokenizer.save_vocab(str(directory))  # type: ignore[attr-defined]
        (directory / "size").write_text(str(self.size))

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        tokenizer = bm25_tokenizer()
        tokenizer.load_vocab(str(directory))  # type: ignore[attr-defined]
        return cls(retriever, tokenizer, int((directory / "size").read_text()))

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) best first; rows outside `mask` (a 0/1 array) never come back."""
        if self.size == 0:
            return []
        ids = self._tokenizer.tokenize([query], update_vocab=False, return_as="ids",  # type: ignore[attr-defined]
                                       show_progress=False)
        if not ids or not ids[0]:
            return []
        k = min(k, self.size)
        docs, scores = self._retriever.retrieve(  # type: ignore[attr-defined]
            ids, k=k, show_progress=False, n_threads=1,
            weight_mask=None if mask is None else mask.astype(np.float32),
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    # --- term statistics, for choosing answer sentences without another model -------------

    def analyze(self, text: str) -> list[str]:
        """Stems of the words in `text`, as the index sees them (stopwords dropped)."""
        return analyze(text)

    def df(self, stem: str) -> int:
        """How many chunks hold the stem (0: the index has never seen it)."""
        if self._df is None:
            indptr = np.asarray(self._retriever.scores["indptr"])  # type: ignore[attr-defined]
            self._df = np.diff(indptr)
        sid = self._tokenizer.stem_to_sid.get(stem)  # type: ignore[attr-defined]
        return int(self._df[sid]) if sid is not None and sid < len(self._df) else 0

    def near(self, stem: str) -> str | None:
        """A stem the index holds that `stem` is probably a misspelling of, if any."""
        from rapidfuzz import fuzz, process

        if self._by_initial is None:
            grouped: dict[str, list[str]] = {}
            for known in self._tokenizer.stem_to_sid:  # type: ignore[attr-defined]
                grouped.setdefault(known[:1], []).append(known)
            self._by_initial = grouped
        # Same first letter and a similar length: a typo, not another word.
        pool = [k for k in self._by_initial.get(stem[:1], ()) if abs(len(k) - len(stem)) <= 2]
        found = process.extractOne(stem, pool, scorer=fuzz.ratio,
                                   score_cutoff=80 if len(stem) > 5 else 85)
        return found[0] if found else None

    def idf(self, stem: str) -> float:
        """Inverse document frequency of a stem; unseen stems count as rare."""
        df = self.df(stem)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))
