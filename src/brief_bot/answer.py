"""The answer stage: ranked passages in, a short cited answer (or an honest abstention) out.

The default composer is extractive: it picks the sentences that answer the question from the top
passages and keeps them verbatim, so every `[n]` quotes text that is really in source n. No
sentence is embedded at question time; sentences are scored by the question's terms, weighted by
how rare each term is in the index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .types import Answer, Citation, Passage  # noqa: F401 - Answer re-exported

QUESTION_WORDS = frozenset("""
how what who whom whose which when where why whi did does do done doe our we us i me my
you your can could should would will shall may might must pleas tell explain describe
give list show about say said s t is are was were be been being has have had having
there here it its it's this that these those them they their the a an of to in on at for
from by with as and or not no yes any some all also just so than then too very more most
much mani
""".split())

LIST_QUESTION = re.compile(r"\b(list|which|what are|who are|name the|all the|six|five|four|"
                           r"three|steps|opinions|messages|goals|ways|routes|options)\b", re.I)
QUOTE_QUESTION = re.compile(r"\b(message|messages|msgs?|narrative|proposals?|asks?|"
                            r"talking points|lines?|position|positions)\b", re.I)
# Sentence ends, blank lines, and line breaks before list items or after a full stop; a bare
# line break (wrapped PDF text) stays inside its sentence.
# Not after an initial or a title ("R.N. Jha", "U.S. Department", "Mr. Kramer").
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|No|Nr|vs)\.)(?<!\bMrs\.)"
                       r"[\"')\]]*\s+(?=[\"'(\[*_A-Z0-9])|\n\s*\n+|"
                       r"\n(?=\s*(?:[-*+]\s|\d+[.)]\s|#|>|\|))|(?<=[.!?:])\n")
_META = re.compile(r"^\W*(about this \w+\s+)?(this|the present)\s+(document|section|report|"
                   r"briefing|paper|note|guide|page)\b|PLACEHOLDER|:\**\s*$|\?", re.I)
TYPE_BOOST = 1.5
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                 r"forty|fifty|hundred|thousand|million|billion|half|third|quarter|dozen")
# What kind of answer a question asks for, and what a sentence that gives one contains. A
# sentence with the question's words *and* the kind of thing asked for is the likely answer; the
# term match alone often prefers a sentence that restates the question.
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("date",
     re.compile(r"\b(when|(what|which)\s+(date|dates|day|year|month))\b", re.I),
     re.compile(rf"\b(1[89]\d\d|20\d\d)\b|\b{_MONTH}\s+\d|\b\d{{1,2}}\s*{_MONTH}")),
    ("duration",
     re.compile(r"\bhow\s+long\b", re.I),
     re.compile(rf"\b(\d+|{_NUMBER_WORDS})[\s-]+(hour|day|week|month|year)s?\b", re.I)),
    ("number",
     re.compile(r"\b(how\s+many|how\s+much|total\s+number|(what|which)\s+(number|proportion|"
                r"percentage|share|fraction|portion))\b", re.I),
     re.compile(rf"\d|\b({_NUMBER_WORDS})\b|per\s?cent", re.I)),
    ("person",
     re.compile(r"^\s*(\w+\s+){0,2}(who|whom|whose)\b", re.I),
     # Two capitalised words (or initials and a name) inside the sentence: "Houlin Zhao",
     # "R.N. Jha".
     re.compile(r"(?<=[\s(,])(?:[A-Z]\.\s?)+[A-Z][a-z]+|(?<=[\s(,])[A-Z][a-z]+\s+"
                r"(?:[A-Z]\.\s)?[A-Z][a-z]+")),
    ("place",
     re.compile(r"\b(where|(what|which)\s+(city|cities|country|countries|town|place|capital|"
                r"nation|nations|venue))\b", re.I),
     re.compile(r"(?<=[\s(,])[A-Z][a-z]{2,}")),
)


def answer_type(question: str) -> re.Pattern[str] | None:
    """What a sentence answering `question` must contain (a date, a number, a name), if known."""
    for _name, asks, gives in ANSWER_TYPES:
        if asks.search(question):
            return gives
    return None
_MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*|\|\s*)")


@dataclass(frozen=True)
class Sentence:
    passage: int
    position: int
    text: str
    score: float


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of a passage, each an exact substring of it."""
    out = []
    for piece in _SENTENCE.split(text):
        piece = piece.strip()
        body = _MARKUP.sub("", piece).strip()
        words = len(body.split())
        # A short line with no closing punctuation is a heading (common in PDF text), not a
        # statement; it would read as a fragment in an answer.
        heading = words < 12 and not re.search(r"[.!?:;\"”')\]]\W*$", body)
        if words >= 3 and re.search(r"[A-Za-z]", body) and not heading:
            out.append(piece)
    return out


class ExtractiveComposer:
    """Chooses verbatim sentences; abstains when the evidence is weak."""

    def __init__(self, *, analyze: Callable[[str], list[str]], idf: Callable[[str], float],
                 answer_words: int = 120, abstain_threshold: float = 0.34) -> None:
        if answer_words < 20:
            raise ValueError("answer_words must be at least 20")
        self.analyze = analyze
        self.idf = idf
        self.answer_words = answer_words
        self.abstain_threshold = abstain_threshold

    def terms(self, question: str) -> dict[str, float]:
        return {t: self.idf(t) for t in self.analyze(question) if t not in QUESTION_WORDS}

    def evidence(self, question: str, passages: Sequence[Passage]) -> float:
        """0..1: how much of the question's rare-term weight the best passages cover, blended
        with the best dense similarity. Documented and calibrated in the README."""
        if not passages:
            return 0.0
        terms = self.terms(question)
        total = sum(terms.values())
        coverage = 0.0
        if total:
            for passage in passages[:3]:
                found = self.weight_in(terms, f"{passage.title} {passage.section} {passage.text}")
                coverage = max(coverage, found / total)
        dense = max(p.dense for p in passages[:3])
        return 0.5 * coverage + 0.5 * dense

    def compose(self, question: str, passages: Sequence[Passage],
                retrieval_query: str | None = None) -> tuple[str, list[Citation], bool]:
        if not passages or self.evidence(retrieval_query or question, passages) \
                < self.abstain_threshold:
            return self.abstain(passages), [], True
        terms = self.terms(retrieval_query or question)
        if QUOTE_QUESTION.search(question):
            agreed = [p for p in passages[:3] if p.doc_type in ("messages", "narrative")
                      and (p.status != "superseded" or passages[0] is p)]
            if agreed:
                # Of the agreed passages, the one whose section and text best match the
                # question ("human rights" -> that message), earlier rank breaking ties.
                best = max(agreed, key=lambda p: (self.weight_in(terms, f"{p.section} {p.text}"),
                                                  -agreed.index(p)))
                return self.quote_agreed(best)
        limit = self.answer_words * (2 if LIST_QUESTION.search(question) else 1)
        chosen = self.choose(terms, passages, limit, wanted=answer_type(question))
        if not chosen:
            return self.abstain(passages), [], True
        return self.render(chosen, passages)

    def weight_in(self, terms: dict[str, float], text: str) -> float:
        """The summed weight of the question's terms that occur in `text`."""
        present = set(self.analyze(text))
        return sum(w for t, w in terms.items() if t in present)

    def choose(self, terms: dict[str, float], passages: Sequence[Passage], limit: int, *,
               wanted: re.Pattern[str] | None = None) -> list[Sentence]:
        """The best sentences within `limit` words; `wanted` (see `answer_type`) favours
        sentences that hold the kind of thing asked for."""
        candidates: list[Sentence] = []
        for p_index, passage in enumerate(passages):
            rank_weight = 1.0 / (1.0 + 0.35 * p_index)
            sentences = [x for part in (passage.parts or (passage.text,))
                         for x in split_sentences(part)]
            for position, sentence in enumerate(sentences):
                hit = self.weight_in(terms, sentence)
                if hit <= 0:
                    continue
                length = len(sentence.split())
                # Long sentences cover more by chance; very short ones rarely answer; a sentence
                # about the document itself, a lead-in ending in ":" or a placeholder restates
                # the question rather than answering it.
                shape = 1.0 if 8 <= length <= 45 else 0.75
                if _META.search(sentence):
                    shape *= 0.4
                if wanted is not None and wanted.search(sentence):
                    shape *= TYPE_BOOST
                candidates.append(Sentence(p_index, position, sentence,
                                           hit * rank_weight * shape))
        if not candidates:
            return []
        candidates.sort(key=lambda s: -s.score)
        best = candidates[0].score
        chosen: list[Sentence] = []
        words = 0
        seen: set[str] = set()
        for cand in candidates:
            if cand.score < 0.45 * best:
                break
            key = re.sub(r"\W+", " ", cand.text.lower()).strip()
            if key in seen:
                continue
            size = len(cand.text.split())
            if chosen and words + size > limit:
                continue
            chosen.append(cand)
            seen.add(key)
            words += size
            if words >= limit:
                break
        # Readable order: the best passage first, each passage's sentences in document order.
        order = {p: i for i, p in enumerate(dict.fromkeys(s.passage for s in chosen))}
        chosen.sort(key=lambda s: (order[s.passage], s.position))
        return chosen

    def render(self, chosen: Sequence[Sentence],
               passages: Sequence[Passage]) -> tuple[str, list[Citation], bool]:
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for sentence in chosen:
            if sentence.passage not in numbers:
                numbers[sentence.passage] = len(numbers) + 1
                p = passages[sentence.passage]
                citations.append(Citation.of(numbers[sentence.passage], p, sentence.text))
            shown = " ".join(_MARKUP.sub("", sentence.text).split())
            parts.append(f"{shown} [{numbers[sentence.passage]}]")
        return " ".join(parts), citations, False

    def quote_agreed(self, passage: Passage) -> tuple[str, list[Citation], bool]:
        """Messages and the narrative are quoted whole, never paraphrased or trimmed."""
        label = f"status: {passage.status}" + (f", dated {passage.date}" if passage.date else "")
        where = f" ({passage.section})" if passage.section else ""
        text = (f"From **{passage.title}**{where}, {label}:\n\n"
                + "\n".join(f"> {line}" if line.strip() else ">" for line in
                            passage.text.split("\n")) + " [1]")
        quote = max(passage.parts or (passage.text,), key=len)
        return text, [Citation.of(1, passage, quote)], False

    def abstain(self, passages: Sequence[Passage]) -> str:
        nearby = list(dict.fromkeys(f"{p.title} ({p.source})" for p in passages[:3]))
        text = "The briefing material does not cover this."
        if nearby:
            text += " The closest documents it has are: " + "; ".join(nearby) + "."
        return text
