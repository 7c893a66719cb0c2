"""Question analysis: one pass over a question, before search and answer.

The result, a `types.Query`, says what the question is about (its weighted terms, and the other
names of the jargon it uses), what shape of answer it wants (a list, one item, a date, a
person...), what narrows it (a year, a month, a forum, a kind of document), and whether it leans
on the previous turn. Search and answer read this one value; neither parses the question again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..dates import ABBREVIATIONS, MONTH, YEAR, month_number
from ..index.glossary import SHORTHAND, Glossary
from ..types import Query, TermStats
from .history import user_turns

# Stems (as the keyword analyser makes them) of words that ask rather than say what about.
QUESTION_WORDS = frozenset("""
how what who whom whose which when where why whi did does do done doe our we us i me my
you your can could should would will shall may might must pleas tell explain describe
give list show about say said s t is are was were be been being has have had having
there here it its it's this that these those them they their the a an of to in on at for
from by with as and or not no yes any some all also just so than then too very more most
much mani happen happ each everi both either neither whether els
mention refer talk know think want need stop sure make get go come came out mean use take
find see look keep put didn don doesn isn aren wasn weren couldn shouldn wouldn haven hasn
full name often vs half decid kind sort due he she him her his hers theirs one ones other
others first second third fourth fifth sixth seventh eighth ninth tenth last
""".split())


# A follow-up opens like one, or points back without naming anything itself.
_OPENER = re.compile(r"^\s*(and|but|also|so|then|or|plus|what about|how about|what else|"
                     r"same for|and what about|anything else)\b", re.I)
_BACKREF = re.compile(r"\b(it|its|it's|they|them|their|theirs|that one|those|these|this one|"
                      r"he|she|him|her|his|there|the same)\b", re.I)

# What kind of answer a question asks for (the sentence that gives it is found in `answer`).
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("definition", re.compile(
        r"^\s*(what\s+is|what's|what\s+are|what\s+does|define|meaning\s+of)\s+(the\s+|a\s+|an\s+)?"
        r"[\w/\-+.]+(\s+[\w/\-+.]+)?\s*\??\s*$|\b(stand\s+for|acronym|abbreviation|mean|means|"
        r"definition)\b", re.I)),
    # "When did...", "what date": not "When the texts disagree, which one...".
    ("date", re.compile(r"\bwhen\s+(did|does|do|is|was|were|will|are|has|have|had|can|could|"
                        r"should|would)\b|\b(what|which)\s+(date|dates|day|year|month)\b|"
                        r"^\s*when\b(?!.*,\s*(what|which|who|how)\b)", re.I)),
    ("duration", re.compile(r"\bhow\s+long\b", re.I)),
    ("number", re.compile(r"\b(how\s+many|how\s+much|total\s+number|(what|which)\s+(number|"
                          r"proportion|percentage|share|fraction|portion))\b", re.I)),
    ("person", re.compile(r"^\s*(\w+\s+){0,2}(who|whom|whose)\b", re.I)),
    ("place", re.compile(r"\b(where|(what|which)\s+(city|cities|country|countries|town|place|"
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
_YEAR_SCOPE = re.compile(
    r"\b(?:in|for|during|by|of|before|after|until|till|through|throughout|since|from|between)"
    r"\s+(?:(?:early|late|mid)[\s-]*)?(?:(?P<month>" + MONTH + r")\s+)?"
    rf"(?P<year>{YEAR})(?:\s*(?:-|–|to|and)\s*(?P<end>{YEAR}))?\b|"
    r"\b(?P<month2>" + MONTH + rf")\s+(?P<year2>{YEAR})\b|"
    rf"^\s*(?P<year3>{YEAR})\b", re.I)


class Vocabulary(Protocol):
    """What analysis needs of the index: its analyser and term rarity, the glossary, the
    forums its documents name."""

    glossary: Glossary
    forums: frozenset[str]

    def analyze(self, text: str) -> list[str]: ...

    def idf(self, stem: str) -> float: ...

    def df(self, stem: str) -> int: ...

    def near(self, stem: str) -> str | None: ...

    @property
    def size(self) -> int: ...

    def mentions(self, phrase: str) -> bool: ...

    @property
    def horizon(self) -> int | None: ...


def content_terms(text: str, stats: TermStats) -> dict[str, float]:
    """The stems of `text` that say what it is about, each with its rarity in the index."""
    return {t: stats.idf(t) for t in stats.analyze(plain_words(text)) if t not in QUESTION_WORDS}


# How staff ask for a section the documents name otherwise.
_PHRASES = ((re.compile(r"\b(came|come|comes|coming)\s+out\s+of\b", re.I), "were the outcomes of"),
            (re.compile(r"\bresults?\s+of\b", re.I), "outcomes of"))


def plain_words(text: str) -> str:
    """Staff shorthand written out ("msgs" -> "messages"), so it is matched like the rest."""
    for pattern, plain in _PHRASES:
        text = pattern.sub(plain, text)
    return re.sub(r"\b[A-Za-z]+\b", lambda m: SHORTHAND.get(m.group(0).lower(), m.group(0)),
                  text)


def alternates(text: str, vocabulary: Vocabulary) -> dict[str, tuple[frozenset[str], ...]]:
    """For each stem of a glossary term in `text`, the stems of the term's other names: a
    passage saying "Plenipotentiary Conference" answers a question saying "plenipot"."""
    found: dict[str, tuple[frozenset[str], ...]] = {}
    for form, entry in vocabulary.glossary.spans(text):
        others = tuple(dict.fromkeys(
            frozenset(vocabulary.analyze(f)) for f in entry.forms if vocabulary.analyze(f)))
        for stem in vocabulary.analyze(form):
            found[stem] = tuple(dict.fromkeys((*found.get(stem, ()), *others)))
    return found


def names_in(text: str, vocabulary: Vocabulary) -> list[str]:
    """Glossary terms and forums named in `text`, in any case."""
    found = [entry.term for entry in vocabulary.glossary.matches(text)]
    low = f" {re.sub(r'[^a-z0-9+/-]+', ' ', text.lower())} "
    found += [f for f in sorted(vocabulary.forums) if len(f) >= 3 and f" {f} " in low]
    return list({name.lower(): name for name in reversed(found)}.values())[::-1]


def is_follow_up(question: str, previous: str | None, names: Sequence[str],
                 terms: Mapping[str, float]) -> bool:
    """Whether `question` leans on the previous turn: it opens like a continuation, or it
    names nothing the corpus knows and points back or is too thin to stand alone."""
    if not previous:
        return False
    if _OPENER.search(question):
        return True
    if names:
        return False
    return bool(_BACKREF.search(question)) or len(terms) <= 2


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3,
             "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
             "last": -1}
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+([a-z][a-z-]+)\b", re.I)
_HALF = re.compile(rf"\b(first|second|1st|2nd|early|late)\s+half\s+of\s+({YEAR})\b", re.I)


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


def set_nouns(question: str, stats: TermStats, names: Sequence[str]) -> tuple[str, ...]:
    """Stems of what a list question lists: its plural (or set-like) nouns ahead of any
    preposition in each clause ("which regional *groups* prepare common proposals for ITU
    conferences"), the first one first."""
    named = {w for n in names for w in re.findall(r"[a-z]+", n.lower())}
    found: list[str] = []
    for clause in re.split(r"[?.;!]|,\s*and\b", question):
        # "what's on our timeline": that "on" asks, it does not start a phrase.
        clause = re.sub(r"^\s*(what'?s|what\s+is|what\s+are|anything)\s+on\b", "", clause,
                        flags=re.I)
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
            plural = low.endswith("s") and not low.endswith(("ss", "us", "is", "'s"))
            if plural or after_each or _SET_WORDS.fullmatch(low):
                found.extend(s for s in stats.analyze(low) if s not in QUESTION_WORDS)
    return tuple(dict.fromkeys(found))


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


def unknown_words(terms: Mapping[str, float], question: str, years: Sequence[int],
                  vocabulary: Vocabulary) -> tuple[str, ...]:
    """What the question is about that no document mentions: named events ("WRC-19",
    "Council 2016"), a year it is limited to ("meeting dates for 2017"), and words the index
    has never seen (unless a likely misspelling of one it has) when they carry a good part of
    the question's weight. In a long question one unseen word is more often a paraphrase
    ("shortlisted" for "considered") than its subject; in a short one ("the wifi password at
    ITU headquarters") it is the subject."""
    missing: list[str] = []
    if vocabulary.size >= UNSEEN_MIN_CHUNKS:
        unseen = [t for t in terms if vocabulary.df(t) == 0 and not t.isdigit() and len(t) > 1
                  and t not in NOT_SUBJECTS and vocabulary.near(t) is None]
        total = sum(terms.values()) or 1.0
        if sum(terms[t] for t in unseen) / total >= UNKNOWN_SHARE:
            missing += unseen
    for m in _NAMED_EVENT.finditer(question):
        name = m.group(1) or m.group(3)
        number = m.group(2) or m.group(4)
        if name.lower() in _NOT_NAMES:
            continue
        phrase = f"{name}-{number}" if m.group(1) else f"{name} {number}"
        if not vocabulary.mentions(phrase):
            missing.append(phrase)
    if vocabulary.size >= UNSEEN_MIN_CHUNKS:
        missing += [str(y) for y in years if vocabulary.df(str(y)) == 0]
    return tuple(dict.fromkeys(missing))


def beyond_horizon(question: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """Events after the latest date of the material that the question speaks of as past
    ("what did PP-18 decide?"): the material cannot know how they went."""
    horizon = vocabulary.horizon
    if horizon is None or not _PAST.search(question):
        return ()
    found = []
    for m in re.finditer(rf"\b({YEAR})\b|\b([A-Za-z][A-Za-z+]{{1,15}})-(\d{{2}})\b",
                         question):
        year = int(m.group(1)) if m.group(1) else 2000 + int(m.group(3))
        if year > horizon:
            found.append(m.group(0))
    return tuple(found)


def analyse(question: str, history: Sequence[Any], vocabulary: Vocabulary) -> Query:
    """The one analysis of a question that search and answer share."""
    question = " ".join(question.split())
    turns = user_turns(history)
    previous = turns[-1] if turns else None
    names = names_in(question, vocabulary)
    terms = content_terms(question, vocabulary)
    follow_up = is_follow_up(question, previous, names, terms)
    # "and who didn't sign?" with nothing before it: what it points back to is unknown.
    dangling = not previous and not names and len(terms) <= 2 and bool(
        _OPENER.search(question) or _BACKREF.search(question)) and not (
        # "What about Melbourne?", "what about zorblat?": it names something of its own.
        re.search(r"(?<!^)\b[A-Z][a-z]+", question.strip())
        or any(vocabulary.df(t) and vocabulary.df(t) <= 3 for t in terms))
    context: dict[str, float] = {}
    search_text = question
    if follow_up and previous:
        if names:
            # "what about at the WTDC?" after a question on the Plenipot: the new name takes
            # the old one's place; the rest of the earlier question still applies.
            previous = vocabulary.glossary.without_terms(previous)
        else:
            names = names_in(previous, vocabulary)
        search_text = f"{previous} {question}"
        context = {t: w for t, w in content_terms(previous, vocabulary).items()
                   if t not in terms}
    other_names = alternates(search_text, vocabulary)
    asked = plain_words(question)  # shorthand and staff phrasing written out
    kind, kind_at = next(((name, m.start()) for name, asks in KINDS
                          if (m := asks.search(asked))), (None, -1))
    nouns = set_nouns(asked, vocabulary, names)
    trigger = _LIST_ASK.search(asked)
    if kind == "definition" and not nouns:
        intent = "fact"
    elif nouns and trigger and (kind not in ("number", "duration", "person", "place")
                                or trigger.start() < kind_at
                                or re.search(r"\b(who|where)\s+(are|were)\b|\b(each|every)\b",
                                             asked, re.I)) and not _IDENTIFIED.search(asked):
        intent, kind = "list", None
    elif nouns and len(asked.split()) <= 4 and not re.search(
            r"\b(is|are|was|were|do|does|did|has|have|can|will|should)\b", asked, re.I):
        intent = "list"  # "plenipot msgs", "wtpf opinions?": a set named, nothing else
    elif _HOW_ASK.search(asked):
        intent = "how"
    elif _QUOTE_ASKED.search(asked):
        intent = "item"
    else:
        intent = "fact"
    about: tuple[str, ...] = ()
    match = _ABOUT.search(asked)
    if match and intent == "list" and not re.match(r"\s*(our|the)\s+(timeline|calendar)",
                                                   match.group(1), re.I):
        about = tuple(t for t in vocabulary.analyze(match.group(1))
                      if t not in QUESTION_WORDS and t not in nouns)
    ordinal = None
    if (m := _ORDINAL.search(asked)) and m.group(2).lower() not in ("half", "draft", "time") \
            and not names_in(m.group(2), vocabulary):
        ordinal = _ORDINALS[m.group(1).lower()]
        nouns = tuple(dict.fromkeys([*vocabulary.analyze(m.group(2)), *nouns]))
    years, months = scope(asked)
    if intent == "fact" and (years or months) and len(
            [t for t in terms if not t.isdigit() and t[:3] not in ABBREVIATIONS]) <= 1:
        intent = "period"  # "what happened in March 2014?": the entries of that period
    doc_types = tuple(t for t, p in _DOC_TYPE_ASKED.items() if p.search(asked))
    if intent == "period" and "timeline" not in doc_types:
        doc_types += ("timeline",)
    unknown = unknown_words(terms, question, list(dict.fromkeys(
        [*years, *(y for y, _ in months)])), vocabulary)
    return Query(
        text=question, search_text=search_text, terms=terms, context_terms=context,
        alternates=other_names, follow_up=follow_up, names=tuple(names), intent=intent,
        kind=kind, set_nouns=nouns, about=about,
        ordinal=ordinal if ordinal != -1 else None, years=years, months=months,
        doc_types=doc_types,
        wants_old=bool(_OLD_ASKED.search(question)),
        wants_quote=bool(_QUOTE_ASKED.search(question)), unknown=unknown,
        beyond=beyond_horizon(question, vocabulary), horizon=vocabulary.horizon,
        dangling=dangling,
    )
