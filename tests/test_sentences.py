"""Sentence vectors: made at index time, kept by text across runs, and used to choose an
answer's sentences by what they mean."""

from __future__ import annotations

import re

import numpy as np

from brief_bot.config import Settings
from brief_bot.index import read_chunks, update
from brief_bot.index.embedding import HashingEmbedder
from brief_bot.index.reader import LiveIndex
from brief_bot.index.sentences import MIN_WORDS, SentenceVectors, sentences_of


def test_every_sentence_gets_a_vector_once(tiny_settings: Settings,
                                           hashing: HashingEmbedder) -> None:
    first = update(tiny_settings.indexing, embedder=hashing)
    gen = tiny_settings.index / first.generation
    vectors = SentenceVectors(gen)
    rows = [r["text"] for r in read_chunks(gen)]
    expected = sentences_of(rows)
    assert first.sentences_embedded == len(expected) == len(vectors) > 0
    # Looked up by the sentence's own text, each is closest to its own vector.
    text = next(iter(expected.values()))
    sims = vectors.similarities(hashing.embed_query(text), [text, "no such sentence here at all"])
    assert sims[0] is not None and abs(sims[0] - 1.0) < 1e-2 and sims[1] is None
    # Nothing changed: nothing embedded, no new generation.
    again = update(tiny_settings.indexing, embedder=hashing)
    assert not again.new_generation and again.sentences_embedded == 0


def test_a_changed_file_embeds_only_its_new_sentences(tiny_settings: Settings,
                                                      hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    path = tiny_settings.corpus / "strategy/messages.md"
    added = "The delegation will meet the Council chair in the first week of May."
    path.write_text(path.read_text() + f"\n## Message 3: Meet the chair\n\n{added}\n")
    report = update(tiny_settings.indexing, embedder=hashing)
    assert report.new_generation and 1 <= report.sentences_embedded <= 3
    live = LiveIndex(tiny_settings.indexing)
    try:
        with live.use() as snapshot:
            sims = snapshot.sentence_similarities(hashing.embed_query(added), [added])
            assert sims[0] is not None and sims[0] > 0.99
    finally:
        live.close()


def test_short_sentences_and_a_missing_file_have_no_vector(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert sentences_of(["Yes. " + " ".join(["word"] * MIN_WORDS) + "."]) and \
        len(sentences_of(["Yes."])) == 0
    nothing = SentenceVectors(tmp_path)  # a generation built before sentence vectors
    assert len(nothing) == 0 and nothing.similarities(np.ones(4), ["a b c d e"]) == [None]


def test_an_answer_chooses_sentences_by_meaning(starter_bot) -> None:  # type: ignore[no-untyped-def]
    # The question's words ("started") are not the answer's ("founded"); its meaning is.
    answer = starter_bot.ask("when + where did the itu get started?")
    assert not answer.abstained and "17 May 1865" in answer.text and "Paris" in answer.text


def test_sentence_vectors_are_pooled_from_the_chunk_pass(starter_settings: Settings) -> None:
    # The real model hands over its token states: every sentence of the starter corpus has
    # a vector without a pass of its own.
    from brief_bot.index.generations import current_generation

    gen = current_generation(starter_settings.index)
    assert gen is not None
    rows = read_chunks(gen.path)
    assert len(SentenceVectors(gen.path)) == len(sentences_of(r["text"] for r in rows))


def test_pool_takes_each_sentence_from_its_own_tokens() -> None:
    from brief_bot.index.sentences import pool, sentence_key

    body = "The first sentence is here now. The second one is cut off by the window."
    text = f"Title > Section\n{body}"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    cut = [w for w in words if w[1] <= text.index("cut")]  # the window ends before "cut"
    offsets = [(0, 0), *cut, (0, 0)]
    states = np.eye(len(offsets), 8, dtype=np.float32)
    found = pool(text, body, states, offsets)
    assert list(found) == [sentence_key("The first sentence is here now.")]
    first = found[sentence_key("The first sentence is here now.")]
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
