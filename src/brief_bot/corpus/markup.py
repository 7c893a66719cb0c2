"""Markdown and HTML to heading-aware sections (Markdown's YAML front matter is kept raw for the
metadata reader)."""

from __future__ import annotations

import bisect
import re

from .parsed import DEFAULT_LIMITS, Limits, Parsed, Section, SkipFile, decode_text

# --- Markdown and HTML --------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# "##Title" without a space is common in converted documents; require a capital then.
_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+|(?=[A-Z]))(.+?)[ \t#]*$")
_HTMLISH = re.compile(r"<(p|div|br|table|span|a|h[1-6]|ul|ol|li|script|style|nav|img)\b", re.I)
_FENCE = re.compile(r"^\s*(```|~~~)")


def split_front_matter(text: str) -> tuple[str | None, str]:
    match = _FRONT.match(text)
    if not match:
        if text.startswith("---\n"):
            # An opening marker with no closing one: the whole file would vanish into
            # "metadata"; keep it as body and let the caller warn.
            return "", text[4:]
        return None, text
    return match.group(1), text[match.end() :]


def sections_from_markdown(body: str) -> list[Section]:
    """Heading-aware: each block of text knows the path of headings above it."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(tuple(h for _, h in path), text))
        lines.clear()

    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level, heading = len(match.group(1)), _clean_heading(match.group(2))
            while path and path[-1][0] >= level:
                path.pop()
            if heading:
                path.append((level, heading))
        else:
            lines.append(line)
    flush()
    return sections


def _clean_heading(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


# Elements whose content is not the document's text: code, and page furniture. They are left
# out only when the source closes them: `<nav>` or `<script>` mentioned in prose is never closed,
# and a parser would take everything after it for the element's content (a whole "Budget"
# section vanished so). An unclosed one is read as the text it is.
_DROPPED = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "form",
                      "template", "svg", "iframe", "head"})
# Elements whose content is raw text up to their end tag, whatever it holds.
_RAW = ("script", "style")
# Dropped elements that hold words a reader sees: leaving one out is reported, with its section.
_FURNITURE = frozenset({"nav", "header", "footer", "aside", "noscript", "form", "iframe"})
_BLOCKS = frozenset({"p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "section",
                     "article", "pre"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# HTML's element names: in Markdown, anything else in angle brackets is prose (`Vec<String>`, an
# autolink `<https://...>`, `<name@example.org>`), kept as written.
_ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo big blockquote body br button canvas
caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe
img input ins kbd label legend li link main map mark menu meta meter nav noscript object ol
optgroup option output p param picture pre progress q rp rt ruby s samp script search section
select slot small source span strike strong style sub summary sup svg table tbody td template
textarea tfoot th thead time title tr track tt u ul var video wbr""".split())
# A tag as Python's html.parser finds one: `<` or `</`, a letter, the name up to a space, / or >.
_TAG = re.compile(r"<(/?)([a-zA-Z][^\t\n\r\f />\x00<]*)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_MD_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_MAX_WARNINGS = 5


def _escape_code(markdown: str) -> str:
    """Markdown's code (spans and fenced blocks) shows angle brackets and ampersands as typed:
    escaped, the HTML parser reads them back as text, never as tags or entities."""
    out: list[str] = []
    in_fence = False
    for line in markdown.split("\n"):
        fence = bool(_FENCE.match(line))
        if in_fence and not fence:
            out.append(_escape(line))
        else:
            out.append(_CODE_SPAN.sub(lambda m: m.group(1) + _escape(m.group(2)) + m.group(1),
                                      line))
        if fence:
            in_fence = not in_fence
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _unclosed_tags(html: str, markdown: bool) -> list[int]:
    """Where tags start that must be read as text: elements to leave out that the source never
    closes and, in Markdown, names that are not HTML's."""
    ends: dict[str, list[int]] = {name: [] for name in _RAW}
    for match in _TAG.finditer(html):
        if match.group(1) and match.group(2).lower() in ends:
            ends[match.group(2).lower()].append(match.start())
    text_at: list[int] = []
    open_at: dict[str, list[int]] = {}
    raw_until = -1
    for match in _TAG.finditer(html):
        at, closing, name = match.start(), bool(match.group(1)), match.group(2).lower()
        if at < raw_until:
            continue
        if markdown and name not in _ELEMENTS:
            text_at.append(at)
        elif name in _RAW and not closing:
            later = bisect.bisect_right(ends[name], at)
            if later < len(ends[name]):
                raw_until = ends[name][later]  # raw text up to its end tag: no tags inside
            else:
                text_at.append(at)
        elif name in _DROPPED:
            if not closing:
                open_at.setdefault(name, []).append(at)
            elif open_at.get(name):
                open_at[name].pop()
    text_at.extend(at for starts in open_at.values() for at in starts)
    return sorted(text_at)


def _as_text(html: str, positions: list[int]) -> str:
    if not positions:
        return html
    parts, last = [], 0
    for at in positions:
        parts.append(html[last:at])
        parts.append("&lt;")
        last = at + 1
    parts.append(html[last:])
    return "".join(parts)


def html_to_markdown(html: str, limits: Limits = DEFAULT_LIMITS, *, markdown: bool = False
                     ) -> tuple[str, str | None, list[str]]:
    """Leave out what is not content (scripts, styles, navigation), keep headings as `#` lines.
    Returns the text, the page's title and a warning for each block of page furniture left out
    (naming its section). `markdown`: the HTML inside a Markdown file, whose code and whose
    angle brackets that are not HTML's are prose.

    One pass over the tree with an explicit stack: linear in the size of the page however deep
    it nests (inserting separators into the tree, as this once did, walked every descendant on
    each insert: 77 s for 440 KB of nested `<div>`s), and no recursion to overflow.
    """
    from bs4 import BeautifulSoup

    if markdown:
        html = _escape_code(html)
    html = _as_text(html, _unclosed_tags(html, markdown))
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    out, left_out = _walk(soup, limits)
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    warnings = [f"left out a <{name}> block of {words} words in section {section!r} (page "
                "navigation or furniture)" for name, words, section in left_out[:_MAX_WARNINGS]]
    if len(left_out) > _MAX_WARNINGS:
        warnings.append(f"... and {len(left_out) - _MAX_WARNINGS} more such blocks left out")
    return text.strip(), title, warnings


def _walk(soup: object, limits: Limits) -> tuple[list[str], list[tuple[str, int, str]]]:
    """The tree's text in document order, and each block of furniture left out (its tag, its
    words, the heading above it)."""
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    left_out: list[tuple[str, int, str]] = []
    heading = ""
    stack: list[tuple[object, int, bool]] = [(soup, 0, False)]
    while stack:
        node, depth, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # not comments, doctypes, scripts
                out.append(str(node))
                headings = _MD_HEADING_LINE.findall(str(node))
                heading = headings[-1] if headings else heading
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if leaving:
            out.append(" | " if name in ("td", "th") else "\n\n")
            continue
        if depth > limits.max_nesting:
            raise SkipFile(f"HTML nested more than {limits.max_nesting} elements deep")
        if name in _DROPPED:
            words = len(node.get_text(" ", strip=True).split()) if name in _FURNITURE else 0
            if words:
                left_out.append((name, words, heading or "(before the first heading)"))
            continue
        if name in _HEADINGS:
            text = node.get_text(" ", strip=True)
            if text:
                out.append(f"\n\n{'#' * _HEADINGS[name]} {text}\n\n")
                heading = text
            continue
        if name == "br":
            out.append("\n")
            continue
        if name in _BLOCKS:
            out.append("\n\n")
        if name in _BLOCKS or name in ("td", "th"):
            stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(node.contents))
    return out, left_out


def load_markdown(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    front, body = split_front_matter(decode_text(data))
    warnings: list[str] = []
    if _HTMLISH.search(body):
        body, _, warnings = html_to_markdown(body, limits, markdown=True)
    return Parsed(tuple(sections_from_markdown(body)), front_matter=front,
                  warnings=tuple(warnings))


def load_html(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    body, title, warnings = html_to_markdown(decode_text(data), limits)
    return Parsed(tuple(sections_from_markdown(body)), title=title, warnings=tuple(warnings))
