"""A generation's vector store: one entry per distinct text the model reads, written and checked.

Chunks with the same text (a page repeated in a PDF, a phrase repeated down a CSV column, one
boilerplate section in many files) have the same vector. Each such text is one Chroma entry,
whose id is the text's hash (`row["hash"]`); every row of the chunk table (every place the text
came from) names it. Identical vectors stored many times made the HNSW graph lose some of them
and crowd out others (a file of 258 chunks with 5 distinct texts failed every build; 300 copies
pushed a curated chunk out of its own top 10).

An entry's metadata holds every filter value any of its places has, one boolean key each
(`doc_type:briefing`, `forum:PP-14`, `source:notes.md`): Chroma takes scalars only. A filter
on one key then finds exactly the entries with a matching place; a filter on several keys may
also find an entry whose places match them only between them, which the reader's row mask
takes out. Nothing that matches is ever missed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..config import IndexSettings
from ..types import FILTER_KEYS
from .generations import Generation, IndexStateError, open_store
from .store import ChromaStore, local_client

# Entries whose stored vector is searched for, by that vector, after a write: spread over what
# was written (the first and the last included). Each is one query; all are read back by id.
SEARCHED = 16


def vector_id(row: Mapping[str, Any]) -> str:
    """The store entry holding a row's vector: its text's hash."""
    return str(row["hash"])


def entry_metadata(rows: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """The filter values of every place one entry stands for, as `key:value` booleans."""
    meta: dict[str, bool] = {}
    for row in rows:
        for key in FILTER_KEYS:
            value = row.get(key)
            for item in value if isinstance(value, list | tuple) else [value]:
                if item not in (None, ""):
                    meta[f"{key}:{item}"] = True
    return meta


def entries(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, bool]]:
    """Entry id -> metadata, in the order of each text's first row."""
    places: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        places.setdefault(vector_id(row), []).append(row)
    return {key: entry_metadata(group) for key, group in places.items()}


def write_vectors(*, settings: IndexSettings, current: Generation | None, gen_dir: Path,
                  collection: str, old_rows: Sequence[Mapping[str, Any]],
                  rows: Sequence[Mapping[str, Any]], vectors: Mapping[str, np.ndarray],
                  copy: bool) -> str:
    """The generation's store for `rows`: the previous store copied with the changes applied
    (`copy`), or a fresh collection. `vectors` holds every vector the previous store lacks.
    Returns the collection's name; raises IndexStateError if the result fails its check."""
    wanted = entries(rows)
    if copy and current is not None:
        shutil.copytree(current.path / "chroma", gen_dir / "chroma")
        collection = current.collection
        store = ChromaStore(local_client(gen_dir / "chroma"), collection)
        had = entries(old_rows)
        # An entry whose places changed is written again: its metadata with them.
        changed = [key for key in had if wanted.get(key) != had[key]]
        add = [key for key in wanted if had.get(key) != wanted[key]]
        carried = store.embeddings([key for key in add if key in had and key not in vectors])
        store.delete(changed)
    else:
        store = open_store(settings, gen_dir, collection, create=True)
        add = list(wanted)
        carried = _carried(settings, current, [key for key in add if key not in vectors])
    try:
        written = {key: vectors[key] if key in vectors else carried[key] for key in add}
        if add:
            store.add(add, np.stack([written[key] for key in add]),
                      [wanted[key] for key in add])
        verify(store, len(wanted), written)
    except KeyError as exc:
        raise IndexStateError(f"no vector for stored text {exc}: the new generation was "
                              "discarded; run `brief-bot index --rebuild`") from None
    finally:
        store.close()
    return collection


def _carried(settings: IndexSettings, current: Generation | None,
             keys: list[str]) -> dict[str, np.ndarray]:
    """Vectors the previous generation's store holds, for a fresh store."""
    if not keys:
        return {}
    if current is None:
        raise IndexStateError("vectors missing for a fresh store and no previous generation "
                              "to take them from; run `brief-bot index --rebuild`")
    old = open_store(settings, current.path, current.collection)
    try:
        return old.embeddings(keys)
    finally:
        old.close()


def verify(store: ChromaStore, expected: int, written: Mapping[str, np.ndarray]) -> None:
    """What was written is what the store holds: as many entries as distinct texts, each entry
    written now read back by its id with its vector, and some of them found by their own
    vector (its nearest neighbour is itself, or an entry with the very same vector: two texts
    the model cannot tell apart). Under load the store has once answered a query before a new
    vector was searchable (a clean-clone CI run): it is asked again for a few seconds."""
    count = store.count()
    if count != expected:
        raise IndexStateError(f"vector store holds {count} entries, expected {expected}: "
                              "the new generation was discarded")
    if not written:
        return
    keys = list(written)
    stored = store.embeddings(keys)
    missing = [key for key in keys if key not in stored]
    present = [key for key in keys if key in stored]
    close = np.isclose(np.stack([stored[key] for key in present]),
                       np.stack([written[key] for key in present]), atol=1e-4).all(axis=1) \
        if present else np.ones(0, dtype=bool)
    bad = missing + [key for key, ok in zip(present, close, strict=True) if not ok]
    if bad:
        raise IndexStateError(f"vector store failed its read-back check ({len(bad)} of "
                              f"{len(keys)} new entries missing or altered): the new "
                              "generation was discarded")
    picks = sorted({round(i * (len(keys) - 1) / max(1, SEARCHED - 1)) for i in range(SEARCHED)})
    deadline = time.monotonic() + 2.0
    for key in (keys[i] for i in picks):
        while not _finds_itself(store, key, written[key], count):
            if time.monotonic() > deadline:
                raise IndexStateError("vector store failed its read-back check (an entry is "
                                      "not found by its own vector): the new generation was "
                                      "discarded")
            time.sleep(0.2)


def _finds_itself(store: ChromaStore, key: str, vector: np.ndarray, count: int) -> bool:
    hits = store.query(vector, min(count, 10))
    if not hits:
        return False
    top = hits[0][1]
    return any(found == key for found, sim in hits if sim >= top - 1e-4) or (
        top >= 1 - 1e-4 and all(sim >= 1 - 1e-4 for _, sim in hits))
