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
from ..terms import analyze

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
""".split())


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
class Reading:
    """One text (a question, or the earlier turn it follows) read once."""

    text: str
    spans: tuple[tuple[str, Entry], ...]  # glossary terms as written (normalised), in order
    without_names: str  # the text (normalised) with its glossary terms taken out
    forums: tuple[str, ...]  # forums of the documents' metadata the text names
    plain: str = field(default="")  # shorthand written out

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Glossary terms and forums named, each once (the first spelling), in order."""
        found = [entry.term for entry in dict.fromkeys(entry for _, entry in self.spans)]
        found += list(self.forums)
        return tuple(list({name.lower(): name for name in reversed(found)}.values())[::-1])

    @cached_property
    def plain_stems(self) -> tuple[str, ...]:
        return tuple(analyze(self.plain))

    def content_terms(self, vocabulary: Vocabulary) -> dict[str, float]:
        """The stems that say what the text is about, each with its rarity in the index."""
        return {t: vocabulary.idf(t) for t in self.plain_stems if t not in QUESTION_WORDS}


def read(text: str, vocabulary: Vocabulary) -> Reading:
    spans, without = vocabulary.glossary.read(text)
    low = f" {re.sub(r'[^a-z0-9+/-]+', ' ', text.lower())} "
    forums = tuple(f for f in sorted(vocabulary.forums) if len(f) >= 3 and f" {f} " in low)
    return Reading(text, tuple(spans), without, forums, plain_words(text))


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
