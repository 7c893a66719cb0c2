"""Turning answers, passages and index facts into page text, safely.

Everything that comes from a document (or from a user) is escaped before it reaches an HTML or
Markdown component, so a briefing holding `<script>` or an `onerror=` image is shown as text and
cannot run. Answers go to the chat as Markdown in which document text cannot form a link, an
image or an autolink (bare URLs and e-mail addresses stay text); passages are rendered here as
Markdown (bold, lists, quotes, tables) by markdown-it with raw HTML, links and images turned off.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from markdown_it import MarkdownIt

# The panel keeps the sources of this many recent answers (each answer sends the whole panel).
MAX_SOURCE_TURNS = 20
STATUS_BADGES = {"agreed": "agreed", "draft": "draft", "superseded": "superseded"}
_CITATION = re.compile(r"\[(\d{1,3})\]")
# CommonMark without raw HTML, links, images, autolinks or reference definitions; with tables
# and strikethrough. What is left can only make emphasis, lists, quotes, headings, code, tables.
_PASSAGE_MD = (MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
               .enable(["table", "strikethrough"])
               .disable(["link", "image", "autolink", "reference"]))
# Private-use characters mark where the quote starts and ends while the passage is rendered.
_OPEN, _CLOSE = "\ue000", "\ue001"
_BLOCK_MARKERS = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+|>[ \t]?|#{1,6}[ \t]+)*")
_TAG = re.compile(r"(<[^>]*>)")
_BETWEEN_WORDS = r"[\s*>+-]+"
# What a Markdown renderer with GFM autolinks would turn into a link.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,20}):(?=//)")
_WWW = re.compile(r"(?i)\bwww\.")
_QUOTE_MARKERS = re.compile(r"(?m)^((?:[ \t]*&gt;)+)")


def esc(value: Any) -> str:
    """HTML-escaped text (quotes included); None becomes ''."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_markdown(text: str) -> str:
    """Document or user text made inert for a Markdown renderer, keeping emphasis, lists and
    block quotes.

    HTML is escaped (no tags); `](`, `]:` and `![` are written as entities so the text cannot
    form a link, a reference definition or an image; `scheme:`, `www.` and `@` are written as
    entities so a bare URL or an e-mail address (or a neutralised image's target) cannot become
    an autolink. A `>` that opens a line stays a block-quote marker.
    """
    out = esc(text)
    out = _QUOTE_MARKERS.sub(lambda m: m.group(1).replace("&gt;", ">"), out)
    out = out.replace("](", "]&#40;").replace("]:", "]&#58;").replace("![", "&#33;[")
    out = _SCHEME.sub(r"\1&#58;", out)
    out = _WWW.sub(lambda m: m.group(0)[:3] + "&#46;", out)
    out = out.replace("@", "&#64;")
    # Backticks would make a code span (which shows entities verbatim); `$` would start maths.
    return out.replace("`", "&#96;").replace("$", "&#36;")


def anchor(turn: int | str, n: int) -> str:
    return f"src-{turn}-{n}"


def answer_markdown(text: str, turn: int | str,
                    cited: Iterable[int] | Mapping[int, str]) -> str:
    """The answer as safe Markdown, each `[n]` of a cited source a link to its passage.

    `cited` is the citation numbers, or a mapping of each to its document title (the link's
    title: "source n: title")."""
    titles = dict(cited) if isinstance(cited, Mapping) else dict.fromkeys(cited, "")
    out = safe_markdown(text)

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in titles:
            return match.group(0)
        # A title (the chat's sanitiser keeps it, not aria-label): a tooltip, and what a
        # screen reader says after "[1], link".
        label = f"source {n}" + (f": {titles[n]}" if titles[n] else "")
        return (f'<a href="#{anchor(turn, n)}" class="bb-cite" data-n="{n}" '
                f'title="{esc(label)}">[{n}]</a>')

    return _CITATION.sub(link, out)


def question_markdown(text: str) -> str:
    return safe_markdown(text)


def is_stale(doc_date: str | None, stale_before: date | None) -> bool:
    if not stale_before or not doc_date:
        return False
    try:
        return date.fromisoformat(str(doc_date)[:10]) < stale_before
    except ValueError:
        return False


def badges(status: str, doc_date: str, stale_before: date | None, *, doc_type: str = "",
           audience: str = "") -> str:
    parts = []
    if status:
        kind = STATUS_BADGES.get(status.lower(), "other")
        parts.append(f'<span class="bb-badge bb-{kind}">{esc(status)}</span>')
    if is_stale(doc_date, stale_before):
        parts.append(f'<span class="bb-badge bb-stale" title="dated before '
                     f'{esc(stale_before)}">stale</span>')
    if doc_type:
        parts.append(f'<span class="bb-badge bb-type">{esc(doc_type)}</span>')
    if audience == "internal":
        parts.append('<span class="bb-badge bb-internal">internal</span>')
    return " ".join(parts)


def _passage_for(citation: Mapping[str, Any],
                 passages: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for p in passages:
        if citation.get("chunk_id") and p.get("chunk_id") == citation.get("chunk_id"):
            return p
    for p in passages:
        if p.get("source") == citation.get("source") and citation.get("quote", "") in p.get(
                "text", ""):
            return p
    return None


def _quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in the passage, whatever whitespace, emphasis or list and quote
    markers the two have between words (the quote may come with or without them)."""
    words = (quote or "").replace("*", " ").split()
    if not words:
        return None
    match = re.search(_BETWEEN_WORDS.join(map(re.escape, words)), text)
    if match is None:
        return None
    start, end = match.span()
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        # A quote that opens a line starts after its list, quote or heading marker, so the
        # marker still opens its block.
        start += _BLOCK_MARKERS.match(text, start, end).end() - start  # type: ignore[union-attr]
    return (start, end) if start < end else None


def _mark(rendered: str) -> str:
    """Turn each quote's start and end marks into <mark> around each run of text between them
    (a quote may cross tags, even blocks, so one element could not hold it)."""
    out, pos = [], 0
    while True:
        a = rendered.find(_OPEN, pos)
        b = rendered.find(_CLOSE, a + 1) if a >= 0 else -1
        if a < 0 or b < 0:
            out.append(rendered[pos:])
            break
        pieces = _TAG.split(rendered[a + 1:b])
        out.append(rendered[pos:a])
        out.append("".join(p if i % 2 or not p.strip() else f'<mark class="bb-quote">{p}</mark>'
                           for i, p in enumerate(pieces)))
        pos = b + 1
    return "".join(out).replace(_OPEN, "").replace(_CLOSE, "")


def cited_lines(answer: str) -> dict[int, list[str]]:
    """For each citation number, the lines of the answer that end at an `[n]`: the sentences
    the answer took from that passage (list and quote markers dropped)."""
    cited: dict[int, list[str]] = {}
    last = 0
    for match in _CITATION.finditer(answer or ""):
        segment, last = answer[last:match.start()], match.end()
        for line in segment.splitlines():
            line = line[_BLOCK_MARKERS.match(line).end():].strip()  # type: ignore[union-attr]
            if line:
                cited.setdefault(int(match.group(1)), []).append(line)
    return cited


def passage_html(text: str, quotes: str | Sequence[str]) -> str:
    """The passage rendered as safe Markdown, with the quoted sentences marked (those that
    are found in it; the others, such as an answer's lead-in line, are left out)."""
    text = (text or "").replace(_OPEN, "").replace(_CLOSE, "")
    spans = sorted(span for q in ([quotes] if isinstance(quotes, str) else quotes)
                   if (span := _quote_span(text, q)))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + _OPEN + text[start:end] + _CLOSE + text[end:]
    return _mark(_PASSAGE_MD.render(text))


def source_item(turn: int | str, citation: Mapping[str, Any],
                passages: Sequence[Mapping[str, Any]], stale_before: date | None) -> str:
    n = int(citation["n"])
    passage = _passage_for(citation, passages) or {}
    text = passage.get("text") or citation.get("quote", "")
    where = []
    if citation.get("section"):
        where.append(f'<span class="bb-section">{esc(citation["section"])}</span>')
    if citation.get("page"):
        where.append(f'<span class="bb-page">p. {esc(citation["page"])}</span>')
    if citation.get("date"):
        where.append(f'<span class="bb-date">{esc(citation["date"])}</span>')
    where.append(f'<code class="bb-path">{esc(citation.get("source", ""))}</code>')
    marks = badges(citation.get("status", ""), citation.get("date", ""), stale_before,
                   doc_type=passage.get("doc_type", ""),
                   audience=citation.get("audience") or passage.get("audience", ""))
    # tabindex -1: a followed citation moves the focus here, so a screen reader reads it next.
    return (
        f'<li class="bb-source" id="{anchor(turn, n)}" data-n="{n}" tabindex="-1">'
        f'<div class="bb-src-head"><span class="bb-n">[{n}]</span> '
        f'<span class="bb-title">{esc(citation.get("title", ""))}</span> {marks}</div>'
        f'<div class="bb-src-meta">{" · ".join(where)}</div>'
        f'<div class="bb-passage">'
        f'{passage_html(text, citation.get("quotes") or citation.get("quote", ""))}</div></li>'
    )


def _panel(body: str) -> str:
    """The heading stays put; the list below it scrolls inside the panel."""
    return ('<section class="bb-panel" aria-labelledby="bb-sources-title">'
            '<h2 id="bb-sources-title" class="bb-panel-title">Sources</h2>'
            '<div class="bb-scroll" tabindex="0" role="region" '
            f'aria-label="Cited passages, newest answer first">{body}</div></section>')


def turn_sources(turn: int, t: Mapping[str, Any], stale_before: date | None) -> str:
    """One answer's part of the panel (kept with the turn: the panel is sent whole after each
    answer, and rendering every earlier passage's Markdown again each time costs)."""
    citations = t.get("citations") or []
    if citations:
        items = "".join(source_item(turn, c, t.get("passages") or [], stale_before)
                        for c in citations)
        return f'<ol class="bb-source-list">{items}</ol>'
    if t.get("abstained"):
        return ('<p class="bb-none">No passage answers this; the answer names the closest '
                'documents.</p>')
    return '<p class="bb-none">No sources cited.</p>'


def sources_html(turns: Sequence[Mapping[str, Any]], stale_before: date | None) -> str:
    """The sources panel: the newest answer's cited passages open, earlier ones folded."""
    if not turns:
        return _panel('<p class="bb-sources-empty">Ask a question: the passages each answer '
                      'cites appear here, with their document, section, page and status.</p>')
    blocks = []
    last = len(turns) - 1
    first = max(0, len(turns) - MAX_SOURCE_TURNS)
    for turn in range(last, first - 1, -1):
        t = turns[turn]
        body = t.get("sources_html") or turn_sources(turn, t, stale_before)
        opened = " open" if turn == last else ""
        blocks.append(
            f'<details class="bb-turn" id="turn-{turn}"{opened}><summary>'
            f'<span class="bb-q">Q{turn + 1}: {esc(t.get("question", ""))}</span></summary>'
            f"{body}</details>")
    if first:
        blocks.append(f'<p class="bb-none">Sources of the first {first} answers are no longer '
                      "shown; start a new conversation to keep this panel short.</p>")
    return _panel('<div class="bb-sources">' + "".join(blocks) + "</div>")


def status_html(info: Mapping[str, Any] | None, job: Mapping[str, Any] | None = None,
                error: str | None = None) -> str:
    parts = ['<div class="bb-status">']
    if error:
        parts.append(f'<p class="bb-error">{esc(error)}</p>')
    if info:
        parts.append(
            f'<p><b>Generation</b> <code>{esc(info.get("generation"))}</code> · built '
            f'{esc(info.get("built_at"))} · {esc(info.get("documents"))} documents · '
            f'{esc(info.get("chunks"))} chunks · store {esc(info.get("store"))}</p>')
        changes = info.get("changes_since") or {}
        pending = [(kind, s) for kind in ("new", "changed", "deleted")
                   for s in changes.get(kind, [])]
        if pending:
            items = "".join(f"<li>{esc(kind)}: <code>{esc(s)}</code></li>" for kind, s in pending)
            parts.append(f"<p>Not yet indexed:</p><ul>{items}</ul>")
        else:
            parts.append("<p>The index is up to date with the corpus folder.</p>")
        skipped = info.get("skipped") or []
        if skipped:
            items = "".join(f"<li><code>{esc(s.get('source'))}</code>: {esc(s.get('reason'))}"
                            "</li>" for s in skipped)
            parts.append(f"<p>Skipped files:</p><ul>{items}</ul>")
        else:
            parts.append("<p>No files skipped.</p>")
    if job:
        state = job.get("state")
        if state == "running":
            parts.append(f'<p class="bb-running">Indexing now (started {esc(job.get("started"))})'
                         "… the chat keeps answering from the current generation.</p>")
        elif state == "done" and job.get("report"):
            r = job["report"]
            parts.append(
                f'<p>Last update ({esc(job.get("finished"))}): generation '
                f'<code>{esc(r.get("generation"))}</code>, {esc(r.get("added"))} added, '
                f'{esc(r.get("updated"))} updated, {esc(r.get("deleted"))} deleted, '
                f'{len(r.get("skipped") or [])} skipped, {esc(r.get("seconds"))} s.</p>')
        elif state == "failed":
            parts.append(f'<p class="bb-error">Last update failed: {esc(job.get("error"))}</p>')
    parts.append("</div>")
    return "".join(parts)


def documents_html(docs: Sequence[Mapping[str, Any]], stale_before: date | None) -> str:
    if not docs:
        return "<p>No documents indexed yet.</p>"
    rows = []
    for d in sorted(docs, key=lambda d: str(d.get("source", ""))):
        forum = d.get("forum") or []
        forum_text = ", ".join(map(str, forum)) if isinstance(forum, list) else str(forum)
        rows.append(
            f'<tr><td><code>{esc(d.get("source"))}</code></td><td>{esc(d.get("title"))}</td>'
            f'<td>{esc(d.get("doc_type"))}</td><td>{esc(forum_text)}</td>'
            f'<td>{badges(str(d.get("status") or ""), str(d.get("date") or ""), stale_before)}'
            f'</td><td>{esc(d.get("date"))}</td><td>{esc(d.get("audience"))}</td>'
            f'<td class="bb-num">{esc(d.get("chunks"))}</td></tr>')
    return ('<table class="bb-docs"><thead><tr><th>Path</th><th>Title</th><th>Type</th>'
            '<th>Forum</th><th>Status</th><th>Date</th><th>Audience</th><th>Chunks</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>')
