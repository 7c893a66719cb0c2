"""The answer stage's weights and thresholds, named, in one place.

Each was set by measuring answers, not by reasoning alone: `brief-bot eval` on the starter set
(tests/eval/questions.jsonl) and the staff set (tests/eval/staff.jsonl), with the held-out
staff set (benchmarks/staff_holdout.jsonl) as the check, and `benchmarks/bench_retrieval.py
external` for the external documents. A change to one of them is measured on all of those
(`benchmarks/answers_snapshot.py` shows which answers it changes). The settings users may
change (`answer_words`, `abstain_threshold`) live in `config.AnswerSettings`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentenceTuning:
    """Choosing sentences (`extract.choose`); set on the staff and external sets."""

    rank_decay: float = 0.35  # passage n's sentences weigh 1 / (1 + 0.35 n)
    fit_words: tuple[int, int] = (8, 45)  # a sentence this long reads as an answer
    misfit: float = 0.75  # shorter or longer
    lead: float = 1.2  # a sentence that brings its list ("... are:")
    meta: float = 0.4  # about the document itself, a lead-in, a placeholder, a question
    kind_found: float = 1.5  # holds the kind of thing asked for (a date, a person)
    kind_missing: float = 0.7
    period_named: float = 1.5  # names the question's year or month
    period_passage: float = 1.0  # in a passage about that period
    period_missing: float = 0.6
    yes_elsewhere: float = 0.3  # a "yes" answering another heading's question
    table_row: float = 0.4  # "term: ...; expansion: ..." reads badly
    keep_within: float = 0.45  # of the best sentence's score
    novelty: float = 0.35  # a sentence from another source must add this share of new words
    same_fact_jaccard: float = 0.6  # two sentences this alike state one fact
    same_fact_overlap: float = 0.85
    heading_asks: float = 0.6  # share of the question a "?" heading must hold
    # Half a sentence's score is how close it is in meaning to the question (its cosine, as a
    # share of the question's whole weight), half the question's words it holds: "who was
    # chosen to run the ITU" finds "... elected Houlin Zhao Secretary-General".
    meaning: float = 0.5


@dataclass(frozen=True)
class SetTuning:
    """Choosing a whole set (`sets.find_set`); set on the staff set's list questions."""

    set_noun: float = 2.0  # weight of what the set is of ("roles" in "who holds each role")
    elsewhere: float = 0.9  # a set in the document but not where search found it
    item_words: float = 0.5  # question words only the items hold
    context: float = 0.8  # ... the document's title and the lines before the set
    heading: float = 0.9  # ... the set's heading
    lead: float = 1.0  # ... its own lead sentence
    min_relevance: float = 0.4  # of the question's weight the set explains
    how_relevance: float = 0.5  # for "how can we ...?" answered by a list
    rank_decay: float = 0.35
    named_in_subject: float = 1.0  # the head noun in what the lead says the list is of
    named_in_lead: float = 0.85
    named_in_heading: float = 0.9
    named_in_title: float = 0.7
    other_noun: float = 0.6  # another plural noun of the question
    unnamed: float = 0.5  # a set of the kind of document the question names
    narrow_share: float = 0.6  # narrowing keeps at most this share of the items
    max_items: int = 30
    # By meaning (`search.units`): the sets the question means most are looked at too, and one
    # the question does not name in words is named by meaning when this similar.
    meant_sets: int = 3
    meaning_named: float = 0.45
    by_meaning: float = 0.8
    meaning: float = 0.3  # relevance a set gains per unit of similarity to the question


@dataclass(frozen=True)
class ComposeTuning:
    """Which shape answers (`compose.ExtractiveComposer`); set on the staff set."""

    evidence_passages: int = 3  # passages whose coverage and similarity are the evidence
    evidence_dense: float = 0.5  # the similarity's part of the evidence, coverage the rest
    # A passage this close in meaning makes common words the documents lack ("put it forward")
    # a way of asking; below it they are unseen subjects ("the football match"). Read off the
    # tuning sets' questions with such words: out-of-scope ones reach at most 0.67.
    familiar_dense: float = 0.7
    whole_section_words: int = 170  # a named section this short is answered whole
    section_words: float = 1.2  # a longer one: this many times `answer_words`
    heading_holds: float = 0.8  # share of the question a named section's heading holds
    label_covered: float = 0.6  # share of the heading's label the question names
    title_holds: float = 0.75  # a title this much of the question names the document
    set_over_section: float = 0.1  # a set explaining this much less than a section still wins
    max_list_items: int = 15  # items of a list a sentence leads into
    section_meant: float = 0.5  # a section answers "what does it say" questions this similar
    # A dated set answers a question limited to a period when its entries there hold this
    # share of the question's other words (all of a "what happened in..." question's).
    dated_relevance: float = 0.5
    # A question whose subject no document names is still answered by a set or section it
    # means this surely (similarity; 1.0 for a set it names in words).
    clearly_meant: float = 0.6


@dataclass(frozen=True)
class Tuning:
    sentences: SentenceTuning = SentenceTuning()
    sets: SetTuning = SetTuning()
    compose: ComposeTuning = ComposeTuning()


DEFAULT = Tuning()
