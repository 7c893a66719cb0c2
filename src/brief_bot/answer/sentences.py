"""Sentences and list items of passage text: where they start and end, and what they hold.

Every sentence returned is an exact substring of its passage, so a citation's quote is always
verbatim source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..dates import ANY_YEAR, MONTH_IN_TEXT
from ..types import Kind

# Sentence ends, blank lines, and line breaks before list items or after a full stop; a bare
# line break (wrapped PDF text) stays inside its sentence.
# Not after an initial or a title ("R.N. Jha", "U.S. Department", "Mr. Kramer").
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|No|Nr|vs)\.)(?<!\bMrs\.)"
                       r"[\"')\]]*\s+(?=[\"'(\[*_A-Z0-9])|\n\s*\n+|"
                       r"\n(?=\s*(?:[-*+]\s|\d+[.)]\s|#|>|\|))|(?<=[.!?:])\n")
MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*|\|\s*)")
# A sentence about the document itself, a lead-in ending in ":" or a placeholder restates the
# question rather than answering it.
META = re.compile(r"^\W*(about this \w+\s+)?(this|the present)\s+(document|section|report|"
                  r"briefing|paper|note|guide|page|timeline|road-?map)\b|PLACEHOLDER|:\**\s*$|\?",
                  re.I)
# A sentence that cannot stand alone: it answers or continues the one before it.
DEPENDENT = re.compile(r"^\W*(still|however|but|yet|also|so|thus|therefore|then|instead|"
                       r"otherwise|likewise|similarly|moreover|furthermore|besides|indeed|"
                       r"for now|in that case|in this case|this|these|that|those|it|its|they|"
                       r"their|them|such|he|she|his|her|both|neither|either|yes|no|the same|"
                       r"the other|the latter|the former|here|there)\b", re.I)
# A bare yes or no inside a sentence answers a question asked elsewhere (often the heading).
YES_NO = re.compile(r"\b(yes|no)\s*[:;,]", re.I)

_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                 r"forty|fifty|hundred|thousand|million|billion|half|third|quarter|dozen")
# What a sentence that answers each kind of question (`query.KINDS`) contains. A sentence with
# the question's words *and* the kind of thing asked for is the likely answer; the term match
# alone often prefers a sentence that restates the question.
GIVES: dict[Kind, re.Pattern[str]] = {
    Kind.DATE: re.compile(rf"\b{ANY_YEAR}\b|\b{MONTH_IN_TEXT}\s+\d|\b\d{{1,2}}\s*{MONTH_IN_TEXT}"),
    Kind.DURATION: re.compile(rf"\b(\d+|{_NUMBER_WORDS})[\s-]+(hour|day|week|month|year)s?\b",
                           re.I),
    Kind.NUMBER: re.compile(rf"\d|\b({_NUMBER_WORDS})\b|per\s?cent", re.I),
    # Two capitalised words (or initials and a name) inside the sentence: "Houlin Zhao",
    # "R.N. Jha".
    Kind.PERSON: re.compile(r"(?<=[\s(,])(?:[A-Z]\.\s?)+[A-Z][a-z]+|(?<=[\s(,])[A-Z][a-z]+\s+"
                         r"(?:[A-Z]\.\s)?[A-Z][a-z]+"),
    Kind.PLACE: re.compile(r"(?<=[\s(,])[A-Z][a-z]{2,}"),
}

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
