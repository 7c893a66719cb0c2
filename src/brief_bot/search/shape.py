"""What shape of answer a question asks for, by word rules: a set (and the noun it lists), one
item, a way to do something, a fact of a given kind, or the entries of a period; and what kind
of document or wording it names. The rules read the question with its shorthand written out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..dates import ABBREVIATIONS
from ..terms import analyze, looks_plural
from ..types import Kind, Shape
from .reading import QUESTION_WORDS, SHORTHAND, Vocabulary, names_in

# What kind of answer a question asks for (the sentence that gives it is found in `answer`).
KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.DEFINITION, re.compile(
        r"^\s*(what\s+is|what's|what\s+are|what\s+does|define|meaning\s+of)\s+(the\s+|a\s+|an\s+)?"
        r"[\w/\-+.]+(\s+[\w/\-+.]+)?\s*\??\s*$|\b(stand\s+for|acronym|abbreviation|mean|means|"
        r"definition)\b", re.I)),
    # "When did...", "what date": not "When the texts disagree, which one...".
    (Kind.DATE, re.compile(r"\bwhen\s+(did|does|do|is|was|were|will|are|has|have|had|can|could|"
                        r"should|would)\b|\b(what|which)\s+(date|dates|day|year|month)\b|"
                        r"^\s*when\b(?!.*,\s*(what|which|who|how)\b)", re.I)),
    (Kind.DURATION, re.compile(r"\bhow\s+long\b", re.I)),
    (Kind.NUMBER, re.compile(r"\b(how\s+many|how\s+much|total\s+number|(what|which)\s+(number|"
                          r"proportion|percentage|share|fraction|portion))\b", re.I)),
    (Kind.PERSON, re.compile(r"^\s*(\w+\s+){0,2}(who|whom|whose)\b", re.I)),
    (Kind.PLACE, re.compile(r"\b(where|(what|which)\s+(city|cities|country|countries|town|place|"
                         r"capital|nation|nations|venue))\b", re.I)),
)

# Asking for a set: "what are our messages", "which routes", "list the...", "the three lines",
# "who holds each role", "what's on the timeline".
_LIST_ASK = re.compile(
    r"^\s*(list|name|enumerate|give\s+me|show\s+me|tell\s+me|summari[sz]e)\b|"
    r"\b(what|which|who)\b|^\s*when\s+(are|were)\b|\b(each|every|all)\b|"
    r"\b(two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(\w+\s+)?\w+s\b", re.I)
# "articles 5A and 5B", "resolutions 101 and 102": particular items, not the whole set.
_IDENTIFIED = re.compile(r"\b[a-z]+s\s+\d+[a-z]?\b(\s*(,|and|&)\s*\d+[a-z]?\b)+", re.I)
# Nouns after one of these are what the question is about, not what it lists: "our message on
# human rights" asks for one message.
_PREPOSITIONS = frozenset("""on about of for in at to from with by into during under between
among against after before over per via within without like than""".split())
_HOW_ASK = re.compile(r"^\s*how\s+(are|is|were|can|could|do|does|should|would|will|to|might)\b|"
                      r"\bstep[\s-]+by[\s-]+step\b|"
                      r"\bin\s+what\s+ways?\b|\bwhat\s+(can|could|should)\s+(we|bb|civil\s+society"
                      r"|i)\s+do\b|\bwhat\s+steps\b", re.I)
# Words for a set that are not plural.
_SET_WORDS = re.compile(r"\b(timeline|calendar|schedule|agenda|milestones?|road-?map|plan|"
                        r"list|overview|summary)\b", re.I)
_NOT_PLURAL = frozenset("""is was has does its this thus us yes less unless across always
perhaps whereas status process access address progress business congress success news
analysis basis crisis thesis series means class press chess bus gas plus versus bonus census
previous various famous serious anonymous ones others those these thanks""".split())
_SUBJECTS = frozenset("""who that it he she this bb bb's one who's everyone nobody somebody
""".split())
_ABOUT = re.compile(r"\b(?:about|concerning|regarding|on|covering|related\s+to|dealing\s+with|"
                    r"mention|mentions|mentioning|refer\s+to|refers\s+to|cover|covers)\s+(.+?)"
                    r"\s*(?:\?|$|\bfor\b|\bin\b|\bat\b|\bbefore\b|\bduring\b)", re.I)

_DOC_TYPE_ASKED = {
    "messages": re.compile(r"\b(messages?|msgs?|proposals?|asks?)\b", re.I),
    "narrative": re.compile(r"\bnarrative\b", re.I),
    "roadmap": re.compile(r"\b(road-?map|engagement model|engagement plan)\b", re.I),
    "timeline": re.compile(r"\b(timeline|milestones?)\b", re.I),
}
_OLD_ASKED = re.compile(r"\b(superseded|earlier|old|older|previous|first draft|draft|2013|"
                        r"history|replaced|changed)\b", re.I)
# Agreed wording asked for: the messages, the narrative, the lines; or "our" proposals, asks
# and positions ("regional common proposals" are not BB's).
_QUOTE_ASKED = re.compile(r"\b(message|messages|msgs?|narrative|talking points|lines?)\b|"
                          r"\b(our|we|bb'?s?)\b.*\b(proposals?|asks?|position|positions)\b|"
                          r"\b(proposals?|asks?|positions?)\b.*\b(our|we|bb)\b", re.I)

# A year that scopes the question ("in 2015", "for 2015", "December 2015"), not one inside a
# name ("Council 2015", "Connect 2020").


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3,
             "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
             "last": -1}
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+((?:[a-z0-9][\w-]*\s*){1,3})", re.I)
# "lesson #5", "message no. 5", "point number 5": an item by its number.
_NUMBERED = re.compile(r"\b([a-z][a-z-]+)\s*(?:#|no\.?\s*|number\s+)(\d{1,2})\b", re.I)
_NOT_ITEMS = frozenset({"half", "draft", "time", "week", "month", "year", "quarter"})


def _ordinal(asked: str, vocabulary: Vocabulary) -> tuple[int | None, str]:
    """Which item of a set the question asks for (-1 for the last), and the noun naming the
    set: "the third lesson", "the 4th WTPF opinion" (a name between is passed over),
    "lesson #5"."""
    if m := _ORDINAL.search(asked):
        for word in m.group(2).split():
            if word.isdigit() or names_in(word, vocabulary):
                continue  # "the 4th WTPF opinion": the name says whose, the noun what
            if word.lower() in _NOT_ITEMS or not word[0].isalpha():
                break
            # "the second one": the question's other nouns say one of what.
            return _ORDINALS[m.group(1).lower()], "" if word.lower() in ("one", "ones") else word
    if m := _NUMBERED.search(asked):
        return int(m.group(2)), m.group(1)
    return None, ""


def set_nouns(question: str, names: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Stems of what a list question lists: its plural (or set-like) nouns ahead of any
    preposition in each clause ("which regional *groups* prepare common proposals for ITU
    conferences"), the first one first; and the first with the words that qualify it, as
    written ("regional groups"), to match against the documents' sets by meaning."""
    named = {w for n in names for w in re.findall(r"[a-z]+", n.lower())}
    found: list[str] = []
    phrase = ""
    for clause in re.split(r"[?.;!]|,\s*and\b", question):
        # "what's on our timeline": that "on" asks, it does not start a phrase.
        clause = re.sub(r"^\s*(what'?s|what\s+is|what\s+are|anything)\s+on\b", "", clause,
                        flags=re.I)
        # "each of the messages", "all of our routes": the noun after is what is listed.
        clause = re.sub(r"\b(each|every|all|any|both|which)\s+of\s+(?:the|our|its|their|these|"
                        r"those)?\s*", r"\1 ", clause, flags=re.I)
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", clause)
        for i, word in enumerate(words):
            low = word.lower().rstrip("'")
            if low in _PREPOSITIONS:
                break
            low = SHORTHAND.get(low, low)
            if low in named or word.isupper() or low in _NOT_PLURAL or len(low) < 4:
                continue
            after_each = i > 0 and words[i - 1].lower() in ("each", "every")
            # "who holds", "it says": a verb, not a plural noun.
            if i > 0 and words[i - 1].lower() in _SUBJECTS:
                continue
            if looks_plural(low) or after_each or _SET_WORDS.fullmatch(low):
                found.extend(s for s in analyze(low) if s not in QUESTION_WORDS)
                if not phrase:
                    phrase = " ".join([*_qualifiers(words[max(0, i - 2):i]), low])
    return tuple(dict.fromkeys(found)), phrase


def _qualifiers(words: Sequence[str]) -> list[str]:
    """The words just before a noun that say which ones ("regional", "process", "sticking"),
    not the ones that ask or point ("what", "our", "the")."""
    kept: list[str] = []
    for word in words:
        stems = analyze(word)
        if not stems or any(s in QUESTION_WORDS for s in stems) or word.lower() in _PREPOSITIONS:
            kept = []
        else:
            kept.append(word.lower())
    return kept


@dataclass(frozen=True)
class Asked:
    """What the question asks for, by the rules above."""

    shape: Shape
    kind: Kind | None
    set_nouns: tuple[str, ...]
    set_phrase: str
    about: tuple[str, ...]
    ordinal: int | None
    doc_types: tuple[str, ...]


_FACT_KINDS = (Kind.NUMBER, Kind.DURATION, Kind.PERSON, Kind.PLACE)


def asked_for(asked: str, names: Sequence[str], terms: Mapping[str, float],
              scoped: bool, vocabulary: Vocabulary) -> Asked:
    """The shape and kind of answer `asked` (the question with its shorthand written out)
    wants, the set it lists, what narrows that set, and the kinds of document it names."""
    kind, kind_at = next(((name, m.start()) for name, asks in KINDS
                          if (m := asks.search(asked))), (None, -1))
    nouns, phrase = set_nouns(asked, names)
    shape, kind = _shape(asked, kind, kind_at, nouns)
    about: tuple[str, ...] = ()
    match = _ABOUT.search(asked)
    if match and shape is Shape.LIST and not re.match(r"\s*(our|the)\s+(timeline|calendar)",
                                                      match.group(1), re.I):
        about = tuple(t for t in analyze(match.group(1))
                      if t not in QUESTION_WORDS and t not in nouns)
    ordinal, noun = _ordinal(asked, vocabulary)
    if ordinal is not None:
        nouns = tuple(dict.fromkeys([*analyze(noun), *nouns]))
    if shape is Shape.FACT and scoped and len(
            [t for t in terms if not t.isdigit() and t[:3] not in ABBREVIATIONS]) <= 1:
        shape = Shape.PERIOD  # "what happened in March 2014?": the entries of that period
    doc_types = tuple(t for t, p in _DOC_TYPE_ASKED.items() if p.search(asked))
    if shape is Shape.PERIOD and "timeline" not in doc_types:
        doc_types += ("timeline",)
    return Asked(shape, kind, nouns, phrase, about, ordinal, doc_types)


def _shape(asked: str, kind: Kind | None, kind_at: int,
           nouns: tuple[str, ...]) -> tuple[Shape, Kind | None]:
    trigger = _LIST_ASK.search(asked)
    if kind is Kind.DEFINITION and not nouns:
        return Shape.FACT, kind
    if nouns and trigger and (kind not in _FACT_KINDS or trigger.start() < kind_at
                              or re.search(r"\b(who|where)\s+(are|were)\b|\b(each|every)\b",
                                           asked, re.I)) and not _IDENTIFIED.search(asked):
        return Shape.LIST, None
    if nouns and len(asked.split()) <= 4 and not re.search(
            r"\b(is|are|was|were|do|does|did|has|have|can|will|should)\b", asked, re.I):
        return Shape.LIST, kind  # "plenipot msgs", "wtpf opinions?": a set named, nothing else
    if _HOW_ASK.search(asked):
        return Shape.HOW, kind
    if _QUOTE_ASKED.search(asked):
        return Shape.ITEM, kind
    return Shape.FACT, kind


def wants_old(question: str) -> bool:
    return bool(_OLD_ASKED.search(question))


def wants_quote(question: str) -> bool:
    return bool(_QUOTE_ASKED.search(question))
