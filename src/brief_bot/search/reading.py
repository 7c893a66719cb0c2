"""A question's text, read once: its shorthand written out, its stems, and the glossary terms and
forums it names (one pass of the glossary). Everything the analysis decides is derived from a
`Reading`; search and answer read the resulting `Query`, never the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from ..index.glossary import Entry, Glossary, normalise
from ..index.lexicon import Lexicon
from ..terms import analyze
from .everyday import EVERYDAY, is_everyday, is_familiar

# Staff shorthand that is not ITU jargon, so it has no place in the corpus glossary.
SHORTHAND = {"msgs": "messages", "msg": "message", "res": "resolution", "reso": "resolution",
             "resos": "resolutions", "cs": "civil society", "cso": "civil society organisation",
             "csos": "civil society organisations", "govs": "governments", "gov": "government",
             "mtg": "meeting", "conf": "conference", "sg": "Secretary-General",
             "para": "paragraph", "paras": "paragraphs", "doc": "document", "docs": "documents",
             "intl": "international", "govt": "government", "govts": "governments",
             "dept": "department", "info": "information", "req": "request", "reqs": "requests"}

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
""".split()) | frozenset(stem for word in """between among amongst during before after since until
till within without through throughout across along around toward towards upon onto into via
per beside besides beyond despite off up out down over back away""".split()
    for stem in analyze(word))


class Vocabulary(Protocol):
    """What analysis needs of the index: its term rarity, the glossary, the forums its
    documents name, the words it holds, and the newest year it covers. (One generation's
    `index.reader.Snapshot` is one.)"""

    glossary: Glossary
    forums: frozenset[str]

    def idf(self, stem: str) -> float: ...

    def df(self, stem: str) -> int: ...

    def near(self, stem: str) -> str | None: ...

    @property
    def size(self) -> int: ...

    def mentions(self, phrase: str) -> bool: ...

    @property
    def lexicon(self) -> Lexicon: ...

    @property
    def glossary_words(self) -> frozenset[str]: ...

    def together(self, name: str, year: int) -> bool: ...

    @property
    def horizon(self) -> int | None: ...


# How staff ask for a section the documents name otherwise.
_PHRASES = ((re.compile(r"\b(came|come|comes|coming)\s+out\s+of\b", re.I), "were the outcomes of"),
            (re.compile(r"\bresults?\s+of\b", re.I), "outcomes of"))


def plain_words(text: str) -> str:
    """Staff shorthand written out ("msgs" -> "messages"), so it is matched like the rest."""
    for pattern, plain in _PHRASES:
        text = pattern.sub(plain, text)
    return re.sub(r"\b[A-Za-z]+\b", lambda m: SHORTHAND.get(m.group(0).lower(), m.group(0)),
                  text)




@dataclass(frozen=True)
class Words:
    """How a text's words stand to the documents' own: those it misspells or shortens (written
    out as the documents write them), everyday words the documents do not use, and unseen
    words that may be what the text is about (its unseen subjects)."""

    corrected: str  # the text with its misspellings and shortenings written out
    everyday: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    familiar: tuple[str, ...] = ()  # the subjects that are common English words
    fixes: tuple[tuple[str, str], ...] = ()  # (as written, as the documents write it)


_TOKEN = re.compile(r"\b(?=[0-9]*[A-Za-z])[A-Za-z0-9]+(?:'[a-z]+)?")


def words_of(plain: str, vocabulary: Vocabulary) -> Words:
    """Sort the unseen words of `plain` (the text with its shorthand written out)."""
    everyday: list[str] = []
    subjects: list[str] = []
    fixes: dict[str, str] = dict(glossary_shortenings(plain, vocabulary.glossary))
    shortened = {w for phrase in fixes for w in phrase.split()}
    for written in dict.fromkeys(_TOKEN.findall(plain)):
        # "ICANN's" is about ICANN; "what're", "we'll": the word before the apostrophe.
        word = written.split("'")[0] if "'" in written else written
        if word.lower() in EVERYDAY:
            everyday.append(word)  # "quick", "actually": how it is asked, seen or not
            continue
        stems = analyze(word)
        if not stems or word in shortened or word.isdigit() \
                or word in vocabulary.lexicon or all(vocabulary.df(t) for t in stems):
            continue  # a stopword, a number (named events and years are read apart), or seen
        if is_everyday(word) or _inflected(word):
            everyday.append(word)
            continue
        if any(ch.isdigit() for ch in word):
            subjects.append(word)  # a code no document uses ("5G", "SG17")
            continue
        if vocabulary.lexicon.relative_of(word):
            continue  # "present" where the documents say "presence": the same subject
        fixed = (rare_misspelling(word, vocabulary.lexicon)
                 or vocabulary.lexicon.abbreviation_of(word, prefer=vocabulary.glossary_words))
        if fixed is None:
            subjects.append(word)
        else:
            fixes[word] = fixed
    corrected = plain
    if fixes:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixes)) + r")\b")
        corrected = pattern.sub(lambda m: fixes[m.group(1)], plain)
    return Words(corrected, tuple(everyday), tuple(subjects),
                 tuple(w for w in subjects if is_familiar(w)), tuple(fixes.items()))


# Verbs and adverbs by their endings ("refused", "fighting", "roughly"): how a question puts
# it, not what it is about (English morphology, not a list of words).
_INFLECTION = re.compile(r"[a-z]{3,}(?:ed|ing|ly)$")


def _inflected(word: str) -> bool:
    return bool(_INFLECTION.fullmatch(word.lower()))


def rare_misspelling(word: str, lexicon: Lexicon) -> str | None:
    """The documents' word that `word` misspells, if `word` is no word of English itself (a
    misspelling is rare: "delegaton", "opinons"; "know" is a word, not a misspelt "known")."""
    from wordfreq import zipf_frequency

    if len(word) < MISSPELLING_LETTERS or zipf_frequency(word.lower(), "en") >= MISSPELLING_ZIPF:
        return None
    return lexicon.misspelling_of(word)


# Below this on wordfreq's Zipf scale a word is read as a possible misspelling.
MISSPELLING_ZIPF = 3.0
# A misspelling of a shorter word is as likely another word ("confs" is not "cons").
MISSPELLING_LETTERS = 6


def glossary_shortenings(plain: str, glossary: Glossary) -> list[tuple[str, str]]:
    """Runs of two or more words that shorten a glossary term word by word ("dep sec gen" for
    "Deputy Secretary-General", "sec gen's"), as (the run as written, the term's form)."""
    words = _TOKEN.findall(plain)
    low = [w.lower().split("'")[0] for w in words]
    found: dict[str, str] = {}
    by_initial = glossary.long_forms()
    for i, first in enumerate(low):
        if len(first) < 2:
            continue
        for parts, form in by_initial.get(first[:2], ()):
            if not parts[0].startswith(first):
                continue
            run = low[i:i + len(parts)]
            if len(run) == len(parts) and run != list(parts) and all(
                    len(w) >= 2 and p.startswith(w) for w, p in zip(run, parts, strict=True)):
                found[" ".join(words[i:i + len(parts)])] = form
    return sorted(found.items(), key=lambda f: -len(f[0]))


@dataclass(frozen=True)
class Reading:
    """One text (a question, or the earlier turn it follows) read once."""

    text: str
    spans: tuple[tuple[str, Entry], ...]  # glossary terms (normalised), in order
    without_names: str  # the text (normalised) with its glossary terms taken out
    forums: tuple[str, ...]  # forums of the documents' metadata the text names
    plain: str = field(default="")  # shorthand written out
    words: Words = field(default_factory=lambda: Words(""))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Glossary terms and forums named, each once (the first spelling), in order."""
        found = [entry.term for entry in dict.fromkeys(entry for _, entry in self.spans)]
        found += list(self.forums)
        return tuple(list({name.lower(): name for name in reversed(found)}.values())[::-1])

    @cached_property
    def plain_stems(self) -> tuple[str, ...]:
        """The stems of the text as the documents would write it, everyday words left out."""
        everyday = {t for word in self.words.everyday for t in analyze(word)}
        return tuple(t for t in analyze(self.words.corrected or self.plain)
                     if t not in everyday)

    def content_terms(self, vocabulary: Vocabulary) -> dict[str, float]:
        """The stems that say what the text is about, each with its rarity in the index."""
        return {t: vocabulary.idf(t) for t in self.plain_stems if t not in QUESTION_WORDS}


def read(text: str, vocabulary: Vocabulary) -> Reading:
    plain = plain_words(text)
    words = words_of(plain, vocabulary)
    corrected = words.corrected if words.fixes else text
    spans, without = vocabulary.glossary.read(corrected)
    low = f" {re.sub(r'[^a-z0-9+/-]+', ' ', corrected.lower())} "
    forums = tuple(f for f in sorted(vocabulary.forums) if len(f) >= 3 and f" {f} " in low)
    return Reading(text, tuple(spans), without, forums, plain, words)


def names_in(text: str, vocabulary: Vocabulary) -> list[str]:
    """Glossary terms and forums named in `text`, in any case: the one resolution of names that
    answers and meeting packs share."""
    return list(read(text, vocabulary).names)


def alternates(spans: tuple[tuple[str, Entry], ...]) -> dict[str, tuple[frozenset[str], ...]]:
    """For each stem of a glossary term the text uses, the stems of the term's other names: a
    passage saying "Plenipotentiary Conference" answers a question saying "plenipot"."""
    found: dict[str, tuple[frozenset[str], ...]] = {}
    for form, entry in spans:
        others = tuple(dict.fromkeys(
            frozenset(analyze(f)) for f in entry.forms if analyze(f)))
        for stem in analyze(form):
            found[stem] = tuple(dict.fromkeys((*found.get(stem, ()), *others)))
    return found


def expansion(search_text: str, spans: tuple[tuple[str, Entry], ...],
              glossary: Glossary) -> str:
    """What retrieval reads: the text, then its shorthand written out and the other names of
    the glossary terms it uses."""
    extra: list[str] = []
    for word in normalise(search_text).split():
        plain = SHORTHAND.get(word.strip("?.!,;:'\""))
        if plain and plain not in extra:
            extra.append(plain)
    entries = list(dict.fromkeys(entry for _, entry in spans))
    extra += [f for f in glossary.other_forms(entries, search_text) if f not in extra]
    return f"{search_text} {' '.join(extra)}" if extra else search_text
