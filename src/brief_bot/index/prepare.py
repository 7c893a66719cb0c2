"""The writer's work before its lock: which generation to build on, the corpus read against it,
and the vectors of every text that generation lacks.

Parsing and embedding take seconds to minutes (2,862 chunks held the lock for 6 minutes when
they were embedded under it); nothing here needs the lock, so another writer (cron, an upload)
waits only while a generation is written. A `Preparer` remembers what it parsed and embedded:
when another writer switched generations meanwhile, preparing again against its result costs
hashing the files, not parsing or embedding them again.

A run embeds at most `max_embed_chunks` texts. Files past that are left for the next run (a file
the serving generation already holds keeps its old version until then); the manifest names
them, so the next run says it is continuing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import IndexSettings
from ..corpus import CHUNKER_VERSION, content_hash
from ..corpus.sandbox import ParserProcess
from .embedding import Embedder
from .generations import (
    Generation,
    current_generation,
    read_chunks,
    read_pointer,
    wait_for_writer,
)
from .progress import Progress
from .scan import Scan, Seen, scan_corpus
from .sentences import SENTENCES_VERSION, SentenceVectors, missing, pool
from .store import STORE_VERSION
from .units import UNITS_VERSION, Unit, known_vectors, unembedded, units_for

# Texts embedded between two looks at the pointer: what another writer may have embedded
# already is embedded again at most this many times (a minute or so on two cores).
EMBED_SLICE = 2048
# Times preparing starts over because another writer switched generations meanwhile.
REBASES = 5


@dataclass
class Plan:
    """What a run will write: the generation it builds on (`current`, with its manifest `old`
    when compatible), the corpus read against it, the rows of that generation, and the
    vectors of the texts it lacks (by text hash)."""

    current: Generation | None
    old: dict[str, Any] | None
    scan: Scan
    vectors: dict[str, np.ndarray]
    old_rows: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    # Sentence vectors (`sentences`): the base generation's, and those this run embedded.
    old_sentences: SentenceVectors = field(default_factory=lambda: SentenceVectors(None))
    sentence_vectors: dict[int, np.ndarray] = field(default_factory=dict)
    # Sections and sets (`units`), with the vectors of their texts and names by hash.
    units: list[Unit] | None = None  # None: nothing read, so none new (the writer reads them)
    unit_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """The rows the new generation will hold: the base's for unchanged files, then the
        chunks of the files read."""
        keep = set(self.scan.unchanged)
        return [*(r for r in self.old_rows if r["source"] in keep),
                *(c.record() for doc in self.scan.parsed.values() for c in doc.chunks)]


@dataclass
class EmbedStats:
    embedded: int = 0
    sentences: int = 0
    units: int = 0
    seconds: float = 0.0
    encoder: str = ""


def compatible(old: dict[str, Any], settings: IndexSettings, embedder: Embedder) -> bool:
    return (old.get("model") == embedder.name
            and old.get("chunker") == CHUNKER_VERSION
            and old.get("chunk_tokens") == settings.chunk_tokens
            and old.get("chunk_overlap_tokens") == settings.chunk_overlap_tokens
            and old.get("chroma_url") == settings.chroma_url
            and old.get("store") == STORE_VERSION)


class Preparer:
    """Prepares a run, as often as it must; parses and vectors are kept between attempts."""

    def __init__(self, *, settings: IndexSettings, embedder: Embedder, progress: Progress,
                 parser: ParserProcess, rebuild: bool) -> None:
        self.settings = settings
        self.embedder = embedder
        self.progress = progress
        self.parser = parser
        self.rebuild = rebuild
        self.seen: Seen = {}
        self.vectors: dict[str, np.ndarray] = {}
        self.sentence_vectors: dict[int, np.ndarray] = {}
        self.unit_vectors: dict[str, np.ndarray] = {}
        self.stats = EmbedStats()
        self._told = False
        self._locked = False

    def prepare(self, *, locked: bool = False) -> Plan:
        """Read the corpus against the serving generation and embed what it lacks. Another
        writer switching generations meanwhile (while this one parses, or between slices of
        its embedding) starts this over against the new one: what that writer has just
        written need not be embedded again here. `locked`: this writer holds the lock."""
        self._locked = locked
        for _ in range(REBASES):
            plan = self._read()
            have = {row["hash"] for row in plan.old_rows}
            plan.deferred = self._limit(plan, have)
            if self._settled(plan) and self._embed(plan, have) and (
                    self._up_to_date(plan)
                    or self._embed_sentences(plan) and self._embed_units(plan)):
                return plan
        return plan  # writers keep overtaking: the lock's check sorts it out

    def _read(self) -> Plan:
        current, old = self._base()
        scan = scan_corpus(self.settings, self.embedder, old, self.progress, self.parser,
                           self.seen)
        plan = Plan(current, old, scan, self.vectors, sentence_vectors=self.sentence_vectors)
        if current is not None and old is not None:
            plan.old_rows = read_chunks(current.path)
            if old.get("sentences") == SENTENCES_VERSION:
                plan.old_sentences = SentenceVectors(current.path)
            left = old.get("deferred") or []
            if left and not self._told:
                self._told = True
                self.progress.log(f"continuing the previous run: {len(left)} files it left for "
                                  "this one")
        return plan

    def _settled(self, plan: Plan) -> bool:
        """Whether `plan` still builds on the serving generation once any writer now writing
        has finished."""
        if self.rebuild:
            return True
        if not self._locked:
            wait_for_writer(self.settings.index)
        return self.still_current(plan)

    def still_current(self, plan: Plan) -> bool:
        """Whether `plan` builds on the serving generation (another writer may have switched
        it while this one prepared); checked again with the writer's lock held."""
        if self.rebuild:
            return True
        return read_pointer(self.settings.index) == (plan.current.name if plan.current
                                                    else None)

    def _base(self) -> tuple[Generation | None, dict[str, Any] | None]:
        """The serving generation, and its manifest if this run can build on it."""
        if self.rebuild:
            return None, None
        current = current_generation(self.settings.index)  # a damaged index raises
        old = (current.manifest if current and compatible(current.manifest, self.settings,
                                                           self.embedder) else None)
        if current and old is None:
            self.progress.log("settings or model changed since the last build: rebuilding in "
                              "full")
        return current, old

    def _limit(self, plan: Plan, have: set[str]) -> list[str]:
        """Leave files for the next run once this one would embed more than its limit (the
        first file always goes in, however large)."""
        budget = self.settings.max_embed_chunks
        scan, fresh, deferred = plan.scan, set(), []
        old_files = plan.old["files"] if plan.old else {}
        for source, doc in list(scan.parsed.items()):
            new = {c.hash for c in doc.chunks} - have - self.vectors.keys() - fresh
            if fresh and len(fresh) + len(new) > budget:
                deferred.append(source)
                del scan.parsed[source]
                if source in old_files:
                    scan.unchanged.append(source)  # its old version serves until then
                continue
            fresh |= new
        if deferred:
            self.progress.log(f"this run embeds at most {budget:,} chunks "
                              f"(BRIEF_BOT_MAX_EMBED_CHUNKS): {len(deferred)} files are left "
                              "for the next run")
        return deferred

    def _embed(self, plan: Plan, have: set[str]) -> bool:
        """The vectors of every text the base generation lacks, embedded once per text, in
        slices; False if another writer switched generations in between."""
        todo: dict[str, str] = {}
        bodies: dict[str, str] = {}
        for doc in plan.scan.parsed.values():
            for chunk in doc.chunks:
                if chunk.hash not in have and chunk.hash not in self.vectors:
                    todo.setdefault(chunk.hash, chunk.embed_text())
                    bodies.setdefault(chunk.hash, chunk.text)
        self.progress.phase("embedding chunks", len(todo))
        if not todo:
            return True
        embedder = self.embedder
        self.stats.encoder = (getattr(embedder, "document_backend", "")
                              or type(embedder).__name__)
        keys = list(todo)
        for start in range(0, len(keys), EMBED_SLICE):
            if start and not self._settled(plan):
                return False
            started = time.perf_counter()
            part = keys[start : start + EMBED_SLICE]

            def sentences(i: int, states: np.ndarray, offsets: Any, part: list[str] = part,
                          ) -> None:
                # Each chunk's sentences get their vectors from the same pass.
                pooled = pool(todo[part[i]], bodies[part[i]], states, offsets)
                for key, vector in pooled.items():
                    self.sentence_vectors.setdefault(key, vector)

            found = embedder.embed_documents([todo[key] for key in part],
                                             progress=self.progress.advance,
                                             on_tokens=sentences)
            self.vectors.update(zip(part, found, strict=True))
            self.stats.embedded += len(part)
            self.stats.seconds += time.perf_counter() - started
        self._export()
        return True

    def _embed_sentences(self, plan: Plan) -> bool:
        """The vectors of every sentence the new generation will hold that the base lacks (all
        of them, the first time a generation gets sentences); False as `_embed`."""
        todo = missing((r["text"] for r in plan.rows()), plan.old_sentences,
                       self.sentence_vectors)
        self.progress.phase("embedding sentences", len(todo))
        done = self._embed_texts(plan, todo, self.sentence_vectors)
        self.stats.sentences += done
        return done == len(todo)

    @staticmethod
    def _up_to_date(plan: Plan) -> bool:
        """Nothing read and a base with this version's sentences and units: no sentence or
        unit is new (an unchanged corpus costs no splitting into sentences)."""
        return (not plan.scan.parsed and plan.old is not None
                and plan.old.get("sentences") == SENTENCES_VERSION
                and plan.old.get("units") == UNITS_VERSION)

    def _embed_units(self, plan: Plan) -> bool:
        """The vectors of every section's and set's text and name the base lacks."""
        plan.units = units_for(plan.rows())
        base = plan.current.path if plan.current is not None and plan.old is not None and \
            plan.old.get("units") == UNITS_VERSION else None
        known = {**known_vectors(base), **self.unit_vectors}
        todo = {content_hash(t): t for t in unembedded(plan.units, known)}
        self.progress.phase("embedding sections and sets", len(todo))
        done = self._embed_texts(plan, todo, self.unit_vectors)
        self.stats.units += done
        plan.unit_vectors = {**known, **self.unit_vectors}
        return done == len(todo)

    def _embed_texts(self, plan: Plan, todo: dict[Any, str], into: dict[Any, np.ndarray]) -> int:
        """Embed `todo` (texts by key) into `into`, in slices; stops early (returning how many
        it embedded) if another writer switched generations in between."""
        if todo and not self.stats.encoder:
            self.stats.encoder = (getattr(self.embedder, "document_backend", "")
                                  or type(self.embedder).__name__)
        keys, done = list(todo), 0
        for start in range(0, len(keys), EMBED_SLICE):
            if start and not self._settled(plan):
                return done
            started = time.perf_counter()
            part = keys[start : start + EMBED_SLICE]
            found = self.embedder.embed_documents([todo[key] for key in part],
                                                  progress=self.progress.advance)
            into.update(zip(part, found, strict=True))
            done += len(part)
            self.stats.seconds += time.perf_counter() - started
        return done

    def _export(self) -> None:
        embedder = self.embedder
        if self.stats.encoder == "torch" and hasattr(embedder, "ensure_export"):
            self.progress.phase("exporting the encoder for later runs (once per machine)", 1)
            embedder.ensure_export()
            self.progress.advance()
