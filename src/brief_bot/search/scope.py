"""What a question is limited to and what it is about that the material does not hold: the years,
months and half years it names, named events and words no document mentions, and past events
later than the material's newest date."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ..dates import ABBREVIATIONS, MONTH, YEAR, month_number
from ..terms import analyze
from .reading import Vocabulary

# A year that scopes the question ("in 2015", "for 2015", "December 2015"), not one inside a
# name ("Council 2015", "Connect 2020").
_YEAR_SCOPE = re.compile(
    r"\b(?:in|for|during|by|of|before|after|until|till|through|throughout|since|from|between)"
    r"\s+(?:(?:early|late|mid)[\s-]*)?(?:(?P<month>" + MONTH + r")\s+)?"
    rf"(?P<year>{YEAR})(?:\s*(?:-|–|to|and|through|thru|until|till)\s*(?P<end>{YEAR}))?\b|"
    r"\b(?P<month2>" + MONTH + rf")\s+(?P<year2>{YEAR})\b|"
    rf"^\s*(?P<year3>{YEAR})\b", re.I)

_HALF = re.compile(rf"\b(first|second|1st|2nd|early|late)\s+half\s+of\s+({YEAR})\b", re.I)


# Dating by an event: "before PP-14", "since Dubai", "in the run-up to Busan".
_ANCHOR = re.compile(r"\b(before|after|since|until|till|prior\s+to|ahead\s+of|following|"
                     r"in\s+the\s+run[\s-]+up\s+to|leading\s+up\s+to)\s+(?:the\s+)?"
                     r"((?:[\w+-]+\s*){1,4})", re.I)


def anchor_in(question: str, names_of: Callable[[str], Sequence[str]]) -> tuple[str, str] | None:
    """The event a question dates things by, and how ("before", "after", "since", "until"),
    when the words after one of those name something the glossary or the forums know."""
    for m in _ANCHOR.finditer(question):
        names = names_of(m.group(2))
        if names:
            word = m.group(1).lower()
            how = ("before" if word in ("before", "prior to", "ahead of") or "up to" in word
                   else "until" if word in ("until", "till") else
                   "after" if word in ("after", "following") else "since")
            return how, names[0]
    return None


def scope(question: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The years and (year, month)s a question is limited to."""
    years: list[int] = []
    months: list[tuple[int, int]] = []
    for m in _HALF.finditer(question):
        first = m.group(1).lower() in ("first", "1st", "early")
        months.extend((int(m.group(2)), month) for month in (range(1, 7) if first
                                                              else range(7, 13)))
    for m in _YEAR_SCOPE.finditer(question):
        year = m.group("year") or m.group("year2") or m.group("year3")
        month = m.group("month") or m.group("month2")
        start = int(year)
        end = int(m.group("end")) if m.group("end") else start
        years.extend(range(start, min(end, start + 20) + 1))
        if month:
            months.append((start, month_number(month)))
    return tuple(dict.fromkeys(years)), tuple(dict.fromkeys(months))


# "WRC-15", "wtdc-17", "Council 2016": a named event, found in the material or not at all.
_NAMED_EVENT = re.compile(r"\b([A-Za-z][A-Za-z+]{1,15})-(\d{2}|\d{4})\b|"
                          rf"\b([A-Z][a-z]+|[A-Z]{{2,}})\s({YEAR})\b")
_NOT_NAMES = frozenset(ABBREVIATIONS) | {m for m in """january february march april june july august
september october november december in for of by since from until before after during
early late mid between the and or to at""".split()}
_PAST = re.compile(r"\b(did|was|were|had|happened|decided|agreed|adopted|elected|won|passed|"
                   r"ended|chose|approved|concluded|signed|said|went|took)\b", re.I)


UNKNOWN_SHARE = 0.3
# In a small index a word's absence says little (the starter corpus has 329 chunks).
UNSEEN_MIN_CHUNKS = 100
# Words that say how something went or what kind of answer is wanted, not what the question is
# about: "who *won* the election", "in which *city* was it agreed". Only the unseen-word test
# skips them (stems).
NOT_SUBJECTS = frozenset("""win won winner lose lost becom becam begin began start end got went
took made gave told thought knew tri seem kept held meant ran show turn led lead chose chosen
pick pass agre decid call ask citi town countri place venu date day month year time number name
person peopl percentag proport share""".split())


def unseen_subjects(weights: Mapping[str, float], subjects: Sequence[str],
                    vocabulary: Vocabulary) -> tuple[str, ...]:
    """The question's unseen subjects (`reading.Words.subjects`: not everyday words,
    misspellings or shortenings of the documents' words), when they carry a good part of the
    question's weight (`weights`: a follow-up's earlier turn counts too). In a long question
    one unseen word is more often a paraphrase ("shortlisted" for "considered") than its
    subject; in a short one ("the wifi password at ITU headquarters") it is the subject."""
    if vocabulary.size < UNSEEN_MIN_CHUNKS:
        return ()
    unseen = list(dict.fromkeys(
        t for word in subjects if not any(ch.isdigit() for ch in word) for t in analyze(word)
        if t in weights and vocabulary.df(t) == 0 and len(t) > 1 and t not in NOT_SUBJECTS))
    total = sum(weights.values()) or 1.0
    return tuple(unseen) if sum(weights[t] for t in unseen) / total >= UNKNOWN_SHARE else ()


def unknown_names(question: str, subjects: Sequence[str], years: Sequence[int],
                  vocabulary: Vocabulary) -> tuple[str, ...]:
    """Names the question uses that no document mentions: named events ("WRC-19", "Council
    2016"), codes ("5G", "SG17"), and a year it is limited to ("meeting dates for 2017")."""
    missing = [w for w in subjects if any(ch.isdigit() for ch in w)]
    for m in _NAMED_EVENT.finditer(question):
        name = m.group(1) or m.group(3)
        number = m.group(2) or m.group(4)
        if name.lower() in _NOT_NAMES:
            continue
        phrase = f"{name}-{number}" if m.group(1) else f"{name} {number}"
        if not vocabulary.mentions(phrase):
            missing.append(phrase)
    missing += _sessions(question, vocabulary)
    if vocabulary.size >= UNSEEN_MIN_CHUNKS:
        missing += [str(y) for y in years if vocabulary.df(str(y)) == 0]
    return tuple(dict.fromkeys(missing))


# A body of the glossary and the year of one of its sessions, as staff write it in lower case
# ("council in 2016", "the igf 2017").
_SESSION = re.compile(rf"\b([a-z][a-z+-]+)\s+(?:in\s+|of\s+)?({YEAR})\b", re.I)


def _sessions(question: str, vocabulary: Vocabulary) -> list[str]:
    """Sessions of a known body that no passage speaks of: a body the glossary or the forums
    name, and a year that no chunk names with it ("council in 2016": the documents name 2016
    only inside "2016-2019", never beside the Council)."""
    found = []
    for m in _SESSION.finditer(question):
        body, year = m.group(1), m.group(2)
        if body.lower() in _NOT_NAMES or not (vocabulary.glossary.matches(body)
                                              or body.lower() in vocabulary.forums):
            continue
        if not vocabulary.together(body, int(year)):
            found.append(f"{body} {year}")
    return found


def beyond_horizon(question: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """Events after the latest date of the material that the question speaks of as past
    ("what did PP-18 decide?"): the material cannot know how they went."""
    horizon = vocabulary.horizon
    if horizon is None or not (_PAST.search(question) or _OUTCOME.search(question)):
        return ()
    found = []
    for m in re.finditer(rf"\b({YEAR})\b|\b([A-Za-z][A-Za-z+]{{1,15}})-(\d{{2}})\b",
                         question):
        year = int(m.group(1)) if m.group(1) else 2000 + int(m.group(3))
        # "PP-18" is an event of 2018; "TD-64" is a document number, not an event of 2064.
        if horizon < year <= horizon + EVENT_YEARS_AHEAD:
            found.append(m.group(0))
    return tuple(found)


# How far past the material's newest year a name's "-NN" still reads as an event's year.
EVENT_YEARS_AHEAD = 10
# Asking how something came out, in other words than a verb in the past ("the outcome of").
_OUTCOME = re.compile(r"\b(outcomes?|results?|decisions?|conclusions?)\s+of\b", re.I)
