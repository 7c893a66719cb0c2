"""The index's read side: open the serving generation, follow the pointer, close what is replaced.

`LiveIndex` hands out `Snapshot`s (one generation opened read-only: its chunk rows, keyword
index, vector store, glossary and heading outline). A rebuild in another process switches the
pointer; the next question opens the new generation, and the old one is closed as soon as no
question is using it, so an answering process holds one or two generations open, never more.
Nothing here writes: the writer is `index.update`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..config import IndexSettings
from ..dates import year_named
from ..headings import SECTION_LABEL, HeadingPath
from ..types import FILTER_KEYS, FilterError, Filters, Passage, Query
from .generations import (
    CHUNKS,
    DamagedIndexError,
    Generation,
    IndexStateError,
    NoIndexError,
    current_generation,
    open_store,
    read_chunks,
    read_pointer,
)
from .glossary import Glossary
from .keyword import KeywordIndex
from .lexicon import Lexicon
from .outline import Outline, rows_passage
from .sentences import SentenceVectors
from .store import ChromaStore, limit_heap_arenas, local_client, release_memory
from .units import Units

# Inside a generation: each reading process's own copy of its vector store.
READERS = "readers"
# Generations whose store has one entry per distinct text (older ones: one per row).
SHARED_VECTORS = 3


# A name and a number, as events and sessions are written ("WRC-15", "Council 2016", "PP14").
_NAME_NUMBER = re.compile(r"(?<![a-z0-9+])([a-z][a-z+]{1,15})[ -]?(\d{2,4})(?![0-9])")


class Snapshot:
    """One generation, opened read-only: rows, keyword index, vector store, glossary."""

    def __init__(self, settings: IndexSettings, generation: Generation) -> None:
        self.generation = generation
        self.name, self.path, self.manifest = generation.name, generation.path, \
            generation.manifest
        if not (self.path / CHUNKS).is_file():
            raise IndexStateError(f"index generation {self.path} is incomplete; "
                                  "run `brief-bot index --rebuild`")
        self._private: Path | None = None
        try:
            self.rows = read_chunks(self.path)
            self.keyword = KeywordIndex.load(self.path / "keyword")
            self.store: ChromaStore = self._open_store(settings, generation)
        except Exception as exc:  # noqa: BLE001 - any damage below reads the same to a user
            self._drop_private()
            if settings.chroma_url and "connect" in str(exc).lower():
                raise IndexStateError(f"cannot reach the Chroma server at {settings.chroma_url}"
                                      f" ({type(exc).__name__})") from None
            raise DamagedIndexError(
                f"index generation {self.path} is damaged ({type(exc).__name__}: "
                f"{str(exc)[:120]}); run `brief-bot index --rebuild`") from None
        self.row_of = {row["id"]: i for i, row in enumerate(self.rows)}
        # Rows with the same text share one vector: a dense hit stands for all its rows.
        self.shared_vectors = int(self.manifest.get("store", 0)) >= SHARED_VECTORS
        self._vector_key = "hash" if self.shared_vectors else "id"
        self.rows_of_vector: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            self.rows_of_vector.setdefault(str(row[self._vector_key]), []).append(i)
        self._sections: dict[int, Passage] = {}
        self.glossary = Glossary.load(self.path / "glossary.csv")
        self._columns = {key: np.array([_as_set(row.get(key)) for row in self.rows],
                                       dtype=object) for key in FILTER_KEYS}
        # Each filter key's values as stored, by their lower-case form: a filter is matched
        # without regard to case and rendered for Chroma in the stored spelling.
        self.spellings: dict[str, dict[str, set[str]]] = {key: {} for key in FILTER_KEYS}
        for row in self.rows:
            for key in FILTER_KEYS:
                raw = row.get(key)
                for value in raw if isinstance(raw, list) else [raw]:
                    if value not in (None, ""):
                        self.spellings[key].setdefault(str(value).lower(), set()).add(
                            str(value))

    def vector_of(self, row: int) -> str:
        """The store entry holding a row's vector."""
        return str(self.rows[row][self._vector_key])

    @cached_property
    def outline(self) -> Outline:
        return Outline(self.rows)

    @cached_property
    def forums(self) -> frozenset[str]:
        """Every forum named in the documents' metadata, lower-cased."""
        return frozenset(self.spellings["forum"])

    # --- `search.reading.Vocabulary`: how this generation sees words ------------------------

    def idf(self, stem: str) -> float:
        return self.keyword.idf(stem)

    def df(self, stem: str) -> int:
        return self.keyword.df(stem)

    def near(self, stem: str) -> str | None:
        return self.keyword.near(stem)

    @property
    def size(self) -> int:
        return len(self.rows)

    @cached_property
    def _lower_text(self) -> str:
        return "\n".join(f"{row['title']}\n{row['section']}\n{row['text']}".lower()
                         for row in self.rows)

    @cached_property
    def _named_numbers(self) -> frozenset[str]:
        """Every name-and-number the documents write ("wrc-15", "council 2016"), joined
        ("wrc15"): one pass, so a question naming an event costs a lookup, not a scan."""
        return frozenset(m.group(1) + m.group(2) for m in _NAME_NUMBER.finditer(self._lower_text))

    def mentions(self, phrase: str) -> bool:
        """Whether any document says `phrase` (any case; "WRC-15", "WRC 15" and "WRC15" alike)."""
        low = " ".join(phrase.lower().split())
        named = _NAME_NUMBER.fullmatch(low)
        if named is not None:
            return named.group(1) + named.group(2) in self._named_numbers
        variants = {low, low.replace("-", " "), low.replace(" ", "-"), low.replace("-", "")}
        return any(v in self._lower_text for v in variants)

    @cached_property
    def lexicon(self) -> Lexicon:
        """The documents' words as written (and the glossary's): what a misspelling or a
        shortening in a question is matched against."""
        glossary = (form for entry in self.glossary.entries for form in entry.forms)
        return Lexicon([self._lower_text, *glossary])

    @cached_property
    def units(self) -> Units:
        """The generation's sections and sets as units of meaning (`index.units`)."""
        return Units(self.path)

    @cached_property
    def sentence_vectors(self) -> SentenceVectors:
        """Every sentence's vector, by its text (`index.sentences`)."""
        return SentenceVectors(self.path)

    def sentence_similarities(self, vector: Any, texts: Sequence[str]) -> list[float | None]:
        return self.sentence_vectors.similarities(vector, texts)

    def sources(self, filters: Filters) -> frozenset[str] | None:
        """The documents the filters let through (None: no filter)."""
        mask = self.mask(filters)
        if mask is None:
            return None
        return frozenset(row["source"] for row, keep in zip(self.rows, mask, strict=True)
                         if keep)

    @cached_property
    def glossary_words(self) -> frozenset[str]:
        """The words of the glossary's terms: a shortening is read as one of these first."""
        return frozenset(w for entry in self.glossary.entries for form in entry.forms
                         for w in re.findall(r"[a-z]+", form.lower()))

    def together(self, name: str, year: int) -> bool:
        """Whether one chunk names both `name` (any case) and `year` on its own (not inside a
        range such as "2016-2019")."""
        name = name.lower()
        return any(name in text and year_named(text, year) for text in self._row_texts)

    @cached_property
    def _row_texts(self) -> list[str]:
        return [f"{row['title']}\n{row['section']}\n{row['text']}".lower() for row in self.rows]

    @cached_property
    def horizon(self) -> int | None:
        """The latest year any document is dated: the material says nothing of later events."""
        years = [int(str(row.get("date") or "")[:4]) for row in self.rows
                 if str(row.get("date") or "")[:4].isdigit()]
        return max(years) if years else None

    @cached_property
    def _labels(self) -> dict[frozenset[str], list[int]]:
        """Rows by the label of their section, where it has one ("Route 4", "Message 2")."""
        rows: dict[frozenset[str], list[int]] = {}
        for i, row in enumerate(self.rows):
            label = SECTION_LABEL.match(HeadingPath.parse(str(row["section"])).last)
            if label:
                rows.setdefault(frozenset(self.keyword.analyze(label.group(0))), []).append(i)
        return rows

    def headings_naming(self, query: Query) -> set[int]:
        """Rows of the sections whose label the question names: "what is route 4?" asks for
        the section "Route 4: The WSIS Forum" whatever else shares its words."""
        asked = set(query.terms)
        return {row for label, rows in self._labels.items() if label <= asked for row in rows}

    # --- filters ------------------------------------------------------------------------

    def check(self, filters: Filters) -> None:
        """A forum or source no document has is a typo or a stale link: say so."""
        for key in ("forum", "source"):
            unknown = sorted(v for v in getattr(filters, key) if v not in self.spellings[key])
            if unknown:
                known = sorted({s for spelled in self.spellings[key].values() for s in spelled})
                shown = ", ".join(known[:30]) + (" ..." if len(known) > 30 else "")
                raise FilterError(f"no document has {key} {', '.join(map(repr, unknown))}; "
                                  f"known: {shown}")

    def mask(self, filters: Filters) -> np.ndarray | None:
        """A 0/1 row mask for the filters (each key: any of its values)."""
        if not filters:
            return None
        mask = np.ones(len(self.rows), dtype=bool)
        for key, values in filters.items():
            mask &= np.array([bool(cell & values) for cell in self._columns[key]], dtype=bool)
        return mask

    def where(self, filters: Filters) -> dict[str, Any] | None:
        """The same filters as a Chroma `where`, in the spellings the store holds. An entry
        holds every value of every row it stands for (`index.vectors`), so this finds a
        superset of the matching entries; `mask` then keeps the matching rows."""
        clauses: list[dict[str, Any]] = []
        for key, values in filters.items():
            spelled = sorted({s for v in values for s in self.spellings[key].get(v, {v})})
            if key == "forum" or self.shared_vectors:
                alts = [{f"{key}:{v}": True} for v in spelled]
            else:
                alts = [{key: v} for v in spelled]
            clauses.append(alts[0] if len(alts) == 1 else {"$or": alts})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    # --- passages -----------------------------------------------------------------------

    def section_passage(self, index: int) -> Passage:
        """A whole section as one passage (its id names the section, not a single chunk)."""
        cached = self._sections.get(index)
        if cached is None:
            span = self.outline.sections[index]
            first = self.rows[span.rows[0]]["id"]
            chunk_id = first if len(span.rows) == 1 else f"{first}~{len(span.rows)}"
            cached = self._sections[index] = rows_passage(self.rows, sorted(span.rows), {}, {},
                                                          chunk_id=chunk_id)
        return cached

    # --- `types.Sections`: the structure around a passage, for small-to-big answers ---------

    def section(self, passage: Passage) -> Passage:
        row = passage.rows[0] if passage.rows else self.row_of[passage.chunk_id]
        return self.section_passage(self.outline.section_of_row[row])

    def document(self, passage: Passage) -> list[Passage]:
        return [self.section_passage(i) for i in self.outline.by_source.get(passage.source, ())]

    def warm_up(self) -> None:
        """Build what the first questions would otherwise build: the outline, the text that
        `mentions` searches, the section labels."""
        _ = (self.outline, self._lower_text, self._labels, self.lexicon, self.units,
             self.sentence_vectors, self._named_numbers)

    def _open_store(self, settings: IndexSettings, generation: Generation) -> ChromaStore:
        """The generation's vectors, for this process alone. Chroma writes to its folder even
        when it only reads (it settles its log and rewrites index files on open), and its
        embedded store is not made to be shared between processes: answering processes that
        opened one folder at once, or a writer copying it meanwhile, have lost vectors. So each
        process reads its own copy of the folder the writer finished, under the generation
        (pruned with it); in server mode the server is the one process."""
        if settings.chroma_url:
            return open_store(settings, generation.path, generation.collection)
        private = generation.path / READERS / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._private = private
        shutil.copytree(generation.path / "chroma", private / "chroma")
        return ChromaStore(local_client(private / "chroma"), generation.collection)

    def _drop_private(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def close(self) -> None:
        self.store.close()
        self._drop_private()


def _as_set(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple):
        return frozenset(str(v).lower() for v in value)
    return frozenset({str(value).lower()})


class LiveIndex:
    """Follows the index pointer: a rebuild in another process is picked up at the next
    question, and the generation it replaces is closed once no question is using it.

        with live.use() as snapshot:
            ...
    """

    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        limit_heap_arenas()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._users: dict[int, int] = {}  # id(snapshot) -> questions using it
        self._retired: dict[int, Snapshot] = {}

    @contextlib.contextmanager
    def use(self) -> Iterator[Snapshot]:
        snapshot = self._acquire()
        try:
            yield snapshot
        finally:
            self._release(snapshot)

    def get(self) -> Snapshot:
        """The serving snapshot, without holding it (for a check that the index opens)."""
        with self.use() as snapshot:
            return snapshot

    def _acquire(self) -> Snapshot:
        pointer = read_pointer(self.settings.index)
        closed = False
        with self._lock:
            current = self._snapshot
            if current is None or pointer != current.name:
                generation = current_generation(self.settings.index)
                if generation is None:
                    raise NoIndexError(f"no index in {self.settings.index} yet: run "
                                       "`brief-bot index`")
                fresh = Snapshot(self.settings, generation)
                if current is not None:
                    closed = self._retire(current)
                self._snapshot = current = fresh
            self._users[id(current)] = self._users.get(id(current), 0) + 1
        if closed:
            release_memory()
        return current

    def _release(self, snapshot: Snapshot) -> None:
        with self._lock:
            key = id(snapshot)
            self._users[key] = self._users.get(key, 1) - 1
            retired = None
            if self._users[key] <= 0:
                self._users.pop(key, None)
                retired = self._retired.pop(key, None)
                if retired is not None:
                    retired.close()
        if retired is not None:
            del retired
            release_memory()

    def _retire(self, snapshot: Snapshot) -> bool:
        """Called with the lock held: close now if idle (True), else when its last question
        ends."""
        if self._users.get(id(snapshot), 0) > 0:
            self._retired[id(snapshot)] = snapshot
            return False
        snapshot.close()
        return True

    def close(self) -> None:
        with self._lock:
            for snapshot in [self._snapshot, *self._retired.values()]:
                if snapshot is not None:
                    snapshot.close()
            self._snapshot = None
            self._retired.clear()
            self._users.clear()
        release_memory()
