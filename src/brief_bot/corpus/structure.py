"""The structure inside a passage's text: its sentences, and the Markdown lists and tables in it
with the sentence that leads into each. Every sentence returned is an exact substring of its
text, so a quote made from one is verbatim source text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Sentence ends, blank lines, and line breaks before list items or after a full stop; a bare
# line break (wrapped PDF text) stays inside its sentence.
# Not after an initial or a title ("R.N. Jha", "U.S. Department", "Mr. Kramer").
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|No|Nr|vs)\.)(?<!\bMrs\.)"
                       r"[\"')\]]*\s+(?=[\"'(\[*_A-Z0-9])|\n\s*\n+|"
                       r"\n(?=\s*(?:[-*+]\s|\d+[.)]\s|#|>|\|))|(?<=[.!?:])\n")
MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*|\|\s*)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+\S")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_HEADING_LINE = re.compile(r"^\s*#")


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of a passage, each an exact substring of it."""
    out = []
    for piece in _SENTENCE.split(text):
        piece = piece.strip()
        body = MARKUP.sub("", piece).strip()
        words = len(body.split())
        # A short line with no closing punctuation is a heading (common in PDF text), not a
        # statement; it would read as a fragment in an answer.
        item = bool(_LIST_ITEM.match(piece))
        heading = words < 12 and not item and not re.search(r"[.!?:;\"”')\]]\W*$", body)
        if words >= 3 and re.search(r"[A-Za-z]", body) and not heading:
            out.append(piece)
    return out


def plain(sentence: str) -> str:
    """A sentence as answer text: list or quote markers off, whitespace collapsed."""
    return " ".join(MARKUP.sub("", sentence).split())


@dataclass(frozen=True)
class ListBlock:
    """A Markdown list (or table) in a run of lines: the sentence that introduces it, and for
    each item its lines (first and last, inclusive)."""

    lead: str  # the sentence just before the list ("" if none), verbatim
    spans: tuple[tuple[int, int], ...]
    numbered: bool
    table: bool


_ENDS = re.compile(r"[.!?:;)\"”’']\s*$")


def list_blocks(lines: list[str]) -> list[ListBlock]:
    """The lists and tables in `lines`, each with the sentence that leads into it. An item
    runs on over lines that are indented, start in lower case, or follow a line that stops
    mid-sentence (a list in PDF text is wrapped, unindented)."""
    blocks: list[ListBlock] = []
    i = 0
    while i < len(lines):
        table = bool(_TABLE_ROW.match(lines[i]))
        if not (_LIST_ITEM.match(lines[i]) or table):
            i += 1
            continue
        first = i
        spans: list[tuple[int, int]] = []
        while i < len(lines):
            line = lines[i]
            if table:
                if not _TABLE_ROW.match(line):
                    break
                if not _TABLE_RULE.match(line):
                    spans.append((i, i))
            elif _LIST_ITEM.match(line):
                spans.append((i, i))
            elif spans and line.strip() and not _HEADING_LINE.match(line) and (
                    line[:1].isspace() or line.lstrip()[:1].islower()
                    or not _ENDS.search(lines[i - 1])):
                spans[-1] = (spans[-1][0], i)
            else:
                break
            i += 1
        before = [line for line in lines[:first] if line.strip()]
        tail = split_sentences("\n".join(before[-3:])) if before else []
        lead = tail[-1] if tail else ""
        if len(spans) >= 2:
            numbered = bool(re.match(r"^\s*\d", lines[spans[0][0]]))
            blocks.append(ListBlock(lead, tuple(spans), numbered, table))
    return blocks


def leads_in(sentence: str) -> bool:
    """Whether a sentence ends in a colon ("... are:", "**How BB pushes for openness:**")."""
    return re.sub(r"[*_\s]+$", "", sentence).endswith(":")


def list_after(passage: Any, sentence: str) -> list[str]:
    """The items of the list that `sentence` leads into in the passage, if it leads one."""
    if not leads_in(sentence):
        return []
    # The whole passage first: a chunk boundary may fall between a lead and its list.
    for part in (passage.text, *passage.parts):
        if sentence not in part:
            continue
        lines = part.split("\n")
        for block in list_blocks(lines):
            if block.lead.strip() == sentence.strip():
                return ["\n".join(lines[a:b + 1]) for a, b in block.spans]
    return []


def item_label(item: str) -> str:
    """The part of a list item that names it: its bold lead or the text before a colon."""
    body = MARKUP.sub("", item).strip()
    bold = re.match(r"\*\*(.+?)\*\*", body)
    if bold:
        return bold.group(1).rstrip(":. ")
    head = body.split(":", 1)[0] if ":" in body[:120] else ""
    return head.strip()
