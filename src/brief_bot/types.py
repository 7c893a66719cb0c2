"""The values that cross stages: filters, passages, citations, answers.

Every stage and door imports these from here, so no stage imports another only for a dataclass
(`answer` needs `Passage` but not the search that makes passages). No logic beyond parsing and
serialising lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from .dates import Period
from .headings import HeadingPath

DOC_TYPES = frozenset({"briefing", "roadmap", "narrative", "messages", "background", "timeline",
                       "glossary", "report"})
STATUSES = frozenset({"agreed", "draft", "superseded", "unspecified"})
AUDIENCES = frozenset({"internal", "public"})
FILTER_KEYS = ("doc_type", "forum", "status", "audience", "source")
# Keys whose values are a closed set: a value outside it is a typo, refused at the door.
_CLOSED = {"doc_type": DOC_TYPES, "status": STATUSES, "audience": AUDIENCES}


class FilterError(ValueError):
    """A filter with an unknown key or value; the message says what is allowed."""


@dataclass(frozen=True)
class Filters:
    """Metadata filters, parsed once at the door: each key holds the values any of which may
    match, lower-cased. Empty means no filter. The search stage renders both its row mask and
    Chroma's `where` from this one value, so the two searches always agree.

        Filters.parse({"forum": "cwg-internet", "status": "Agreed"})
    """

    doc_type: frozenset[str] = frozenset()
    forum: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()
    audience: frozenset[str] = frozenset()
    source: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, filters: Filters | Mapping[str, Any] | Iterable[str] | None) -> Filters:
        """From a mapping (values a string or a list), `KEY=VALUE` strings, or a `Filters`."""
        if filters is None:
            return cls()
        if isinstance(filters, Filters):
            return filters
        pairs: list[tuple[str, Any]] = []
        if isinstance(filters, Mapping):
            pairs = list(filters.items())
        else:
            for item in filters:
                key, sep, value = str(item).partition("=")
                if not sep or not key.strip() or not value.strip():
                    raise FilterError(f"filter {item!r} is not KEY=VALUE (for example "
                                      "forum=PP-14)")
                pairs.append((key, value))
        values: dict[str, set[str]] = {}
        for raw_key, raw in pairs:
            key = str(raw_key).strip().lower()
            if key not in FILTER_KEYS:
                raise FilterError(f"unknown filter {raw_key!r}; use one of "
                                  f"{', '.join(FILTER_KEYS)}")
            items = [raw] if isinstance(raw, str) else list(raw or [])
            wanted = {str(v).strip().lower() for v in items if str(v).strip()}
            allowed = _CLOSED.get(key)
            if allowed is not None:
                unknown = sorted(wanted - allowed)
                if unknown:
                    raise FilterError(f"unknown {key} {', '.join(map(repr, unknown))}; use one "
                                      f"of {', '.join(sorted(allowed))}")
            values.setdefault(key, set()).update(wanted)
        return cls(**{k: frozenset(v) for k, v in values.items()})

    def __bool__(self) -> bool:
        return any(getattr(self, key) for key in FILTER_KEYS)

    def items(self) -> list[tuple[str, frozenset[str]]]:
        """(key, values) of the keys in use."""
        return [(key, getattr(self, key)) for key in FILTER_KEYS if getattr(self, key)]

    def to_dict(self) -> dict[str, list[str]]:
        return {key: sorted(values) for key, values in self.items()}


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    source: str
    title: str
    section: str
    page: int | None
    text: str
    score: float
    dense: float
    doc_type: str
    status: str
    date: str
    forum: tuple[str, ...]
    audience: str
    rows: tuple[int, ...] = field(default=())
    # The chunk texts behind a merged passage: quotes are taken from these, so a quote is
    # always a verbatim span of its source even where the merge re-joined two chunks.
    parts: tuple[str, ...] = field(default=())

    @classmethod
    def naming(cls, chunk_id: str, source: str) -> Passage:
        """A passage that only says where it is (a chunk of a document): enough for
        `Sections.section` and `Sections.document` to give the real text."""
        return cls(chunk_id=chunk_id.split("~")[0], source=source, title="", section="",
                   page=None, text="", score=0.0, dense=0.0, doc_type="", status="", date="",
                   forum=(), audience="")

    @property
    def heading(self) -> HeadingPath:
        """The section path, read into its headings."""
        return HeadingPath.parse(self.section)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "chunk_id": self.chunk_id, "text": self.text,
                "score": round(self.score, 4), "title": self.title, "section": self.section,
                "page": self.page, "status": self.status, "date": self.date,
                "doc_type": self.doc_type, "audience": self.audience}


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str
    page: int | None
    quote: str
    score: float
    status: str = ""
    date: str = ""
    chunk_id: str = ""
    audience: str = ""

    @classmethod
    def of(cls, n: int, passage: Passage, quote: str) -> Citation:
        return cls(n=n, source=passage.source, title=passage.title, section=passage.section,
                   page=passage.page, quote=quote, score=passage.score, status=passage.status,
                   date=passage.date, chunk_id=passage.chunk_id, audience=passage.audience)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "title": self.title,
                "section": self.section, "page": self.page, "quote": self.quote,
                "score": round(self.score, 4), "status": self.status, "date": self.date,
                "chunk_id": self.chunk_id, "audience": self.audience}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    # The passages the answer was composed from, in rank order; every citation's `chunk_id`
    # names one of them.
    passages: tuple[Passage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    composer: str = "extractive"

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.text, "abstained": self.abstained,
                "citations": [c.to_dict() for c in self.citations],
                "passages": [p.to_dict() for p in self.passages],
                "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
                "composer": self.composer}


class Shape(Enum):
    """What shape of answer a question asks for."""

    FACT = "fact"  # a few sentences that say it
    LIST = "list"  # a whole set: "what are our messages", "which routes"
    ITEM = "item"  # one member of a set, or agreed wording: "our message on human rights"
    HOW = "how"  # a way to do something: "how can we take part"
    SECTION = "section"  # what a section says: "why does this forum matter to us?"
    PERIOD = "period"  # the entries of a period: "what happened in March 2014"


class Kind(Enum):
    """What kind of fact a question asks for, when it asks for one."""

    DATE = "date"
    DURATION = "duration"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"
    DEFINITION = "definition"


@dataclass(frozen=True)
class Query:
    """One question, read once (by `search.analyse`) and handed to search and answer: neither
    reads the question's text again, they read these fields.

    `terms` maps each content stem of the question to its weight (rarity in the index); the
    terms of the previous turn that a follow-up leans on are in `context_terms`, weighed less.
    """

    text: str
    search_text: str  # the question, after the previous turn when it is a follow-up
    terms: Mapping[str, float]
    # What retrieval reads: `search_text` with the shorthand written out and the other names of
    # the glossary terms it uses, and that text's stems.
    expanded: str = ""
    expanded_stems: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()  # every stem of the question, question words too
    previous: str | None = None  # the earlier turn a follow-up leans on
    context_terms: Mapping[str, float] = field(default_factory=dict)
    # The stems of a glossary term's other names, by the question stem they stand for.
    alternates: Mapping[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    follow_up: bool = False
    names: tuple[str, ...] = ()  # glossary terms and forums the question names
    name_stems: frozenset[str] = frozenset()  # the stems of those names
    shape: Shape = Shape.FACT
    kind: Kind | None = None
    set_nouns: tuple[str, ...] = ()  # stems of what a list question asks for ("messag")
    set_phrase: str = ""  # the first of them as written, with its qualifiers ("regional blocs")
    about: tuple[str, ...] = ()  # stems after "about"/"on": narrows a set to matching items
    ordinal: int | None = None  # "the third lesson": which item of the set
    numbers: frozenset[str] = frozenset()  # the numbers written in the question ("route 4")
    years: tuple[int, ...] = ()
    months: tuple[tuple[int, int], ...] = ()  # (year, month)
    period: Period | None = None  # a range, a part of a year, an open end ("before May 2014")
    # An event the question dates things by: ("before", "PP-14"), ("since", "WCIT-12").
    anchor: tuple[str, str] | None = None
    doc_types: tuple[str, ...] = ()  # kinds of document the question names
    wants_old: bool = False  # asks for an earlier or superseded version
    wants_quote: bool = False  # asks for agreed wording (messages, narrative, lines)
    unknown: tuple[str, ...] = ()  # named events, codes and years no document mentions
    # Words no document uses that carry much of the question (stems): its subject is likely
    # something the material does not cover, unless a set or section it means is clear.
    unseen: tuple[str, ...] = ()
    # The same without the common English words among them ("hotel", "forward"): those count
    # only when no passage is close in meaning (`ComposeTuning.familiar_dense`).
    unseen_rare: tuple[str, ...] = ()
    beyond: tuple[str, ...] = ()  # past events later than the material's latest date
    horizon: int | None = None  # that latest year
    dangling: bool = False  # reads as a follow-up, but there is nothing before it
    # The question's meaning: its vector (the text alone) and the search text's, and how its
    # nearest worded examples vote on its shape (`search.meaning`); none without a model.
    vector: Any = field(default=None, compare=False, repr=False)
    search_vector: Any = field(default=None, compare=False, repr=False)
    set_vector: Any = field(default=None, compare=False, repr=False)  # of `set_phrase`
    shape_votes: Mapping[Shape, float] = field(default_factory=dict, compare=False)

    @property
    def scoped(self) -> bool:
        return bool(self.years or self.months or self.period or self.anchor)

    def weights(self) -> dict[str, float]:
        """Every term with its weight, the question's own counting fully."""
        merged = {t: 0.5 * w for t, w in self.context_terms.items()}
        merged.update(self.terms)
        return merged

    def matched(self, stems: frozenset[str] | set[str]) -> set[str]:
        """The terms (the question's own and the earlier turn's) that a text with `stems`
        holds, directly or through another name of the same glossary term."""
        hits = set()
        for term in (*self.terms, *self.context_terms):
            if term in stems or any(form <= stems for form in self.alternates.get(term, ())):
                hits.add(term)
        return hits

    def share(self, stems: frozenset[str] | set[str]) -> float:
        """The share of the question's own term weight (not the earlier turn's) that a text
        with `stems` holds: how fully a heading or a title says what the question asks."""
        total = sum(self.terms.values())
        if not total:
            return 0.0
        return sum(self.terms[t] for t in self.matched(stems) if t in self.terms) / total


@dataclass(frozen=True)
class UnitHit:
    """A section or a set (`index.units`) the question means, found by meaning and words."""

    kind: str  # "section" or "set"
    key: str  # the section's chunk id, or the set's key
    source: str
    sections: frozenset[str]  # the chunk ids of the sections it is made of
    score: float  # the blend below, best first
    dense: float  # similarity of the question to the unit's heading path and lead
    words: float  # share of the question's weight the unit's text holds
    found: bool  # it holds a passage search found


@dataclass(frozen=True)
class Draft:
    """What a composer returns: the answer text and its citations, and the passages it used."""

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    passages: tuple[Passage, ...] = ()
    composer: str = "extractive"


class Sections(Protocol):
    """The documents' structure around a passage: the "big" side of small-to-big answering."""

    def section(self, passage: Passage) -> Passage:
        """The whole section (heading path and page) that holds the passage."""
        ...

    def document(self, passage: Passage) -> list[Passage]:
        """Every section of the passage's document, whole, in document order."""
        ...

    def sentence_similarities(self, vector: Any, texts: Sequence[str]) -> list[float | None]:
        """How close in meaning each sentence is to `vector` (None: no vector for it)."""
        ...


class Composer(Protocol):
    """Turns ranked passages into a cited answer (extractive, LLM, or a fallback of both)."""

    name: str

    def compose(self, query: Query, passages: Sequence[Passage], sections: Sections,
                units: Sequence[UnitHit] = ()) -> Draft: ...
