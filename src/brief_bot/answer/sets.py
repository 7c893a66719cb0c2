"""Answers the size of the question: the whole set a list question asks for.

Search finds small chunks; a question that asks for a set ("what are our messages", "which
routes", "what's on the timeline for 2015") is answered from the structure around the best
chunks, the small-to-big (parent section) pattern: a list or table in the document (PDF pages
are read as one flow, so a list may run over a page break), or a run of sections: siblings whose
headings enumerate ("Message 1", "Message 2", ...) or date ("January 2015: ..."), or the
sections under one heading ("Outcomes" > "Elections", "Connect 2020", ...). A year or month in
the question keeps the items of that period; words the set's own heading does not explain
("which messages mention human rights") keep the items that hold them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..corpus.sets import DocumentSet, Item, lead_subject, sets_in
from ..corpus.structure import MARKUP, plain
from ..dates import ABBREVIATIONS, Period, month_name, month_named, period_in, period_of, year_named
from ..types import Passage, Query, Sections, Shape, UnitHit
from .scoring import stems_of
from .tuning import DEFAULT, SetTuning


@dataclass(frozen=True)
class FoundSet:
    lead: str  # the line that introduces the list (Markdown)
    items: tuple[Item, ...]
    numbered: bool
    score: float
    total: int  # items in the set before the question narrowed it
    start: int = 1  # the number of the first item shown
    relevance: float = 0.0  # the share of the question the set's lead and heading explain
    sections: frozenset[str] = frozenset()  # the sections it comes from
    limit: int = 30  # items shown at most
    # How surely the question means this set: 1.0 when it names it in words (its noun in the
    # set's lead or heading), else the question's similarity to the set by meaning.
    sureness: float = 1.0


def find_set(query: Query, passages: Sequence[Passage], sections: Sections,
             units: Sequence[UnitHit] = (), tuning: SetTuning = DEFAULT.sets, *,
             by_meaning: bool = True) -> FoundSet | None:
    """The list that answers `query` from the structure around the top passages and the sets
    the question means (`units`), if any; with `by_meaning` off, only a set the question names
    in words."""
    t = tuning
    # What the set is of counts double: "who holds each role" is answered by a list of roles.
    weights = {term: w * (t.set_noun if term in query.set_nouns else 1.0)
               for term, w in query.weights().items()}
    total = sum(weights.values()) or 1.0
    best: FoundSet | None = None
    found = {sections.section(p).chunk_id for p in passages[:5]}
    meant = {h.key: h for h in units if h.kind == "set"}
    for rank, passage in _documents(passages, units, t.meant_sets):
        for cand in sets_in(sections.document(passage)):
            # Sets rank with their document; one that holds a passage search found ranks
            # above one elsewhere in the document.
            nearby = 1.0 if cand.sections & found else t.elsewhere
            hit = meant.get(cand.key)
            in_words = _named(query, cand, t)
            named = in_words or (
                t.by_meaning if by_meaning and hit is not None and hit.dense >= t.meaning_named
                else 0.0)
            if query.shape in (Shape.LIST, Shape.ITEM) and not named:
                continue
            items = _in_scope(query, cand)
            if not items:
                continue
            context = stems_of(cand.context)
            items = _narrowed(query, items, context, t.narrow_share)
            # What the set's own lead says counts fully, its heading a little less, the
            # document's title less again, and words only its items happen to hold half.
            where: dict[str, float] = {}
            for text, factor in ((" ".join(i.text for i in items), t.item_words),
                                 (cand.context, t.context), (cand.heading, t.heading),
                                 (cand.lead, t.lead)):
                for term in query.matched(stems_of(text)):
                    where[term] = factor
            relevance = sum(weights[term] * f for term, f in where.items()) / total
            if hit is not None:
                relevance += t.meaning * hit.dense  # what the set is about, by meaning
            lead_hits = {term for term, f in where.items() if f >= t.heading}
            # "How can we...?" is answered by a list only when it is in a section search found
            # and its own lead speaks to the question.
            if query.shape is Shape.HOW and (relevance < t.how_relevance or not lead_hits
                                             or nearby < 1.0):
                continue
            if relevance < t.min_relevance:
                continue
            score = (named or t.unnamed) * nearby * relevance / (1.0 + t.rank_decay * rank)
            if best is None or score > best.score:
                narrowed = len(items) < len(cand.items)
                lead = cand.lead if cand.lead and not narrowed else _framing(cand, query,
                                                                             narrowed=narrowed)
                best = FoundSet(lead, tuple(items[:t.max_items]), cand.numbered, score,
                                len(cand.items), relevance=relevance, sections=cand.sections,
                                limit=t.max_items,
                                sureness=1.0 if in_words else hit.dense if hit else 0.0)
    return best


# Stems of the words that ask for dated entries rather than say about what.
TIME_WORDS = frozenset("""timelin calendar schedul agenda mileston event date happen plan
chronolog recap year month period week go come up due record""".split())


def topic_terms(query: Query) -> set[str]:
    """The question's terms that say what about, not when: without its dates, the words for a
    list of dates, and the event it dates things by ("before Busan")."""
    anchor = query.anchor[1].lower() if query.anchor else ""
    return {t for t in query.terms
            if not (t.isdigit() or t[:3] in ABBREVIATIONS or t in TIME_WORDS
                    or (anchor and t in query.alternates
                        and any(anchor in n.lower() for n in query.names)))}


def find_dated(query: Query, passages: Sequence[Passage], sections: Sections,
               units: Sequence[UnitHit] = (), tuning: SetTuning = DEFAULT.sets) -> FoundSet | None:
    """The dated entries (a timeline, a dated list) that fall in the period the question names,
    from the documents of the top passages and of the sets it means: more of its words they
    hold, the better; None when no dated set has an entry in the period."""
    t = tuning
    topic = topic_terms(query)
    weights = {term: w for term, w in query.weights().items()
               if term in topic or term in query.context_terms}
    total = sum(weights.values())
    found = {sections.section(p).chunk_id for p in passages[:5]}
    best: FoundSet | None = None
    for rank, passage in _documents(passages, units, t.meant_sets):
        for cand in sets_in(sections.document(passage)):
            if sum(period_of(label) is not None for label in cand.labels) < 2:
                continue
            items = _in_scope(query, cand, dated_only=True)
            if not items:
                continue
            context = stems_of(cand.context)
            items = _narrowed(query, items, context, t.narrow_share)
            held = query.matched(stems_of(" ".join([cand.context, *(i.passage.text
                                                                     for i in items)])))
            relevance = sum(weights.get(term, 0.0) for term in held) / total if total else 1.0
            nearby = 1.0 if cand.sections & found else t.elsewhere
            score = (0.5 + relevance) * nearby / (1.0 + t.rank_decay * rank)
            if best is None or score > best.score:
                narrowed = len(items) < len(cand.items)
                best = FoundSet(_framing(cand, query, narrowed=narrowed),
                                tuple(items[:t.max_items]), cand.numbered, score,
                                len(cand.items), relevance=relevance, sections=cand.sections,
                                limit=t.max_items)
    return best


def _documents(passages: Sequence[Passage], units: Sequence[UnitHit],
               meant: int) -> list[tuple[int, Passage]]:
    """The documents to look for a set in, each by one of its passages with its rank: those
    of the top passages, then those of the sets the question means most."""
    chosen: dict[str, tuple[int, Passage]] = {}
    for rank, passage in enumerate(passages[:5]):
        chosen.setdefault(passage.source, (rank, passage))
    by_source = {p.source: p for p in passages}
    for hit in [h for h in units if h.kind == "set"][:meant]:
        if hit.source not in chosen:
            anchor = by_source.get(hit.source) or Passage.naming(min(hit.sections), hit.source)
            chosen[hit.source] = (len(chosen), anchor)
    return list(chosen.values())


def nth_item(query: Query, passages: Sequence[Passage], sections: Sections,
             tuning: SetTuning = DEFAULT.sets) -> FoundSet | None:
    """"The third lesson", "the second line": item n of the set the question names."""
    if not query.ordinal:
        return None
    # "The first IGF": only a set the question names in words has a first item to give.
    found = find_set(query, passages, sections, (), tuning, by_meaning=False)
    if found is None or found.total != len(found.items) or query.ordinal > len(found.items):
        return None
    number = query.ordinal if query.ordinal > 0 else len(found.items)  # -1: the last
    item = found.items[number - 1]
    return FoundSet(found.lead, (item,), True, found.score, found.total, number)


def _named(query: Query, cand: DocumentSet, t: SetTuning) -> float:
    """How plainly the set is what the question lists: its head noun in the list's own lead
    (1.0) or heading (0.9), or only in the document's title (0.7), or a document of the kind
    the question names (0.8); another of the question's plural nouns counts less; none, 0."""
    kind = 1.0 if cand.doc_type in query.doc_types else 0.0  # "our timeline", "the road-map"
    if not query.set_nouns:
        return kind
    places = (stems_of(lead_subject(cand.lead)), stems_of(cand.lead),
              stems_of(cand.heading), stems_of(cand.context))
    weights = (t.named_in_subject, t.named_in_lead, t.named_in_heading, t.named_in_title)
    for nouns, factor in ((query.set_nouns[:1], 1.0), (query.set_nouns[1:], t.other_noun)):
        for stems, place in zip(places, weights, strict=True):
            if set(nouns) & stems:
                return max(kind, factor * place)
    return kind


def mentions_period(text: str, query: Query) -> bool:
    """Whether `text` names the question's period: one of its months (with the year), or a
    year it covers whole; not a year inside a range ("2015-2018" is not 2018's entry), and a
    year's event by its short name counts ("PP-18" for 2018)."""
    low = text.lower()
    if query.months:
        if any(year_named(low, year) and month_named(low, month)
               for year, month in query.months):
            return True
        period = query.period
        return period is not None and any(
            period.covers_year(year) and year_named(low, year) for year in query.years)
    if query.period is not None and query.period.months() == ():
        span = period_of(low)  # an open period: any date the text names inside it
        return span is not None and query.period.overlaps(span)
    return any(year_named(low, year) for year in query.years)


def _in_scope(query: Query, cand: DocumentSet, *, dated_only: bool = False) -> list[Item]:
    items = list(cand.items)
    if not query.scoped:
        return items
    labels = list(cand.labels) if any(cand.labels) else [item.text for item in items]
    spans = [period_of(label) or period_of(item.passage.section)
             for label, item in zip(labels, items, strict=True)]
    if not dated_only and sum(s is not None for s in spans) < 2 and \
            _of_its_period(cand.context, query):
        # "The key issues at stake in 2013-2015": the set says it is of the period asked for.
        return items
    if query.period is None and query.anchor is None and sum(s is not None for s in spans) >= 2:
        # Dated entries: an entry is of the year or month it is dated, whatever else its
        # label names ("1 January 2015, the 2012 ITRs enter into force" is of 2015).
        asked = [Period((y, m), (y, m)) for y, m in query.months] if query.months else \
            [Period.year(y) for y in query.years]
        return [item for item, span in zip(items, spans, strict=True)
                if span is not None and any(span.overlaps(p) for p in asked)]
    if query.period is not None or query.anchor is not None:
        window, anchor = query.period, None
        if window is None:
            window, anchor = _anchor_window(query.anchor, labels, spans)
        if window is not None and any(spans):
            return [item for item, span, label in zip(items, spans, labels, strict=True)
                    if span is not None and window.overlaps(span) and label != anchor
                    and (query.period or not query.months or mentions_period(label, query))]
    kept = [item for item, label in zip(items, labels, strict=True)
            if mentions_period(label, query)]
    # Sections under a year heading ("2015" > "January 2015: ...") carry it in their path.
    if cand.dated and not kept and not query.months:
        kept = [item for item in items if mentions_period(item.passage.section, query)]
    return kept


def _of_its_period(context: str, query: Query) -> bool:
    """Whether an undated set's lead or heading names the period the question asks about (or
    one inside it): the set is of that period as a whole. A part of its period ("the first
    half of 2014" of "2013-2015") asks for dated things, which an undated set does not hold."""
    own = period_in(context, None) or period_of(context)
    if own is None:
        return False
    asked = [query.period] if query.period is not None else \
        [Period((y, m), (y, m)) for y, m in query.months] or [Period.year(y) for y in query.years]
    return any(_holds(a, own) for a in asked)


def _holds(outer: Period, inner: Period) -> bool:
    return ((outer.start is None or (inner.start is not None and outer.start <= inner.start))
            and (outer.end is None or (inner.end is not None and inner.end <= outer.end)))


def _anchor_window(anchor: tuple[str, str] | None, labels: Sequence[str],
                   spans: Sequence[Period | None]) -> tuple[Period | None, str | None]:
    """The period before, after, since or until the event the question names, and the label of
    the entry that dates it: the set's own entry for the event ("October-November 2014: PP-14
    in Busan"), else the year its name carries ("PP-14": 2014)."""
    if anchor is None:
        return None, None
    how, name = anchor
    for label, span in zip(labels, spans, strict=True):
        if span is not None and name.lower() in label.lower():
            return span.relative(how), (label if how in ("before", "after") else None)
    if m := re.search(r"-(\d{2})$", name):
        return Period.year(2000 + int(m.group(1))).relative(how), None
    return None, None


def _narrowed(query: Query, items: list[Item], context: frozenset[str],
              narrow_share: float) -> list[Item]:
    """Items that hold what the question adds beyond the set itself, when only some do."""
    # "which messages are about openness", or a name the set's own heading does not explain
    # ("our messages for the WTDC"); other words of the question ("what lessons did we
    # *draw*") do not narrow.
    named = query.name_stems
    explained = query.matched(context)
    # Years narrow by the dates items carry (`_in_scope`), not as words an item happens to hold.
    years = {str(y) for y in query.years}
    extra = {t for t in (set(query.about) or named & set(query.terms))
             if t not in context and t not in explained and t not in years}
    if not extra or len(items) < 2:
        return items
    sub = Query(text=query.text, search_text=query.text,
                terms={t: query.terms.get(t, 1.0) for t in extra},
                alternates=query.alternates)
    hits = [len(sub.matched(stems_of(
        f"{item.text} {item.passage.text}" if item.whole else item.text)))
        for item in items]
    top = max(hits)
    kept = [item for item, hit in zip(items, hits, strict=True) if top and hit == top]
    if kept and (query.about or len(kept) <= max(1, int(narrow_share * len(items)))):
        return kept
    return items


def one_item(query: Query, found: FoundSet) -> FoundSet | None:
    """The one item of a set the question picks out by what it says of it ("which of the
    regional groups is the Arab one"): the item holding most of the question's words that the
    set's lead does not; None when no single item stands out."""
    if len(found.items) == 1:
        return found
    lead = stems_of(found.lead)
    weights = {t: w for t, w in query.terms.items() if t not in lead
               and t not in query.set_nouns}
    if not weights:
        return None
    sub = Query(text=query.text, search_text=query.text, terms=weights,
                alternates=query.alternates)
    scores = [sum(weights[t] for t in sub.matched(stems_of(
        f"{item.text} {item.passage.text}" if item.whole else item.text)))
        for item in found.items]
    best = max(scores)
    if not best or scores.count(best) > 1:
        return None
    number = scores.index(best)
    return FoundSet(found.lead, (found.items[number],), True, found.score, found.total,
                    found.start + number, found.relevance, found.sections, found.limit,
                    found.sureness)


def _framing(cand: DocumentSet, query: Query, *, narrowed: bool) -> str:
    """A lead line for a set that has none of its own (or that the question narrowed)."""
    label = status_label(cand.items[0].passage)
    period = ""
    if narrowed and query.anchor and not query.period:
        period = f", the entries {query.anchor[0]} {query.anchor[1]}"
    elif narrowed and query.period is not None and query.period.label():
        period = f", the entries for {query.period.label()}"
    elif narrowed and query.scoped:
        spans = [f"{month_name(m)} {y}" for y, m in query.months] or \
            [str(y) for y in query.years]
        period = f", the entries for {_joined(spans)}" if spans else ""
    return f"From **{cand.title}**" + (f" ({label})" if label else "") + period + ":"


def status_label(passage: Passage) -> str:
    """"status: agreed, dated 2014-09-15", for a line that names where an answer comes from."""
    return ", ".join(x for x in (
        f"status: {passage.status}" if passage.status not in ("", "unspecified") else "",
        f"dated {passage.date}" if passage.date else "") if x)


def _joined(parts: Sequence[str]) -> str:
    if len(parts) > 3 and all(p.split()[-1] == parts[0].split()[-1] for p in parts):
        return f"{parts[0]} to {parts[-1]}"  # "January 2014 to June 2014"
    return " and ".join(parts)


def render_items(found: FoundSet, number: Callable[[Passage, str], int]) -> str:
    """The set as a Markdown list, each item ending with its citation."""
    lines = [plain(found.lead) if not found.lead.startswith("From **") else found.lead] \
        if found.lead else []
    for i, item in enumerate(found.items, start=found.start):
        marker = f"{i}." if found.numbered else "-"
        text = MARKUP.sub("", item.text) if not item.text.startswith("|") else item.text
        lines.append(f"{marker} {' '.join(text.split())} [{number(item.passage, item.quote)}]")
    if found.total > len(found.items) >= found.limit:
        lines.append(f"(and {found.total - len(found.items)} more in the source)")
    return "\n".join(lines)
