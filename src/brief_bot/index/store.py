"""The vector store: one Chroma collection per index generation.

Embedded (`PersistentClient`, a folder inside the generation) by default, or a `chroma run` server
(`HttpClient`, one collection per generation) when a URL is set. Vectors are always passed in;
the collection's embedding function refuses to run, so Chroma can never fall back to its default
model (which would try to download one).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

COLLECTION_PREFIX = "brief_bot_"
# How a generation's collection is made; a generation built otherwise is rebuilt in full.
# 2: HNSW searched with ef 400, four times the dense depth: with Chroma's default (100, the
#    depth itself) the tail of a 100-deep list was approximate, and each reading process's
#    copy of the store rebuilt its graph a little differently on opening, so two processes
#    could rank the same question's passages differently.
# 3: one entry per distinct text (id: the text's hash), its metadata every filter value of the
#    rows it stands for (`index.vectors`); identical vectors stored many times broke HNSW.
STORE_VERSION = 3
HNSW = {"space": "cosine", "ef_search": 400}


class RefusingEmbeddingFunction:
    """Stands in the place of Chroma's default model; brief-bot always supplies vectors."""

    def __call__(self, input: Any) -> Any:  # noqa: A002 - Chroma's protocol names it so
        raise RuntimeError("brief-bot passes embeddings explicitly; Chroma must not embed")

    @staticmethod
    def name() -> str:
        return "brief_bot_refuse"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> RefusingEmbeddingFunction:
        return RefusingEmbeddingFunction()

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def embed_query(self, input: Any) -> Any:  # noqa: A002
        return self(input)


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def local_client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def http_client(url: str) -> Any:
    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise ValueError(f"BRIEF_BOT_CHROMA_URL is not a URL: {url!r}")
    return chromadb.HttpClient(host=parsed.hostname, port=parsed.port or 8000,
                               ssl=parsed.scheme == "https", settings=_chroma_settings())


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


class ChromaStore:
    def __init__(self, client: Any, name: str, *, create: bool = False) -> None:
        self.client = client
        self.name = name
        ef = RefusingEmbeddingFunction()
        if create:
            self.collection = client.get_or_create_collection(
                name, embedding_function=ef, configuration={"hnsw": dict(HNSW)})
        else:
            self.collection = client.get_collection(name, embedding_function=ef)
        try:
            self._batch = int(client.get_max_batch_size())
        except Exception:  # noqa: BLE001 - older servers do not say; be conservative
            self._batch = 1000

    def count(self) -> int:
        return int(self.collection.count())

    def add(self, ids: Sequence[str], embeddings: np.ndarray,
            metadatas: Sequence[dict[str, Any]]) -> None:
        for part in _batches(len(ids), self._batch):
            self.collection.add(ids=list(ids[part]), embeddings=embeddings[part],
                                metadatas=list(metadatas[part]))

    def delete(self, ids: Sequence[str]) -> None:
        for part in _batches(len(ids), self._batch):
            self.collection.delete(ids=list(ids[part]))

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        ids = list(dict.fromkeys(ids))  # Chroma rejects a request naming an id twice
        found: dict[str, np.ndarray] = {}
        for part in _batches(len(ids), self._batch):
            got = self.collection.get(ids=list(ids[part]), include=["embeddings"])
            for chunk_id, vec in zip(got["ids"], got["embeddings"], strict=True):
                found[chunk_id] = np.asarray(vec, dtype=np.float32)
        return found

    def query(self, vector: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) best first."""
        got = self.collection.query(query_embeddings=[vector], n_results=n, where=where,
                                    include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0],
                                                     strict=True)]

    def close(self) -> None:
        # Server collections outlive us; the embedded client holds file handles.
        with contextlib.suppress(Exception):
            self.client.close()


# --- native memory: Chroma's clients free what they used, glibc must give it back ----------

_libc: Any = None
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
HEAP_ARENAS = 2


def _glibc() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL("libc.so.6")
    return _libc


def limit_heap_arenas() -> None:
    """At most `HEAP_ARENAS` malloc arenas in this process, from now on (called by every
    process that opens generations: the answering processes, and a writer in the page).

    Each Chroma client (one per generation) works on its own native threads, and glibc gives
    threads arenas of their own, up to eight per core: a generation's memory, freed when it is
    closed, stays behind in arenas the next one's threads do not reuse. Measured on one
    generation opened and closed 150 times: +20 MB with glibc's default, +2.5 MB with two
    arenas. Answering holds the GIL, so more arenas would buy it little speed.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        _glibc().mallopt(_M_ARENA_MAX, HEAP_ARENAS)


def release_memory() -> None:
    """Hand the memory a closed generation freed back to the system.

    A generation's rows, keyword index and Chroma's native structures are freed when it is
    closed, but glibc keeps freed pages for reuse, and the next generation's allocations
    seldom fit them. Collecting the cycles (bm25s and Chroma hold some) and trimming the heap
    after each close keeps an answering process flat across index switches
    (`benchmarks/bench_switch.py`; it grew about 1.2 MB a switch before). A switch is rare,
    so the few milliseconds this costs do not matter.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        _glibc().malloc_trim(0)
