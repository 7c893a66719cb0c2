"""The words a generation's documents use, as written: for telling a misspelling ("delegaton")
or a shortening ("natl", "dep", "grps") of one of them from a word the documents never use."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?")
_VOWELS = frozenset("aeiou")


class Lexicon:
    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(_WORD.findall(text.lower()))
        self.counts = counts
        self._by_initial: dict[str, list[str]] = {}
        for word in counts:
            self._by_initial.setdefault(word[:1], []).append(word)

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.counts

    def misspelling_of(self, word: str) -> str | None:
        """The documents' word that `word` is probably a misspelling of (same first letter, a
        similar length, one or two letters off), the commonest where several fit."""
        from rapidfuzz import fuzz, process

        word = word.lower()
        if len(word) < 4 or word in self.counts:
            return None
        pool = [w for w in self._by_initial.get(word[:1], ()) if abs(len(w) - len(word)) <= 2]
        cutoff = 85 if len(word) <= 6 else 80
        found = process.extract(word, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
        if not found:
            return None
        best = max(score for _, score, _ in found)
        return max((w for w, score, _ in found if score == best), key=self.counts.__getitem__)

    def relative_of(self, word: str) -> str | None:
        """A word of the documents from the same root: one that shares its first five letters
        and three quarters of it ("present" and "presence", "mobile" and "mobilise")."""
        word = word.lower()
        need = max(5, -(-3 * len(word) // 4))
        if len(word) < need:
            return None
        stem = word[:need]
        found = [w for w in self._by_initial.get(word[:1], ()) if w.startswith(stem)]
        return max(found, key=self.counts.__getitem__) if found else None

    def abbreviation_of(self, word: str, *, prefer: frozenset[str] = frozenset()) -> str | None:
        """The documents' word that `word` shortens: its start ("dep" for "deputy", "conf" for
        "conference") or its consonants in order ("natl" for "national", "grps" for "groups",
        "mgmt" for "management"). Only words that look shortened count: a start of three or more
        letters, or up to five letters with at most one vowel and at least two consonants after
        the first ("eat" is not a shortening of "eastern")."""
        word = word.lower()
        if len(word) < 2 or not word.isalpha() or word in self.counts:
            return None
        candidates = self._by_initial.get(word[:1], ())
        if len(word) >= 3:
            starts = [w for w in candidates if w.startswith(word) and len(w) >= len(word) + 2]
            if starts:
                return max(starts, key=lambda w: (w in prefer, self.counts[w]))
        rest = word[1:]
        vowels = sum(ch in _VOWELS for ch in rest)
        if len(word) > 5 or vowels > 1 or len(rest) - vowels < 2:
            return None
        fits = [w for w in candidates if len(w) >= len(word) + 2 and _in_order(word, w)]
        return max(fits, key=lambda w: (w in prefer, self.counts[w])) if fits else None


def _in_order(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)
