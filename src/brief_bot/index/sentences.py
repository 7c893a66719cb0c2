"""Every sentence of the chunks, with a vector made at index time, so an answer can choose its
sentences by what they mean as well as by the words they share with the question ("when did the
ITU get started" is answered by "The ITU was founded on 17 May 1865 in Paris").

A sentence's vector is pooled from the states of its tokens while its chunk is embedded (the
mean of the sentence's tokens, read in the context of the whole chunk: "late chunking"), so it
costs no pass of the model of its own. Only a sentence the chunk's window cut off, or one whose
chunk kept its vector from an index made before sentence vectors, is embedded by itself.

A generation holds `sentence-keys.npy` (a 64-bit hash of each distinct sentence, sorted) and
`sentences.npy` (their vectors, float16, in the same order). Sentences are split as answers split
them (`corpus.structure.split_sentences` over each chunk's text), so a lookup by the sentence's
text finds it. A sentence the generation before already held keeps its vector: an unchanged
corpus embeds none, and a changed file only its new sentences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.chunking import clean_for_models
from ..corpus.structure import split_sentences

# Bump when what is embedded changes: the next update embeds every sentence again.
SENTENCES_VERSION = 2
KEYS = "sentence-keys.npy"
VECTORS = "sentences.npy"
# A sentence shorter than this says too little to be matched by meaning ("Yes.", "Dates:").
MIN_WORDS = 4


def sentence_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(),
                          "little")


def sentences_of(texts: Iterable[str]) -> dict[int, str]:
    """The distinct sentences of `texts` (chunk texts) worth a vector, by key."""
    found: dict[int, str] = {}
    for text in texts:
        for sentence in split_sentences(text):
            if len(sentence.split()) >= MIN_WORDS:
                found.setdefault(sentence_key(sentence), sentence)
    return found


def pool(model_text: str, body: str, states: np.ndarray,
         offsets: Sequence[tuple[int, int]]) -> dict[int, np.ndarray]:
    """The vectors of the sentences of `body` (a chunk's text) from the token `states` of
    `model_text` (what the model read: its heading and the cleaned body) and their character
    `offsets`; a sentence whose tokens are not all inside the window is left out."""
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts  # the special tokens have no characters
    last = int(ends[real].max()) if real.any() else 0
    found: dict[int, np.ndarray] = {}
    at = 0
    for sentence in split_sentences(body):
        if len(sentence.split()) < MIN_WORDS:
            continue
        cleaned = clean_for_models(sentence).strip()
        start = model_text.find(cleaned[:40], at)
        if start < 0:
            continue
        end, at = start + len(cleaned), start
        if end > last:
            break  # cut off by the window: embedded by itself
        inside = real & (starts >= start) & (ends <= end)
        if inside.any():
            vector = states[inside].mean(axis=0)
            found.setdefault(sentence_key(sentence),
                             vector / max(float(np.linalg.norm(vector)), 1e-12))
    return found


class SentenceVectors:
    """A generation's sentence vectors, read-only, looked up by the sentence's text."""

    def __init__(self, gen_dir: Path | None) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.vectors: np.ndarray = np.zeros((0, 1), dtype=np.float16)
        if gen_dir is not None and (gen_dir / VECTORS).is_file():
            try:
                keys = np.load(gen_dir / KEYS)
                vectors = np.load(gen_dir / VECTORS, mmap_mode="r")
            except (OSError, ValueError):
                return  # a damaged file: answers fall back to words alone
            if len(keys) == len(vectors):
                self.keys, self.vectors = keys, vectors

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, its row and whether it is there."""
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        at = np.searchsorted(self.keys, keys).clip(0, len(self.keys) - 1)
        return at, self.keys[at] == keys

    def similarities(self, vector: Any, texts: Sequence[str]) -> list[float | None]:
        """Cosine similarity of each sentence to `vector` (None for one without a vector)."""
        if not len(self.keys) or vector is None or not texts:
            return [None] * len(texts)
        at, found = self.lookup(np.array([sentence_key(t) for t in texts], dtype=np.uint64))
        sims = np.asarray(self.vectors[at], dtype=np.float32) @ np.asarray(vector, np.float32)
        return [float(s) if ok else None for s, ok in zip(sims, found, strict=True)]


def missing(texts: Iterable[str], old: SentenceVectors, fresh: dict[int, Any]) -> dict[int, str]:
    """The sentences of `texts` that neither `old` (the generation before) nor `fresh` (this
    run's) has a vector for."""
    found = sentences_of(texts)
    keys = np.array(list(found), dtype=np.uint64)
    _, held = old.lookup(keys)
    return {k: found[k] for k, ok in zip(found, held, strict=True)
            if not ok and k not in fresh}


def write_sentences(gen_dir: Path, rows: Sequence[dict[str, Any]], old: SentenceVectors,
                    fresh: dict[int, np.ndarray], dimensions: int) -> int:
    """Write the generation's sentence vectors, each kept from `old` or embedded by this run
    (`fresh`); returns how many of its sentences have neither (none, once the run prepared)."""
    found = sorted(sentences_of(r["text"] for r in rows))
    keys = np.array(found, dtype=np.uint64)
    at, held = old.lookup(keys)
    matrix = np.zeros((len(keys), dimensions), dtype=np.float16)
    if held.any():
        matrix[held] = old.vectors[at[held]]
    keep = held.copy()
    for i in np.flatnonzero(~held):
        vector = fresh.get(int(keys[i]))
        if vector is not None:
            matrix[i] = vector
            keep[i] = True
    np.save(gen_dir / KEYS, keys[keep])
    np.save(gen_dir / VECTORS, matrix[keep])
    return int((~keep).sum())
