"""Which forum a pack is for: the user's words read the way answers read names
(`search.names_in`, the glossary), then matched to the forums the documents are tagged with.

    "PP-14", "the Plenipot", "Busan"   -> PP-14
    "cwg internet"                     -> CWG-Internet
    "Council 2015"                     -> Council, the 2015 session
    "PP-18"                            -> PP-14's series, dated after the material: said so
    "WRC-15", "ITU Telecom World 2014" -> declined, with the forums the documents cover
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..search import analyse, names_in
from .material import Material, norm, series_of
from .model import PackRefused

MAX_CHARS = 120
# Letters, digits and the punctuation forum names use; anything else is markup or noise.
_ALLOWED = re.compile(r"[\w\s\-+/.,'’()&:]+")
_YEAR = re.compile(r"(?<![\w-])((?:19|20)\d\d)(?![\w-])")


@dataclass(frozen=True)
class Resolution:
    asked: str
    forum: str = ""  # as the metadata spells it
    session: int | None = None  # a year named with a standing body ("Council 2015")
    year: int | None = None  # the year the pack is about, if any
    declined: str = ""  # why there is no pack
    beyond: bool = False  # the year is after the newest document

    @property
    def label(self) -> str:
        return f"{self.forum} {self.session}" if self.session and self.forum and \
            not series_of(self.forum) else self.forum


def check_input(text: str | None) -> str:
    """The forum name as typed, cleaned; `PackRefused` with a one-line reason if unusable."""
    raw = text or ""
    if any(unicodedata.category(ch).startswith("C") and ch not in "\t\n\r" for ch in raw):
        raise PackRefused("a forum name is plain text; this one holds control characters")
    asked = " ".join(raw.split())
    if not asked:
        raise PackRefused("name a forum, for example PP-14 or \"the Plenipot\"")
    if len(asked) > MAX_CHARS:
        raise PackRefused(f"a forum name is at most {MAX_CHARS} characters; this one has "
                          f"{len(asked)}")
    if not _ALLOWED.fullmatch(asked) or "_" in asked or not re.search(r"[^\W\d_]", asked):
        raise PackRefused("a forum name is words, digits, spaces and - + / . , ' ( ); this "
                          "one holds markup or other characters")
    return asked


def resolve(asked: str, material: Material) -> Resolution:
    """The forum `asked` names, or why none (the reason lists the forums there are)."""
    found = _candidates(asked, material)
    if not found:
        return Resolution(asked, declined=_unknown(asked, material))
    if len(found) > 1:
        shown = " or ".join(material.spelled[f] for f in found)
        return Resolution(asked, declined=f"“{asked}” could mean {shown}; name one of them.")
    forum, session = next(iter(found.items()))
    own = series_of(forum)
    if session is None and own:
        # "WTDC-17" names the WTDC's series (the glossary's "WTDC") and a year of its own.
        m = re.search(rf"(?<!\w){re.escape(own[0])} ?(\d{{2}}|\d{{4}})(?!\w)", norm(asked))
        asked_year = series_of(f"{own[0]}-{m.group(1)}") if m else None
        session = asked_year[1] if asked_year and asked_year[1] != own[1] else None
    if session is None and not own:
        years = [int(y) for y in _YEAR.findall(_leftover(asked, material))]
        session = years[0] if len(years) == 1 else None
    year = session or (own[1] if own else None)
    newest = material.newest[:4]
    beyond = bool(year and newest.isdigit() and year > int(newest))
    if not beyond and session and own and session != own[1]:
        return Resolution(asked, declined=(
            f"The documents cover {material.spelled[forum]}, not “{asked}”. "
            + _known(material)))
    if not beyond and _unexplained(asked, material):
        return Resolution(asked, declined=_unknown(asked, material))
    return Resolution(asked, forum=material.spelled[forum], session=session, year=year,
                      beyond=beyond)


def _candidates(asked: str, material: Material) -> dict[str, int | None]:
    """Forum (lower case) -> a year the words give it beyond its own name, if any."""
    names = material.names
    spans = [form for form, _ in names.glossary.spans(asked)]
    from_glossary = {e.term.lower() for e in names.glossary.matches(asked)}
    found: dict[str, int | None] = {}
    for name in names_in(asked, material.snapshot):
        low = name.lower()
        # A forum found by its bare name inside a longer glossary name ("ITU" in "ITU
        # Council") is part of that name, not a second forum.
        if low not in from_glossary and any(norm(low) in form and norm(low) != form
                                            for form in spans):
            continue
        if low in material.spelled:
            found.setdefault(low, None)
            continue
        exact, series = names.of_entry(name)
        for forum in exact:
            found.setdefault(forum, None)
        asked_kind = series_of(name)
        for forum in series:
            own = series_of(forum)
            session = asked_kind[1] if asked_kind and own and asked_kind[1] != own[1] else None
            found.setdefault(forum, session)
        if not exact and not series and asked_kind:
            _sessions(asked_kind, material, found)
    if not found and (asked_kind := series_of(asked)):
        _sessions(asked_kind, material, found)  # a series the glossary does not know
    return found


def _sessions(asked: tuple[str, int], material: Material, found: dict[str, int | None]) -> None:
    """A session of a series the documents cover: the one they cover ("zorblat 15" for
    Zorblat-15), or another ("PP-18" beside PP-14)."""
    for forum in material.spelled:
        own = series_of(forum)
        if own and own[0] == asked[0]:
            found.setdefault(forum, None if own[1] == asked[1] else asked[1])


def _leftover(asked: str, material: Material) -> str:
    """The words of `asked` outside the glossary names and forum names it holds."""
    rest = asked
    forms = [form for form, _ in material.names.glossary.spans(asked)]
    forms += [norm(f) for f in material.spelled if norm(f) in norm(asked)]
    for form in sorted(set(forms), key=len, reverse=True):
        pattern = r"[\s\-_/]+".join(re.escape(w) for w in form.split())
        rest = re.sub(rf"(?<![\w+]){pattern}(?![\w+])", " ", rest, flags=re.I)
    return " ".join(rest.split())


def _unexplained(asked: str, material: Material) -> tuple[str, ...]:
    """Named events and words in `asked`, beyond the forum, that no document mentions
    ("Telecom World 2014" in "ITU Telecom World 2014")."""
    rest = _leftover(asked, material)
    rest = " ".join(w for w in rest.split() if re.search(r"\w", w))
    if not rest:
        return ()
    # Read as a question is: the same names, codes and unseen subjects decline it.
    asked_rest = analyse(rest, (), material.snapshot)
    return tuple(dict.fromkeys((*asked_rest.unknown, *asked_rest.unseen)))


def _known(material: Material) -> str:
    return "Forums the documents cover: " + ", ".join(
        sorted(material.spelled.values(), key=str.lower)) + "."


def _unknown(asked: str, material: Material) -> str:
    return (f"There is no meeting pack for “{asked}”: no document is tagged with that forum. "
            + _known(material))
