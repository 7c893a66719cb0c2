"""Index generations: incremental updates, pointer switches, damage, failure, readers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from brief_bot.config import Settings
from brief_bot.index import (
    DamagedIndexError,
    IndexStateError,
    NoIndexError,
    read_chunks,
    read_pointer,
    status,
    update,
)
from brief_bot.index.embedding import HashingEmbedder, SentenceTransformersEmbedder
from brief_bot.index.reader import LiveIndex
from brief_bot.search import HybridRetriever, analyse
from brief_bot.types import FilterError, Query

from .conftest import ROOT


def ask_of(snapshot: object, text: str) -> Query:
    """The question as search reads it (analysed against this snapshot)."""
    return analyse(text, (), snapshot)  # type: ignore[arg-type]


def gens(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.index.glob("gen-*"))


def test_first_build_then_nothing_to_do(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    first = update(tiny_settings.indexing, embedder=hashing)
    assert (first.added, first.files_seen, first.skipped) == (3, 3, [])
    assert first.new_generation and first.embedded == first.chunks > 0
    assert read_pointer(tiny_settings.index) == first.generation

    second = update(tiny_settings.indexing, embedder=hashing)
    assert second.embedded == 0 and second.unchanged == 3 and not second.new_generation
    assert second.generation == first.generation


def test_changed_file_reembeds_only_its_new_chunks(tiny_settings: Settings,
                                                   hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    path = tiny_settings.corpus / "strategy/messages.md"
    path.write_text(path.read_text() + "\n## Message 2: Open meetings\n\nOpen all meetings.\n")
    before = hashing.embedded
    report = update(tiny_settings.indexing, embedder=hashing)
    assert (report.updated, report.unchanged, report.added) == (1, 2, 0)
    rows = read_chunks(tiny_settings.index / report.generation)
    changed = [r for r in rows if r["source"] == "strategy/messages.md"]
    # Only chunks whose text is new were embedded; the rest of the file kept its vectors.
    assert 0 < report.embedded <= len(changed)
    assert hashing.embedded - before == (report.embedded + report.units_embedded
                                         + report.sentences_embedded)
    assert any("Open all meetings." in r["text"] for r in changed)


def test_copied_files_reuse_vectors(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    for name in ("copy1", "copy2"):
        shutil.copytree(tiny_settings.corpus / "briefings", tiny_settings.corpus / name)
    report = update(tiny_settings.indexing, embedder=hashing)
    assert report.added == 2 and report.embedded == 0 and report.reused > 0


def test_touched_but_identical_file_costs_nothing(tiny_settings: Settings,
                                                  hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    path = tiny_settings.corpus / "notes.txt"
    path.write_bytes(path.read_bytes())
    path.touch()
    assert update(tiny_settings.indexing, embedder=hashing).embedded == 0


def test_deleted_file_disappears(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    (tiny_settings.corpus / "notes.txt").unlink()
    report = update(tiny_settings.indexing, embedder=hashing)
    assert report.deleted == 1 and report.embedded == 0
    rows = read_chunks(tiny_settings.index / report.generation)
    assert {r["source"] for r in rows} == {"briefings/wcit.md", "strategy/messages.md"}
    live = LiveIndex(tiny_settings.indexing).get()
    assert live.store.count() == len(rows)


def test_every_chunk_carries_its_metadata(tiny_settings: Settings,
                                          hashing: HashingEmbedder) -> None:
    report = update(tiny_settings.indexing, embedder=hashing)
    rows = read_chunks(tiny_settings.index / report.generation)
    keys = {"source", "title", "section", "page", "doc_type", "forum", "status", "date",
            "audience", "position", "hash", "id", "text"}
    for row in rows:
        assert keys <= set(row)
    wcit = [r for r in rows if r["source"] == "briefings/wcit.md"]
    assert {r["section"] for r in wcit} == {"Signing", "The Internet resolution"}
    assert wcit[0]["forum"] == ["WCIT-12"] and wcit[0]["date"] == "2014-06-01"


def test_skips_are_reported_and_the_rest_indexed(tiny_settings: Settings,
                                                 hashing: HashingEmbedder) -> None:
    corpus = tiny_settings.corpus
    (corpus / "empty.md").write_text("")
    (corpus / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    (corpus / "fake.pdf").write_bytes(b"not a pdf")
    (corpus / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    report = update(tiny_settings.with_overrides(max_file_mb=1.0).indexing, embedder=hashing)
    reasons = {s["source"]: s["reason"] for s in report.skipped}
    assert set(reasons) == {"empty.md", "junk.txt", "fake.pdf", "sheet.xlsx"}
    assert "empty" in reasons["empty.md"] and "binary" in reasons["junk.txt"]
    assert "corrupt PDF" in reasons["fake.pdf"] and "unsupported" in reasons["sheet.xlsx"]
    assert report.added == 3
    # A skipped file that did not change is not parsed again, and not reported as a change.
    assert not update(tiny_settings.indexing, embedder=hashing).new_generation


def test_status_reports_corpus_changes(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    with pytest.raises(NoIndexError, match="brief-bot index"):
        status(tiny_settings.indexing)
    update(tiny_settings.indexing, embedder=hashing)
    assert status(tiny_settings.indexing)["up_to_date"]
    (tiny_settings.corpus / "new.md").write_text("# New\n\nA new document.\n")
    (tiny_settings.corpus / "notes.txt").write_text("Changed.\n")
    (tiny_settings.corpus / "briefings/wcit.md").unlink()
    info = status(tiny_settings.indexing)
    assert info["changes_since"] == {"new": ["new.md"], "changed": ["notes.txt"],
                                     "deleted": ["briefings/wcit.md"]}
    assert info["documents"] == 3 and info["chunks"] > 0
    # Status remembers hashes by size and mtime (the page polls it); a sidecar-only edit after
    # a status call is still seen.
    sidecar_of = next(p for p in tiny_settings.corpus.rglob("*.md") if p.name != "new.md")
    sidecar_of.with_name(sidecar_of.name + ".meta.yaml").write_text("status: draft\n")
    changed = status(tiny_settings.indexing)["changes_since"]["changed"]
    assert sidecar_of.relative_to(tiny_settings.corpus).as_posix() in changed


def test_damaged_index_names_rebuild(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    report = update(tiny_settings.indexing, embedder=hashing)
    (tiny_settings.index / report.generation / "manifest.json").write_text("{not json")
    with pytest.raises(DamagedIndexError, match="--rebuild"):
        update(tiny_settings.indexing, embedder=hashing)
    with pytest.raises(DamagedIndexError, match="--rebuild"):
        status(tiny_settings.indexing)
    (tiny_settings.index / "CURRENT").write_text("garbage")
    with pytest.raises(DamagedIndexError, match="--rebuild"):
        status(tiny_settings.indexing)
    fresh = update(tiny_settings.indexing, embedder=hashing, rebuild=True)
    assert fresh.new_generation and status(tiny_settings.indexing)["generation"] == fresh.generation
    shutil.rmtree(tiny_settings.index / fresh.generation / "keyword")
    with pytest.raises(DamagedIndexError, match="--rebuild"):
        LiveIndex(tiny_settings.indexing).get()


class ExplodingEmbedder(HashingEmbedder):
    def embed_documents(self, texts, progress=None, on_tokens=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("encoder died")


def test_failed_build_leaves_previous_generation_serving(tiny_settings: Settings,
                                                         hashing: HashingEmbedder) -> None:
    first = update(tiny_settings.indexing, embedder=hashing)
    (tiny_settings.corpus / "new.md").write_text("# New\n\nSomething new to embed.\n")
    with pytest.raises(RuntimeError, match="encoder died"):
        update(tiny_settings.indexing, embedder=ExplodingEmbedder())
    assert read_pointer(tiny_settings.index) == first.generation
    assert gens(tiny_settings) == [first.generation]
    assert status(tiny_settings.indexing)["changes_since"]["new"] == ["new.md"]


def test_copied_store_that_fails_its_check_is_written_afresh(
        tiny_settings: Settings, hashing: HashingEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import brief_bot.index.vectors as vectors

    first = update(tiny_settings.indexing, embedder=hashing)
    (tiny_settings.corpus / "new.md").write_text("# New\n\nSomething new to embed.\n")
    real_verify, calls = vectors.verify, []

    def flaky_verify(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise IndexStateError("vector store failed its read-back check")
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(vectors, "verify", flaky_verify)
    second = update(tiny_settings.indexing, embedder=hashing)
    assert len(calls) == 2 and second.generation != first.generation
    assert read_pointer(tiny_settings.index) == second.generation
    # The fresh store holds every chunk, old and new, and answers from both.
    bot_index = LiveIndex(tiny_settings.indexing).get()
    assert bot_index.store.count() == len(bot_index.rows) == second.chunks
    hits = HybridRetriever(settings=tiny_settings.retrieval, embedder=hashing).search(
        bot_index, ask_of(bot_index, "Something new to embed"), k=2)
    assert hits[0].source == "new.md"


def test_abandoned_build_directory_is_cleaned_up(tiny_settings: Settings,
                                                 hashing: HashingEmbedder) -> None:
    first = update(tiny_settings.indexing, embedder=hashing)
    dead = tiny_settings.index / "gen-29990101T000000000000"
    shutil.copytree(tiny_settings.index / first.generation, dead)
    (dead / "ACTIVATED").unlink()
    update(tiny_settings.indexing, embedder=hashing)
    assert not dead.exists()


def test_nothing_usable_is_an_error(tmp_path: Path, hashing: HashingEmbedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "junk.txt").write_bytes(b"\x00" * 10)
    settings = Settings(corpus=corpus, index=tmp_path / "idx")
    with pytest.raises(IndexStateError, match="nothing to index"):
        update(settings.indexing, embedder=hashing)
    with pytest.raises(IndexStateError, match="corpus folder not found"):
        update(Settings(corpus=tmp_path / "missing", index=tmp_path / "idx").indexing,
               embedder=hashing)


def test_reader_follows_new_generations_and_old_ones_are_pruned(
        tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    first = update(tiny_settings.indexing, embedder=hashing)
    live = LiveIndex(tiny_settings.indexing)
    retriever = HybridRetriever(settings=tiny_settings.retrieval, embedder=hashing)
    assert live.get().name == first.generation
    (tiny_settings.corpus / "zorblat.md").write_text(
        "# Zorblat\n\nThe Zorblat protocol was agreed in Reykjavik.\n")
    second = update(tiny_settings.indexing, embedder=hashing)
    snapshot = live.get()
    assert snapshot.name == second.generation
    hits = retriever.search(snapshot, ask_of(snapshot, "Zorblat protocol Reykjavik"), k=3)
    assert hits[0].source == "zorblat.md"
    third_settings = tiny_settings.with_overrides(keep_generations=1)
    (tiny_settings.corpus / "zorblat.md").unlink()
    third = update(third_settings.indexing, embedder=hashing)
    assert gens(tiny_settings) == [third.generation]


def test_filters_reach_dense_and_keyword_search(tiny_settings: Settings,
                                                hashing: HashingEmbedder) -> None:
    update(tiny_settings.indexing, embedder=hashing)
    snapshot = LiveIndex(tiny_settings.indexing).get()
    retriever = HybridRetriever(settings=tiny_settings.retrieval, embedder=hashing)
    plenipot = ask_of(snapshot, "Plenipotentiary open documents")
    for mode in ("dense", "keyword", "hybrid"):
        hits = retriever.search(snapshot, plenipot, k=5, mode=mode, filters={"forum": "PP-14"})
        assert hits and {h.source for h in hits} == {"strategy/messages.md"}
        hits = retriever.search(snapshot, ask_of(snapshot, "signed ITRs"), k=5, mode=mode,
                                filters={"status": "agreed", "audience": "public"})
        assert {h.source for h in hits} <= {"briefings/wcit.md"}
    # Case does not matter, and both searches see the same filter (dense alone finds it).
    for spelled in ({"forum": "pp-14"}, {"forum": "PP-14", "status": "Agreed"}):
        hits = retriever.search(snapshot, plenipot, k=5, mode="dense", filters=spelled)
        assert hits and {h.source for h in hits} == {"strategy/messages.md"}, spelled
    # An unknown key or value is a clear error, not a silent empty (or keyword-only) answer.
    anything = ask_of(snapshot, "anything")
    with pytest.raises(FilterError, match="unknown doc_type 'nothing'"):
        retriever.search(snapshot, anything, k=5, filters={"doc_type": "nothing"})
    with pytest.raises(FilterError, match="no document has forum 'wcit-99'"):
        retriever.search(snapshot, anything, k=5, filters={"forum": "WCIT-99"})
    with pytest.raises(FilterError, match="unknown filter"):
        retriever.search(snapshot, ask_of(snapshot, "x"), k=5, filters={"colour": "red"})


SHARED_BODY = "# Shared note\n\nThe shared paragraph on spectrum coordination and orbits.\n"


def _shared(meta: str) -> str:
    return f"---\ntitle: Shared note\n{meta}\n---\n{SHARED_BODY}"


def test_filters_when_one_vector_stands_for_several_places(tiny_settings: Settings,
                                                           hashing: HashingEmbedder) -> None:
    """Two files share a chunk's text, not its metadata: one vector, two rows. Each filter
    finds exactly the rows it matches, by dense and by keyword search alike."""
    corpus = tiny_settings.corpus
    (corpus / "a.md").write_text(_shared("doc_type: briefing\nstatus: agreed\nforum: [PP-14]"
                                         "\naudience: public"))
    (corpus / "b.md").write_text(_shared("doc_type: messages\nstatus: draft\n"
                                         "forum: [WCIT-12]\naudience: internal"))
    report = update(tiny_settings.indexing, embedder=hashing)
    assert report.vectors == report.chunks - 1
    live = LiveIndex(tiny_settings.indexing)
    retriever = HybridRetriever(settings=tiny_settings.retrieval, embedder=hashing)
    question = "shared paragraph on spectrum coordination and orbits"
    cases = [({}, {"a.md", "b.md"}, set()),
             ({"status": "agreed"}, {"a.md"}, {"b.md"}),
             ({"forum": "WCIT-12"}, {"b.md"}, {"a.md"}),
             ({"audience": "internal"}, {"b.md"}, {"a.md"}),
             ({"source": "b.md"}, {"b.md"}, {"a.md"}),
             # Each place matches one of the two, neither both: the entry matches `where`
             # (it holds both values), and the row mask takes both rows out.
             ({"doc_type": "messages", "status": "agreed"}, {"strategy/messages.md"},
              {"a.md", "b.md"})]
    with live.use() as snapshot:
        for filters, wanted, unwanted in cases:
            for mode in ("dense", "keyword", "hybrid"):
                found = {h.source for h in retriever.search(
                    snapshot, ask_of(snapshot, question), k=5, mode=mode, filters=filters)}
                # (messages.md shares no word with the question: keyword search finds nothing.)
                expected = wanted if mode != "keyword" or unwanted != {"a.md", "b.md"} else set()
                assert expected <= found and not found & unwanted, (filters, mode, found)
        key = snapshot.vector_of(snapshot.row_of[next(
            r["id"] for r in snapshot.rows if r["source"] == "a.md")])
        vector = snapshot.store.embeddings([key])[key]
        for where in ({"status:agreed": True}, {"status:draft": True}):
            assert key in {i for i, _ in snapshot.store.query(vector, 5, where)}
    # a.md deleted: the shared entry no longer answers for its values (the copied store's
    # entry was rewritten with its remaining place's).
    (corpus / "a.md").unlink()
    update(tiny_settings.indexing, embedder=hashing)
    with live.use() as snapshot:
        assert key in snapshot.rows_of_vector and snapshot.store.count() == report.vectors
        assert key not in {i for i, _ in snapshot.store.query(vector, 5, {"status:agreed": True})}
        found = {h.source for h in retriever.search(
            snapshot, ask_of(snapshot, question), k=5, mode="dense", filters={"status": "draft"})}
        assert "b.md" in found
    live.close()


def test_read_back_check_reads_what_was_written(tmp_path: Path) -> None:
    """By id and by its own vector: a missing, altered or unsearchable entry fails it."""
    from brief_bot.index.store import ChromaStore, local_client
    from brief_bot.index.vectors import verify

    rng = np.random.default_rng(16)
    vectors = rng.normal(size=(40, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [f"text-{i}" for i in range(40)]
    store = ChromaStore(local_client(tmp_path / "chroma"), "brief_bot_check", create=True)
    try:
        store.add(keys, vectors, [{"source:a.md": True}] * 40)
        written = dict(zip(keys, vectors, strict=True))
        verify(store, 40, written)
        with pytest.raises(IndexStateError, match="holds 40 entries, expected 41"):
            verify(store, 41, written)
        with pytest.raises(IndexStateError, match="1 of 40 new entries missing or altered"):
            verify(store, 40, {**written, "text-7": -vectors[7]})
        with pytest.raises(IndexStateError, match="missing or altered"):
            verify(store, 40, {**written, "never-written": vectors[0]})
    finally:
        store.close()


def test_chunks_fit_the_model_window_on_real_text(tmp_path: Path) -> None:
    """Every chunk of the starter corpus, with its header, is within 256 word-pieces."""
    from brief_bot.corpus import SkipFile, discover, load_document

    settings = Settings()
    embedder = SentenceTransformersEmbedder(model_path=settings.resolved_model_path())
    sizes, words = [], []
    for source, path in discover(ROOT / "corpus"):
        try:
            doc = load_document(path, source, chunk_size=settings.chunk_tokens,
                                overlap=settings.chunk_overlap_tokens,
                                length=embedder.count_tokens)
        except SkipFile:
            continue
        for chunk in doc.chunks:
            sizes.append(embedder.count_tokens(chunk.embed_text()) + 2)  # [CLS] and [SEP]
            words.append(len(chunk.text.split()))
    assert max(sizes) <= 256
    assert 80 <= float(np.median(words)) <= 200


def test_index_json_roundtrip(tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    report = update(tiny_settings.indexing, embedder=hashing)
    data = json.loads(json.dumps(report.to_dict()))
    for key in ("files_seen", "added", "updated", "deleted", "unchanged", "skipped", "chunks",
                "embedded", "seconds", "generation"):
        assert key in data


def _deleted_index_files(index_dir: Path) -> list[str]:
    """Files of `index_dir` this process still has open or mapped after they were deleted."""
    import os

    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith(" (deleted)") and str(index_dir) in target:
            held.append(target)
    held += [line for line in Path("/proc/self/maps").read_text().splitlines()
             if line.endswith(" (deleted)") and str(index_dir) in line]
    return held


def test_replaced_generations_are_closed_once_no_question_uses_them(
        tiny_settings: Settings, hashing: HashingEmbedder) -> None:
    settings = tiny_settings.with_overrides(keep_generations=1)  # superseded: deleted at once
    update(settings.indexing, embedder=hashing)
    live = LiveIndex(settings.indexing)
    retriever = HybridRetriever(settings=settings.retrieval, embedder=hashing)
    notes = settings.corpus / "notes.txt"
    with live.use() as held:  # a question in progress across two switches
        for i in range(2):
            notes.write_text(f"Council meets every year ({i}).\n")
            update(settings.indexing, embedder=hashing)
        with live.use() as fresh:
            assert fresh.name != held.name
        assert not held.path.exists()  # grace_seconds=0: readers must let go of it
    for i in range(5):
        notes.write_text(f"Council meets every other year ({i}).\n")
        update(settings.indexing, embedder=hashing)
        with live.use() as snapshot:
            assert retriever.search(snapshot, ask_of(snapshot, "Council meets"), k=1)
    assert _deleted_index_files(settings.index) == []
    live.close()


def test_readers_never_write_to_the_generation_they_read(tiny_settings: Settings,
                                                          hashing: HashingEmbedder) -> None:
    """Chroma writes to its folder even when it only reads; a reader that opened the shared
    folder could race another reader or a writer copying it (a document added by an update
    went missing from a page's answers now and then). Each reader opens its own copy."""
    import hashlib

    from brief_bot.index.reader import READERS

    report = update(tiny_settings.indexing, embedder=hashing)
    gen = tiny_settings.index / str(report.generation)

    def digest() -> dict[str, str]:
        return {str(p.relative_to(gen / "chroma")): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((gen / "chroma").rglob("*")) if p.is_file()}

    before = digest()
    live = LiveIndex(tiny_settings.indexing)
    retriever = HybridRetriever(settings=tiny_settings.retrieval, embedder=hashing)
    with live.use() as snapshot:
        assert retriever.search(snapshot, ask_of(snapshot, "signed ITRs"), k=3)
        assert len(list((gen / READERS).iterdir())) == 1
    live.close()
    assert digest() == before
    assert not any((gen / READERS).iterdir())  # the copy goes with the snapshot
