"""ITU jargon: expand acronyms and long forms both ways from the corpus glossary.

The glossary is the corpus's own `glossary/acronyms.csv` (columns term, expansion, aliases,
definition), copied into each index generation, so "WCIT", "Dubai 2012" and "World Conference on
International Telecommunications" all find the same passages.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..dates import YEAR


@dataclass(frozen=True)
class Entry:
    term: str
    expansion: str
    aliases: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(f for f in (self.term, self.expansion, *self.aliases) if f)


def normalise(text: str) -> str:
    """Lower case, with dashes, slashes and underscores as spaces: how glossary forms match."""
    return _norm(text)


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_/]+", " ", text.lower()).strip()


class Glossary:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        forms: list[tuple[str, Entry]] = []
        for entry in entries:
            for form in entry.forms:
                if len(_norm(form)) >= 2:
                    forms.append((_norm(form), entry))
                    # "Plenipot 2010" is also "the 2010 Plenipot".
                    dated = re.fullmatch(rf"(.+) ({YEAR})", _norm(form))
                    if dated:
                        forms.append((f"{dated.group(2)} {dated.group(1)}", entry))
        # Longest forms first so "WCIT-12" wins over "WCIT" where both match.
        forms.sort(key=lambda item: -len(item[0]))
        self._forms = forms
        self._pattern = (re.compile(r"(?<![\w])(" + "|".join(re.escape(f) for f, _ in forms)
                                    + r")(?![\w])") if forms else None)
        self._long: dict[str, list[tuple[tuple[str, ...], str]]] | None = None
        self._by_form = {}
        for form, entry in forms:
            self._by_form.setdefault(form, entry)

    @classmethod
    def from_csv_text(cls, text: str) -> Glossary:
        entries = []
        for row in csv.DictReader(io.StringIO(text)):
            term = (row.get("term") or "").strip()
            expansion = (row.get("expansion") or "").strip()
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
            if term or expansion:
                entries.append(Entry(term, expansion, aliases))
        return cls(entries)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        if not path.is_file():
            return cls([])
        return cls.from_csv_text(path.read_text("utf-8", errors="replace"))

    def long_forms(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The forms of two to five words ("Deputy Secretary-General"), as their normalised
        words, by their first two letters: for matching a question that shortens each word."""
        if self._long is None:
            self._long = {}
            for form in dict.fromkeys(f for e in self.entries for f in e.forms):
                parts = tuple(_norm(form).split())
                if 2 <= len(parts) <= 5 and len(parts[0]) >= 2:
                    self._long.setdefault(parts[0][:2], []).append((parts, form))
        return self._long

    def matches(self, text: str) -> list[Entry]:
        return list(dict.fromkeys(entry for _, entry in self.spans(text)))

    def spans(self, text: str) -> list[tuple[str, Entry]]:
        """(the form as written, normalised; its entry) for every glossary term in `text`."""
        if self._pattern is None:
            return []
        return [(m.group(1), self._by_form[m.group(1)])
                for m in self._pattern.finditer(_norm(text))]

    def read(self, text: str) -> tuple[list[tuple[str, Entry]], str]:
        """One pass over `text`: its glossary terms as `spans` gives them, and the text
        (normalised) with those terms taken out."""
        if self._pattern is None:
            return [], text
        normalised = _norm(text)
        spans = [(m.group(1), self._by_form[m.group(1)])
                 for m in self._pattern.finditer(normalised)]
        return spans, " ".join(self._pattern.sub(" ", normalised).split())

    def other_forms(self, entries: list[Entry], text: str) -> list[str]:
        """The names of `entries` that `text` does not already use: the term, its expansion and
        up to three aliases each (what a search adds so every name finds the same passages)."""
        normalised = _norm(text)
        extra: list[str] = []
        for entry in entries:
            for form in (entry.term, entry.expansion, *entry.aliases[:3]):
                if form and _norm(form) not in normalised and form not in extra:
                    extra.append(form)
        return extra
