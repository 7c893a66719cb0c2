"""The pack's sections read from prose: the forum in brief, what is at stake, how we can take
part, risks and open questions. Each takes the blocks of the forum's documents whose heading or
own words are of its kind (`cues`), the ones that name the forum first, within a word budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .cues import (
    ACTION,
    BB_VIEW,
    META,
    PENDING,
    RISK,
    ROUTE,
    STAKE,
    gives_facts,
    heading_kind,
    is_question,
)
from .material import Unit
from .model import Line
from .select import (
    Block,
    Context,
    block_relevance,
    blocks_of,
    choose,
    enumerated_heading,
    shown,
    to_lines,
)

OTHER_KINDS = ("actions", "routes", "risks", "roles", "lines", "timeline", "meta", "measures")
NOT_ROUTES = ("risks", "roles", "lines", "timeline", "meta", "measures")
BUDGETS = {"brief": 150, "stakes": 230, "routes": 180, "risks": 150}


def _blocks(ctx: Context, *, tagged: bool = True) -> Iterator[tuple[Block, int, str]]:
    """Every block of the forum's readable documents (with `tagged`, of those tagged with the
    forum), with its relevance and its heading's kind. A list whose lead is not about the
    forum offers the items that name it, one by one."""
    for doc in ctx.docs:
        if doc.doc_type in ("glossary", "messages", "timeline"):
            continue  # their own sections read them (`structured`)
        if tagged and ctx.forum not in doc.forums:
            continue
        for block in blocks_of(ctx.units(doc), doc):
            if ctx.relevance(block.head, doc) >= 2:
                yield block, block_relevance(ctx, block), heading_kind(block.head.headings)
            elif len(block.units) > 1 and ctx.forum in doc.forums:
                for unit in block.units[1:]:
                    if ctx.names(unit, doc):
                        yield Block(doc, (unit,)), 3, heading_kind(unit.headings)


def _pending(ctx: Context, block: Block) -> bool:
    """A decision still to come, said of the forum: "the ITU Council is to approve ..."."""
    text = block.head.plain
    m = PENDING.search(text)
    return bool(m) and not text.startswith("BB") and ctx.names_text(text[:m.start()], block.doc)


def _mostly_placeholder(unit: Unit) -> bool:
    """A sentence that is little more than a placeholder ("BB's record is [PLACEHOLDER]")."""
    if not unit.placeholders:
        return False
    rest = re.sub(r"\[PLACEHOLDER:[^\]]*\]", " ", unit.plain)
    return len(rest.split()) < 8


def _plain_fact(unit: Unit) -> bool:
    """A statement of fact: not BB's view or plan, not a question, not about the document."""
    text = unit.plain
    return not (BB_VIEW.search(text) or ACTION.search(text) or META.search(text)
                or is_question(text) or unit.placeholder or RISK.search(text)
                or STAKE.search(text))


def brief(ctx: Context) -> list[Line]:
    """What the forum is, when and where, who takes part: the glossary's entry for it, then the
    facts of the forum's own background and summary sections."""
    lines = _glossary_entry(ctx)
    ranked = []
    for block, rel, kind in _blocks(ctx):
        exact, _ = ctx.material.heading_names(block.head.section)
        rank = ctx.rank(block.doc)
        # A heading that names the forum makes a brief in its own documents ("The Internet
        # Governance Forum (IGF)"), elsewhere it is one episode of its story; failing those, a
        # section of its own document that is of no other kind.
        if kind == "brief" or ctx.forum in exact and rank <= 1:
            tier = 0
        elif not kind and rank <= 1 and len(block.doc.forums - {"itu"}) == 1:
            tier = 1  # (a document about this forum alone)
        else:
            continue
        if rel < 2 or not _plain_fact(block.head):
            continue
        text = block.head.plain
        facts = 0 if ctx.session and str(ctx.session) in text else (
            1 if gives_facts(text) else 2)
        ranked.append(((rank, tier, -rel, facts, block.head.position), block))
    budget = BUDGETS["brief"] - sum(len(line.text.split()) for line in lines)
    return lines + to_lines(ctx, choose(ctx, ranked, budget))


def _glossary_entry(ctx: Context) -> list[Line]:
    """The glossary's own list entry for the forum ("**PP-14** (...): PP-14 was ...")."""
    forms = {ctx.forum, ctx.label.lower()}
    for doc in ctx.docs:
        if doc.doc_type != "glossary":
            continue
        for unit in ctx.units(doc):
            if unit.kind == "item" and unit.label.lower() in forms:
                ctx.used.add(unit.key)
                return [Line(shown(unit), ctx.cite(unit), "item")]
    return []


def stakes(ctx: Context) -> list[Line]:
    """Why the forum matters to civil society and what is decided there: the documents'
    "what is at stake" and "why it matters" sections, BB's reading of the forum, and the
    decisions still to come there."""
    ranked = []
    for block, rel, kind in _blocks(ctx):
        head = block.head
        text = head.plain
        if is_question(text) or RISK.search(text) or ACTION.search(text) or META.search(text) \
                or _mostly_placeholder(head) or kind in OTHER_KINDS:
            continue
        names = rel == 3
        if kind == "stakes" and rel >= 2:
            tier = 0
        elif STAKE.search(text) and rel >= 2:
            tier = 1
        elif BB_VIEW.search(text) and names:
            tier = 2
        elif names and _pending(ctx, block):
            tier = 3
        else:
            continue
        ranked.append(((tier, -rel, ctx.rank(block.doc), head.position), block))
    return to_lines(ctx, choose(ctx, ranked, BUDGETS["stakes"]))


def routes(ctx: Context) -> list[Line]:
    """How civil society takes part in the forum: the routes the documents describe
    (delegations, consultations, membership, open groups) where they apply to it. A list
    whose lead names no route offers its items that do, one by one."""
    ranked = _route_definitions(ctx)
    for whole, rel, kind in _blocks(ctx):
        if kind in NOT_ROUTES or RISK.search(whole.head.plain):
            continue
        parts = [whole] if ROUTE.search(whole.head.plain) else [
            Block(whole.doc, (u,)) for u in whole.units[1:] if ROUTE.search(u.plain)]
        for block in parts:
            head = block.head
            if is_question(head.plain) or META.search(head.plain) or _mostly_placeholder(head) \
                    or BB_VIEW.search(head.plain):
                continue
            rel = ctx.relevance(head, block.doc) if block is not whole else rel
            if rel < 2:
                continue
            tier = 0 if kind == "routes" else 1
            ranked.append(((-rel, ctx.rank(block.doc), tier, head.position), block))
    return to_lines(ctx, choose(ctx, ranked, BUDGETS["routes"]), label=_route_label(ctx))


def _route_definitions(ctx: Context) -> list[tuple[tuple[float, ...], Block]]:
    """For each route a document tagged with the forum describes (a top-level section under a
    "routes" heading) that speaks of the forum anywhere: its opening statement, what the route
    is ("Organisations can join an ITU Sector as a Sector Member, ...")."""
    found = []
    for doc in ctx.docs:
        if ctx.forum not in doc.forums or doc.doc_type in ("messages", "timeline", "glossary"):
            continue
        by_route: dict[str, list[Unit]] = {}
        for unit in ctx.units(doc):
            by_route.setdefault(unit.headings[0] if unit.headings else "", []).append(unit)
        for top, units in by_route.items():
            first = next((u for u in units if u.kind == "sentence" and _plain_fact(u)), None)
            if first is not None and heading_kind((top,)) == "routes" and \
                    ROUTE.search(first.plain) and any(ctx.names(u, doc) for u in units):
                found.append(((-9, ctx.rank(doc), 0, first.position), Block(doc, (first,))))
    return found


def _route_label(ctx: Context):  # type: ignore[no-untyped-def]
    """Names each route once, by its enumerated heading ("Route 1: National delegations")."""
    named: set[str] = set()

    def label(unit: Unit) -> str:
        heading = enumerated_heading(unit)
        if not heading or heading in named:
            return ""
        named.add(heading)
        return heading

    return label


def risks(ctx: Context) -> list[Line]:
    """What could go wrong and what is still open: the documents' open questions, cautions
    and concerns about the forum."""
    ranked = []
    for block, rel, kind in _blocks(ctx, tagged=False):
        head = block.head
        text = head.plain
        question = is_question(text)
        if _mostly_placeholder(head) and not question or ACTION.search(text) and not question:
            continue
        if kind == "risks" and rel >= 2:
            tier = 0
        elif (question or RISK.search(text)) and rel >= 2 and kind != "actions":
            tier = 1 if rel == 3 else 2
        else:
            continue
        ranked.append(((ctx.rank(block.doc), tier, -rel, head.position), block))
    return to_lines(ctx, choose(ctx, ranked, BUDGETS["risks"]))

