"""Building a meeting pack: resolve the forum, read its documents section by section, number the
citations in reading order, and list the sources.

    pack = build_pack(snapshot, "the Plenipot", audience="public")
    print(render_markdown(pack))
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import date

from ..config import PackSettings
from ..index.reader import Snapshot
from . import prose, structured
from .material import Material, material_for
from .model import AUDIENCES, SECTIONS, Line, Pack, PackRefused, PackSection, Source
from .resolve import Resolution, check_input, resolve
from .select import READABLE, Context, Numbering

# Built in this order, so the structured sections claim their sentences before the prose
# sections look for theirs (a sentence appears once in a pack); shown in `SECTIONS` order.
BUILDERS: tuple[tuple[str, Callable[[Context], list[Line]]], ...] = (
    ("messages", structured.messages),
    ("dates", structured.dates),
    ("lines", structured.lines_for_delegates),
    ("brief", prose.brief),
    ("stakes", prose.stakes),
    ("routes", prose.routes),
    ("risks", prose.risks),
    ("roles", structured.roles),
)

Summariser = Callable[[Pack], Pack]


def build_pack(snapshot: Snapshot, asked: str | None, *, audience: str = "internal",
               settings: PackSettings | None = None,
               summarise: Summariser | None = None) -> Pack:
    """The pack for the forum `asked` names, from this generation's documents; `public`
    leaves out internal documents. Raises `PackRefused` for an unusable forum name."""
    started = time.perf_counter()
    if audience not in AUDIENCES:
        raise PackRefused(f"audience is one of {', '.join(AUDIENCES)}, not {audience!r}")
    text = check_input(asked)
    material = material_for(snapshot)
    found = resolve(text, material)
    known = tuple(sorted(material.spelled.values(), key=str.lower))
    if found.declined:
        return Pack(asked=text, forum="", audience=audience, declined=True,
                    notice=found.declined, known=known, newest=material.newest,
                    timings_ms={"total": (time.perf_counter() - started) * 1000})
    ctx = _context(material, found, audience)
    built = {key: builder(ctx) for key, builder in BUILDERS}
    pack = _assemble(ctx, found, built, audience, settings)
    pack = dataclasses.replace(pack, known=known, newest=material.newest)
    if summarise is not None:
        pack = summarise(pack)
    return dataclasses.replace(pack, timings_ms={
        "total": (time.perf_counter() - started) * 1000})


def _context(material: Material, found: Resolution, audience: str) -> Context:
    forum = found.forum.lower()
    docs = [d for d in material.documents_for(forum)
            if audience == "internal" or d.audience != "internal"]
    ctx = Context(material=material, forum=forum, label=found.forum, session=found.session,
                  docs=[], marked=[])
    ctx.docs = sorted((d for d in docs if d.status in READABLE),
                      key=lambda d: (ctx.rank(d), _newest_first(d.date), d.source))
    ctx.marked = [d for d in docs if d.status in ("draft", "superseded")
                  and forum in d.forums]
    return ctx


def _newest_first(day: str) -> str:
    return "".join(chr(0x10FFFF - ord(ch)) for ch in day)


def _assemble(ctx: Context, found: Resolution, built: dict[str, list[Line]], audience: str,
              settings: PackSettings | None) -> Pack:
    """The sections in reading order, their citations renumbered as a reader meets them."""
    order = [key for key, _ in SECTIONS if key != "sources"]
    renumber: dict[int, int] = {}
    for key in order:
        for line in built[key]:
            renumber.setdefault(line.n, len(renumber) + 1)
    sections, empty = [], []
    for key, title in SECTIONS:
        if key == "sources":
            continue
        title = title.format(forum=found.label)
        lines = tuple(dataclasses.replace(line, n=renumber[line.n]) for line in built[key])
        if lines:
            sections.append(PackSection(key, title, lines))
        else:
            empty.append(title)
    numbering = ctx.numbering
    stale_before = settings.stale_before if settings else None
    citations, passages, quotes, sources = [], [], {}, []
    for old in sorted(renumber, key=renumber.get):  # type: ignore[arg-type]
        n = renumber[old]
        citation = dataclasses.replace(numbering.citations[old - 1], n=n)
        citations.append(citation)
        passages.append(numbering.passages[old - 1])
        quotes[n] = tuple(numbering.quotes.get(old, ()))
        sources.append(_source(citation.n, numbering, old, stale_before))
    return Pack(asked=found.asked, forum=found.label, audience=audience,
                notice=_beyond(found, ctx) if found.beyond else "", sections=tuple(sections),
                empty=tuple(empty), sources=tuple(sources), citations=tuple(citations),
                passages=tuple(passages), quotes=quotes)


def _source(n: int, numbering: Numbering, old: int, stale_before: date | None) -> Source:
    p = numbering.passages[old - 1]
    return Source(n=n, source=p.source, title=p.title, section=p.section, page=p.page,
                  status=p.status, date=p.date, audience=p.audience,
                  stale=is_stale(p.date, stale_before))


def is_stale(day: str, stale_before: date | None) -> bool:
    if not stale_before or not day:
        return False
    try:
        return date.fromisoformat(day[:10]) < stale_before
    except ValueError:
        return False


def _beyond(found: Resolution, ctx: Context) -> str:
    return (f"The briefing material stops before {found.asked}: its newest document is dated "
            f"{ctx.material.newest}, so it cannot say how {found.asked} went or what is on its "
            f"agenda. What follows is what the documents said about {found.forum} up to then.")
