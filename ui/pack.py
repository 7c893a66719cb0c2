"""The Meeting pack tab's handlers: build a pack through `BriefBot.pack` (or its pool), show it
with the same sources panel as the chat, and offer it as DOCX and Markdown files. The pack is
the one the CLI and Slack give for the same forum and audience; this module only shows it."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from brief_bot.bot import BriefBotError
from brief_bot.pack import Pack
from brief_bot.pack.docx import pack_docx
from brief_bot.pack.markdown import pack_json, render_markdown

from . import render
from .page import Page

log = logging.getLogger("brief_bot.web")

# Pack citations link to "#src-pack-N": apart from the chat's answers ("#src-TURN-N").
TURN = "pack"
AUDIENCE_CHOICES = [("All documents", "internal"), ("Public only", "public")]
EMPTY_VIEW = ("Pick a forum (or type one, such as “the Plenipot” or “Council 2015”) and "
              "press **Build pack**: everything the documents hold on it, in one cited brief.")


def panel(body: str) -> str:
    """The sources panel of the chat tab, for one pack."""
    return ('<section class="bb-panel" aria-labelledby="bb-pack-sources-title">'
            '<h2 id="bb-pack-sources-title" class="bb-panel-title">Sources</h2>'
            '<div class="bb-scroll" tabindex="0" role="region" '
            f'aria-label="Passages the meeting pack cites">{body}</div></section>')


def empty_panel() -> str:
    return panel('<p class="bb-sources-empty">The passages a pack cites appear here, with '
                 'their document, section, status and date.</p>')


def sources_panel(pack: Pack, stale_before: Any) -> str:
    if not pack.citations:
        return panel('<p class="bb-none">No sources cited.</p>')
    passages = [p.to_dict() for p in pack.passages]
    items = "".join(render.source_item(TURN, {**c.to_dict(), "quotes": list(pack.quotes.get(
        c.n, (c.quote,)))}, passages, stale_before) for c in pack.citations)
    return panel(f'<ol class="bb-source-list">{items}</ol>')


def pack_view(pack: Pack) -> str:
    """The pack as safe Markdown (document text cannot form a link or run), each [n] a link
    to its passage in the panel."""
    text = render_markdown(pack, sources=False)
    return render.answer_markdown(text, TURN, {c.n: c.title for c in pack.citations})


def _files(pack: Pack) -> tuple[str, str]:
    """The pack as DOCX and Markdown files, in a folder of their own under the temp dir."""
    slug = re.sub(r"[^a-z0-9]+", "-", pack.forum.lower()).strip("-") or "forum"
    folder = Path(tempfile.mkdtemp(prefix="brief-bot-pack-"))
    docx, md = folder / f"meeting-pack-{slug}.docx", folder / f"meeting-pack-{slug}.md"
    docx.write_bytes(pack_docx(pack))
    md.write_text(render_markdown(pack), encoding="utf-8")
    return str(docx), str(md)


class PackTab:
    """The tab's handlers, over the page's bot and settings."""

    def __init__(self, *, page: Page) -> None:
        if not hasattr(page, "bot") or not hasattr(page, "web"):
            raise TypeError("PackTab needs the page's handlers (a ui.page.Page)")
        self.page = page

    def forums(self) -> Any:
        """The forums the index holds, for the forum box (each visit, like the filters)."""
        return gr.update(choices=self.page.facets()["forum"])

    def build(self, forum: str | None, audience: str | None):
        """(view, sources, DOCX button, Markdown button, note, data) for one pack."""
        hidden = gr.update(visible=False, value=None)
        try:
            pack = self.page.bot.pack(str(forum or ""), audience=audience or "internal")
        except BriefBotError as exc:
            note = f"**No pack:** {render.safe_markdown(str(exc))}"
            return EMPTY_VIEW, empty_panel(), hidden, hidden, note, {"error": str(exc)}
        data = pack_json(pack)
        if pack.declined:
            note = f"**No pack:** {render.safe_markdown(pack.notice)}"
            return EMPTY_VIEW, empty_panel(), hidden, hidden, note, data
        docx, md = _files(pack)
        took = pack.timings_ms.get("total", 0.0)
        note = (f"**{render.safe_markdown(pack.title)}**: {len(pack.sections)} sections, "
                f"{len(pack.sources)} sources ({took / 1000:.1f} s).")
        log.info("pack for %r (%s): %d sections, %d sources", pack.forum, pack.audience,
                 len(pack.sections), len(pack.sources))
        return (pack_view(pack), sources_panel(pack, self.page.web.stale_before),
                gr.update(visible=True, value=docx), gr.update(visible=True, value=md), note,
                data)
