"""A pack as Markdown: what the CLI prints, the `.md` file, the page shows (escaped at the door)
and Slack posts (as mrkdwn).

    # Meeting pack: PP-14
    ## 1. The forum in brief
    - **PP-14** (Plenipotentiary Conference 2014): PP-14 was ... [1]
    ## 3. Our messages for PP-14
    **Message 1: Open all ITU documents and meetings** (agreed, 2014-09-15) [5]
    > **The ask:** BB asks PP-14 ... [5]
    ## Sources
    - **Glossary of ITU acronyms and terms** · `glossary/glossary.md` · agreed · 2014-12-01
      [1] *Plenipotentiary Conferences*
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Line, Pack, Source

SUMMARY_NOTE = ("Written by a language model from the pack's cited lines below; check it "
                "against them.")
INTRO = ("Every sentence below is quoted from BB's briefing documents and cited [n]; the "
         "sources are listed at the end.")
# On a page that shows the sources beside the pack.
INTRO_BESIDE = ("Every sentence below is quoted from BB's briefing documents and cited [n]; "
                "click a number to see its passage under Sources.")


def audience_note(pack: Pack) -> str:
    if pack.audience == "public":
        return "Audience: public (internal documents left out)."
    return "Audience: internal (internal documents included; check before sharing)."


def line_text(line: Line) -> str:
    """One line with its label, note and citation, as Markdown (no list or quote marker)."""
    if line.style == "head":
        note = f" ({line.note})" if line.note else ""
        return f"**{line.text}**{note} [{line.n}]"
    label = f"**{line.label}** — " if line.label else ""
    note = f" — *{line.note}*" if line.note else ""
    return f"{label}{line.text}{note} [{line.n}]"


def lines_markdown(lines: Sequence[Line]) -> str:
    """Lines as Markdown blocks: sentences of one source run on as a paragraph, items are a
    list, a message's paragraphs a quote."""
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        text = line_text(line)
        if line.style == "para":
            if previous is not None and previous.style == "para" and previous.n == line.n:
                out[-1] += " " + text
            else:
                out += ["", text]
        elif line.style in ("item", "sub"):
            if previous is None or previous.style not in ("item", "sub"):
                out.append("")
            out.append(("  - " if line.style == "sub" else "- ") + text)
        elif line.style == "quote":
            out += [">" if previous is not None and previous.style == "quote" else "",
                    f"> {text}"]
        else:
            out += ["", text]
        previous = line
    return "\n".join(out).strip("\n")


def by_document(sources: Sequence[Source]) -> list[list[Source]]:
    """The sources grouped by document, in the order the pack first cites each."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.source, []).append(source)
    return list(groups.values())


def badges(source: Source) -> list[str]:
    return [b for b in (source.status if source.status not in ("", "unspecified") else "",
                        source.date, "stale" if source.stale else "",
                        "internal" if source.audience == "internal" else "") if b]


def where(source: Source) -> str:
    return ", ".join(x for x in (source.section or "(opening)",
                                 f"p. {source.page}" if source.page else "") if x)


def sources_markdown(sources: Sequence[Source]) -> str:
    """One line per document (title, path, status, date, badges), then its numbered
    sections: every [n] of the pack, footnote style."""
    lines = []
    for group in by_document(sources):
        first = group[0]
        lines.append(f"- **{first.title}** · `{first.source}`"
                     + "".join(f" · {b}" for b in badges(first)))
        lines.append("  " + " · ".join(f"[{s.n}] *{where(s)}*" for s in group))
    return "\n".join(lines)


def section_texts(pack: Pack) -> dict[str, str]:
    """Each section's Markdown by its key, "sources" included (what the key file scores)."""
    texts = {s.key: f"{s.title}\n{lines_markdown(s.lines)}" for s in pack.sections}
    if pack.sources:
        texts["sources"] = sources_markdown(pack.sources)
    return texts


def render_markdown(pack: Pack, *, sources: bool = True) -> str:
    """The whole pack; without `sources` for a page that shows them in its own panel."""
    if pack.declined:
        return f"# {pack.title}\n\n{pack.notice}\n"
    intro = INTRO if sources else INTRO_BESIDE
    parts = [f"# {pack.title}", f"*{intro} {audience_note(pack)} Newest document: "
             f"{pack.newest or 'unknown'}.*"]
    if pack.notice:
        parts.append(f"> **Note:** {pack.notice}")
    if pack.empty:
        parts.append(f"**Nothing in the documents for:** {'; '.join(pack.empty)}.")
    if pack.summary:
        parts.append(f"## Summary\n\n*{SUMMARY_NOTE}*\n\n{pack.summary}")
    for number, section in enumerate(pack.sections, start=1):
        parts.append(f"## {number}. {section.title}\n\n{lines_markdown(section.lines)}")
    if pack.sources and sources:
        parts.append("## Sources\n\n" + sources_markdown(pack.sources))
    return "\n\n".join(parts) + "\n"


def pack_json(pack: Pack) -> dict[str, Any]:
    """The pack as one JSON object: its values, each section's text, and its Markdown."""
    return {**pack.to_dict(), "texts": section_texts(pack), "markdown": render_markdown(pack)}
