"""The pack's sections read from the documents' structure: agreed messages (enumerated sections
of `messages` documents), dates and actions (the dated entries of timelines), lines for a
delegate (the lists under a "lines" heading) and who leads (role lists and placeholders).
"""

from __future__ import annotations

import re

from ..corpus.structure import item_label
from ..headings import SECTION_LABEL
from .cues import DATED, ROLE, heading_kind, when
from .material import Doc, Unit
from .model import TO_FILL, Line
from .select import Context, blocks_of, displayed, shown

# A paragraph of a message that gives its reasons, not what it asks or how it is carried.
_REASONS = re.compile(r"^(why|reasons?|reasoning|because|background|context|rationale)\b", re.I)
_ACTION = re.compile(r"\baction\b", re.I)
_WHO = re.compile(r"^(lead|who|owner|contact)\b", re.I)
_DATE = re.compile(r"^(date|dates|when)\b", re.I)
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\*\*)")
MAX_ENTRIES = 5
MAX_ROLES = 10


def _status(doc: Doc) -> str:
    return ", ".join(x for x in (doc.status if doc.status not in ("", "unspecified") else "",
                                 doc.date) if x)


def messages(ctx: Context) -> list[Line]:
    """Each agreed message aimed at the forum, quoted whole with its status and date; then any
    draft or superseded version, as what it is."""
    lines: list[Line] = []
    for doc in ctx.docs:
        if doc.doc_type != "messages":
            continue
        every = ctx.forum in ctx.material.title_names(doc)
        for section in ctx.material.sections(doc):
            heading = section.section.split(" > ")[-1]
            if not SECTION_LABEL.match(heading):
                continue
            paragraphs = [p.strip() for p in _PARAGRAPH.split(section.text) if p.strip()]
            key = "message " + " ".join(section.text.lower().split())
            if key in ctx.used or not (every or _aimed(ctx, heading, paragraphs, doc)):
                continue  # (a copy of a message already quoted, from a copy of its document)
            ctx.used.add(key)
            ctx.aimed.add(section.chunk_id)
            n = ctx.numbering.cite(section, paragraphs[0] if paragraphs else heading)
            lines.append(Line(heading, n, "head", note=_status(doc)))
            for paragraph in paragraphs:
                ctx.numbering.cite(section, paragraph)
                lines.append(Line(displayed(paragraph), n, "quote"))
    return lines + _marked(ctx)


def _aimed(ctx: Context, heading: str, paragraphs: list[str], doc: Doc) -> bool:
    """A message is aimed at the forum when its heading, its ask, its target or its plan
    names it (its reasons may name other forums as examples)."""
    parts = [heading] + [p for p in paragraphs if not _REASONS.match(item_label(p))]
    for part in parts:
        exact, series = ctx.material.names.named(part)
        if ctx.forum in exact or (ctx.forum in series and ctx.forum in doc.forums):
            return True
    return False


def _marked(ctx: Context) -> list[Line]:
    """Draft and superseded documents on the forum: named, with the sentence that says what
    they are, so nobody takes them for agreed text."""
    lines = []
    for doc in ctx.marked:
        if f"marked {doc.title}" in ctx.used:
            continue
        ctx.used.add(f"marked {doc.title}")
        units = ctx.units(doc)
        says = next((u for u in units if doc.status in u.plain.lower()), None) or \
            next((u for u in units if u.kind == "sentence"), None)
        if says is not None:
            lines.append(Line(shown(says), ctx.cite(says), "item", label=doc.title,
                              note=_status(doc)))
    return lines


def dates(ctx: Context) -> list[Line]:
    """The dated entries of the timelines that concern the forum, each with its date, what
    happens and BB's action; for a session ("Council 2015"), the entries of that year."""
    entries = _timeline_entries(ctx)
    entries += _timeline_items(ctx, {key[:2] for key, _, _ in entries})
    if ctx.session and any(key[0] == ctx.session for key, _, _ in entries):
        entries = [e for e in entries if e[0][0] == ctx.session]
    entries.sort(key=lambda e: (e[0][0], e[0][2]))
    lines: list[Line] = []
    for _, entry, lead in entries[:MAX_ENTRIES]:
        lines.extend(entry)
        ctx.leads.extend(lead)
    return lines


Entry = tuple[tuple[int, int, int], list[Line], list[tuple[str, Unit]]]


def _timeline_entries(ctx: Context) -> list[Entry]:
    """Sections of timeline documents whose heading is dated ("October 2013: IGF Bali"), in
    the timeline's own order; keyed (year, month, order)."""
    out: list[Entry] = []
    for doc in ctx.docs:
        if doc.doc_type != "timeline":
            continue
        by_section: dict[str, list[Unit]] = {}
        for unit in ctx.units(doc):
            by_section.setdefault(unit.section.chunk_id, []).append(unit)
        for units in by_section.values():
            heading = units[0].section.section.split(" > ")[-1]
            if units[0].key in ctx.used:
                continue  # the same entry in a copy of the timeline
            if DATED.search(heading) and _entry_for(ctx, heading, units, doc):
                lines, lead = _entry_lines(ctx, heading, units)
                out.append(((*when(heading), units[0].position), lines, lead))
    return out


def _entry_for(ctx: Context, heading: str, units: list[Unit], doc: Doc) -> bool:
    """The entry is the forum's when its heading or what happens names the forum (BB's action
    may name other forums it serves)."""
    exact, series = ctx.material.names.named(heading)
    if ctx.forum in exact or ctx.forum in series:
        return True
    return any(ctx.names(u, doc) for u in units
               if not (_ACTION.search(u.label) or _WHO.match(u.label)))


def _entry_lines(ctx: Context, heading: str, units: list[Unit]
                 ) -> tuple[list[Line], list[tuple[str, Unit]]]:
    """The entry as lines (its date after its heading, then what happens and BB's action),
    and its lead if a placeholder stands for one."""
    first, rest, lead = None, [], []
    for unit in units:
        if _WHO.match(unit.label):
            if unit.placeholder:
                lead.append((heading, unit))
            continue
        if _DATE.match(unit.label) and first is None:
            first = unit
        else:
            rest.append(unit)
    first = first or (rest.pop(0) if rest else None)
    if first is None:
        return [], []
    lines = [Line(shown(first), ctx.cite(first), "item", label=heading)]
    lines += [Line(shown(u), ctx.cite(u), "sub") for u in rest]
    ctx.used.update(u.key for u in units)
    return lines, lead


def _timeline_items(ctx: Context, taken: set[tuple[int, int]]) -> list[Entry]:
    """Dated items of lists under a timeline heading in other documents (a road-map's
    timeline), unless a timeline document already has that month's entry for the forum."""
    out: list[Entry] = []
    for doc in ctx.docs:
        if doc.doc_type == "timeline":
            continue
        for unit in ctx.units(doc):
            if unit.kind != "item" or heading_kind(unit.headings) != "timeline":
                continue
            label = item_label(unit.text)
            what = re.split(r"\bBB'?s? action\b", unit.plain, maxsplit=1, flags=re.I)[0]
            if not DATED.search(label) or not ctx.names_text(what, doc):
                continue
            key = when(label)
            if key in taken or unit.key in ctx.used:
                continue
            ctx.used.add(unit.key)
            out.append(((*key, 10_000 + unit.position), [Line(shown(unit), ctx.cite(unit),
                                                              "item")], []))
    return out


def lines_for_delegates(ctx: Context) -> list[Line]:
    """The lines the narrative offers delegates: all of them from a narrative for this forum,
    elsewhere the ones that name it."""
    lines: list[Line] = []
    for doc in ctx.docs:
        for block in blocks_of(ctx.units(doc), doc):
            if heading_kind(block.head.headings) != "lines":
                continue
            items = [u for u in block.units if u.kind == "item"]
            chosen = items if ctx.own(doc) else [u for u in items if ctx.names(u, doc)]
            if block.head.kind == "lead" and ctx.own(doc) and chosen and \
                    block.head.key not in ctx.used:
                ctx.used.add(block.head.key)
                lines.append(Line(shown(block.head), ctx.cite(block.head)))
            for unit in chosen:
                if unit.key not in ctx.used:
                    ctx.used.add(unit.key)
                    lines.append(Line(shown(unit), ctx.cite(unit), "item"))
    return lines


def roles(ctx: Context) -> list[Line]:
    """Who leads: the roles lists that concern the forum, and every placeholder for a person
    in its material, shown as "to fill", never filled in."""
    lines: list[Line] = []
    seen: set[str] = set()

    def add(unit: Unit, label: str, name: str) -> None:
        key = name.lower()
        if key in seen or len(lines) >= MAX_ROLES:
            return
        seen.add(key)
        lines.append(Line(name, ctx.cite(unit), "item", label=label, note=TO_FILL))

    for doc in ctx.docs:
        for unit in ctx.units(doc):
            if unit.kind == "item" and heading_kind(unit.headings) == "roles" and \
                    unit.placeholder and (ctx.own(doc) or ctx.names(unit, doc)):
                add(unit, item_label(unit.text), unit.placeholder)
    for doc in ctx.docs:
        for unit in ctx.units(doc):
            for name in unit.placeholders:
                if ROLE.search(name) and _role_applies(ctx, unit, doc):
                    add(unit, "", name)
    for heading, unit in ctx.leads:
        add(unit, item_label(unit.text), heading)
    return lines


def _role_applies(ctx: Context, unit: Unit, doc: Doc) -> bool:
    if doc.doc_type == "messages":
        return unit.section.chunk_id in ctx.aimed
    if doc.doc_type == "timeline":
        return False  # an entry's lead comes with the entry (`ctx.leads`)
    return ctx.relevance(unit, doc) >= 2
