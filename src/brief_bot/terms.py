"""Words to stems, one way for the whole program: the keyword index, question analysis and answer
scoring all see a text as these stems, so a term the question holds is found the same way in
the index and in a sentence."""

from __future__ import annotations

import re
from functools import lru_cache

_SPLIT = r"(?u)\b\w\w+\b|\b\d\b"  # keep single digits: "Plen/3", "Resolution 3", "5A/5B"


_WORD = re.compile(_SPLIT)


@lru_cache(maxsize=1)
def _stemmer_and_stopwords() -> tuple[object, frozenset[str]]:
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    return Stemmer.Stemmer("english"), frozenset(STOPWORDS_EN)


def bm25_tokenizer() -> object:
    """bm25s's tokenizer, made of the very parts `analyze` uses (splitter, stopwords, stemmer),
    so the keyword index and the answer stage cannot disagree on a word."""
    from bm25s.tokenization import Tokenizer

    stemmer, stop = _stemmer_and_stopwords()
    return Tokenizer(lower=True, splitter=_SPLIT, stopwords=sorted(stop),
                     stemmer=stemmer.stemWord)  # type: ignore[attr-defined]


def analyze(text: str) -> list[str]:
    """Stems of the words in `text` as every index sees them (stopwords dropped)."""
    return list(_analyzed(text))


@lru_cache(maxsize=65536)
def _analyzed(text: str) -> tuple[str, ...]:
    # Cached: answering analyses the same corpus sentences question after question.
    stemmer, stop = _stemmer_and_stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return tuple(stemmer.stemWords(words))  # type: ignore[attr-defined]


def looks_plural(word: str) -> bool:
    """An English plural by its ending ("messages", "routes"), not "process", "status",
    "analysis" or a possessive ("BB's"); case as written."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))
