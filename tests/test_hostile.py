"""Faults and abuse: hostile and awkward files made here, fed to the indexer; replayed and
malformed Slack requests fed to the relay.

Each hostile file must cost one skip line with its reason (or, where it is a document after all,
be indexed), within bounded time and memory, while everything else is indexed.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import weakref
import zipfile
from pathlib import Path
from typing import Any

import pytest

from brief_bot.config import Settings
from brief_bot.corpus import SkipFile
from brief_bot.index import IndexStateError, read_chunks, read_pointer, status, update
from brief_bot.index.embedding import HashingEmbedder

from .conftest import TINY_DOCS, write_tree

# --- hostile files -----------------------------------------------------------------------------


def blank_pages_pdf(pages: int = 60) -> bytes:
    """A PDF whose pages all say the same thing: as many identical chunks."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for _ in range(pages):
        pdf.add_page()
        pdf.cell(0, 8, "This page intentionally left blank.")
    return bytes(pdf.output())


def many_pages_pdf(pages: int) -> bytes:
    """A small, valid PDF with a great many (tiny) pages, written by hand: every page shares
    one content stream, so the file stays small however many pages it claims."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 12 Tf 72 720 Td (Section text.) Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " \
           b"/Resources << /Font << /F1 3 0 R >> >> >>"
    objects.extend([page] * pages)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bomb(xml_mb: int = 10) -> bytes:
    """A real DOCX whose body holds `xml_mb` MB of repetitive XML (packs to ~70 KB)."""
    import docx

    document = docx.Document()
    document.add_paragraph("seed")
    plain = io.BytesIO()
    document.save(plain)
    para = "<w:p><w:r><w:t>All work and no play makes Jack a dull boy.</w:t></w:r></w:p>"
    body = para * (xml_mb * 1_000_000 // len(para))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + body + text[at:]).encode()
            dst.writestr(item, data)
    return out.getvalue()


def nested_html(kb: int = 440) -> bytes:
    return ("<html><body>" + "<div>" * (kb * 1000 // 5) + "deep text</body></html>").encode()


def yaml_alias_bomb(depth: int = 6) -> str:
    """Billion laughs in front matter: a few hundred bytes that name 9**depth strings."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, depth):
        ref = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([ref] * 9)}]")
    lines.append(f"title: *a{depth - 1}")
    return "---\n" + "\n".join(lines) + "\n---\n# Laughs\n\nThe body of a document with a bomb.\n"


def csv_long_field() -> bytes:
    return ("topic,notes\nWCIT,short\nPP-14," + "x" * 140_000 + "\n").encode()


NON_UTF8_NAME = os.fsdecode(b"r\xe9sum\xe9-caf\xe9.md")


def settings_for(tmp_path: Path, files: dict[str, str | bytes], **extra: Any) -> Settings:
    corpus = write_tree(tmp_path / "corpus", {**TINY_DOCS, **files})
    return Settings(corpus=corpus, index=tmp_path / "indexes", grace_seconds=0, **extra)


def reasons(report: Any) -> dict[str, str]:
    return {s["source"]: s["reason"] for s in report.skipped}


def indexed_sources(settings: Settings, report: Any) -> set[str]:
    return {r["source"] for r in read_chunks(settings.index / report.generation)}


TINY = set(TINY_DOCS)

# --- one file must never stop indexing ---------------------------------------------------------


def test_identical_pages_pass_the_read_back_check(tmp_path: Path) -> None:
    """60 identical chunks that sort first made every build fail its read-back check."""
    hashing = HashingEmbedder()
    settings = settings_for(tmp_path, {"aaa-blank.pdf": blank_pages_pdf(60)})
    first = update(settings.indexing, embedder=hashing)
    assert first.new_generation and indexed_sources(settings, first) == TINY | {"aaa-blank.pdf"}
    # A second such file on top of a built index (the copied store's path) builds too.
    (settings.corpus / "aaa-blank-2.pdf").write_bytes(blank_pages_pdf(70))
    second = update(settings.indexing, embedder=hashing)
    assert second.new_generation and read_pointer(settings.index) == second.generation
    assert "aaa-blank-2.pdf" in indexed_sources(settings, second)


def repeated_phrase_csv(chars: int = 130_000) -> bytes:
    """One long field repeating a short phrase (issue 16: 258 chunks, 5 distinct texts)."""
    phrase = "The delegation reserves its position on this text. "
    return ("topic,notes\nWCIT," + (phrase * (chars // len(phrase) + 1))[:chars] + "\n").encode()


def identical_sections_csv(copies: int) -> bytes:
    """A CSV whose every group of 25 rows reads the same: `copies` identical chunks."""
    return ("topic,note\n" + "Filler,This row intentionally left blank.\n" * 25 * copies
            ).encode()


def stored_texts_find_themselves(settings: Settings) -> tuple[int, int]:
    """(entries in the serving store, entries not found by their own vector)."""
    from brief_bot.index.reader import LiveIndex

    live = LiveIndex(settings.indexing)
    try:
        with live.use() as snapshot:
            keys = list(snapshot.rows_of_vector)
            vectors = snapshot.store.embeddings(keys)
            lost = 0
            for key in keys:
                hits = snapshot.store.query(vectors[key], min(len(keys), 10))
                if not any(found == key for found, sim in hits if sim >= hits[0][1] - 1e-4):
                    lost += 1
            assert snapshot.store.count() == len(keys)
            return len(keys), lost
    finally:
        live.close()


def test_repeated_phrase_csv_passes_the_read_back_check_on_every_path(tmp_path: Path) -> None:
    """A CSV of one phrase repeated failed the check and discarded every run (issue 16)."""
    hashing = HashingEmbedder()
    settings = settings_for(tmp_path, {"data/phrases.csv": repeated_phrase_csv()})
    first = update(settings.indexing, embedder=hashing)  # a fresh store
    rows = [r for r in read_chunks(settings.index / first.generation)
            if r["source"] == "data/phrases.csv"]
    assert first.new_generation and len(rows) > 50
    assert len({r["hash"] for r in rows}) < 10 and first.vectors < first.chunks
    (settings.corpus / "data/phrases-2.csv").write_bytes(repeated_phrase_csv(120_000))
    second = update(settings.indexing, embedder=hashing)  # the copied store, changes applied
    assert second.new_generation and read_pointer(settings.index) == second.generation
    third = update(settings.indexing, rebuild=True, embedder=hashing)  # from scratch again
    assert third.new_generation and read_pointer(settings.index) == third.generation
    assert third.chunks == second.chunks and third.vectors == second.vectors
    entries, lost = stored_texts_find_themselves(settings)
    assert entries == third.vectors and lost == 0


@pytest.mark.parametrize("copies", [5, 50, 300, 3000])
def test_identical_chunks_are_stored_once(tmp_path: Path, copies: int) -> None:
    """The read-back check holds, every place is kept, every distinct text is found."""
    from brief_bot.index.reader import LiveIndex
    from brief_bot.search import HybridRetriever, analyse

    hashing = HashingEmbedder()
    settings = settings_for(tmp_path, {"aaa-filler.csv": identical_sections_csv(copies)})
    first = update(settings.indexing, embedder=hashing)
    assert first.new_generation and read_pointer(settings.index) == first.generation
    rows = read_chunks(settings.index / first.generation)
    filler = [r for r in rows if r["source"] == "aaa-filler.csv"]
    assert len(filler) == copies and len({r["hash"] for r in filler}) == 1
    live = LiveIndex(settings.indexing)
    with live.use() as snapshot:  # every place in the chunk table, one entry in the store
        assert snapshot.store.count() == len({r["hash"] for r in rows}) == len(rows) - copies + 1
    live.close()
    # (The embedder also saw the sections, sets and sentences, each text once.)
    assert first.vectors == len(rows) - copies + 1 and first.embedded == first.vectors
    assert hashing.embedded == (first.embedded + first.units_embedded
                                + first.sentences_embedded)
    # On top of it, the copied store's path: a second file of the same copies.
    (settings.corpus / "bbb-filler.csv").write_bytes(identical_sections_csv(copies))
    second = update(settings.indexing, embedder=hashing)
    assert second.new_generation and read_pointer(settings.index) == second.generation
    entries, lost = stored_texts_find_themselves(settings)
    assert entries == second.vectors == first.vectors + 1 and lost == 0
    # A curated chunk is still dense search's first hit for its own text.
    live = LiveIndex(settings.indexing)
    try:
        with live.use() as snapshot:
            text = "Council meets every year between Plenipotentiary Conferences."
            hits = HybridRetriever(settings=settings.retrieval, embedder=hashing).search(
                snapshot, analyse(text, (), snapshot), k=10, mode="dense", expand=False)
            assert hits[0].source == "notes.txt"
    finally:
        live.close()


def test_csv_with_a_huge_field_is_one_skip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"data/big-field.csv": csv_long_field()})
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert "malformed CSV" in reasons(report)["data/big-field.csv"]
    assert indexed_sources(settings, report) == TINY


def test_file_name_that_is_not_utf8_is_one_skip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {NON_UTF8_NAME: "# Resume\n\nA document with a bad name.\n"})
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert reasons(report) == {r"r\xe9sum\xe9-caf\xe9.md": "file name is not valid UTF-8 "
                               "(rename it)"}
    assert indexed_sources(settings, report) == TINY
    assert status(settings.indexing)["up_to_date"]
    assert not update(settings.indexing, embedder=HashingEmbedder()).new_generation


def test_docx_bomb_is_skipped_at_once(tmp_path: Path) -> None:
    bomb = docx_bomb(10)
    assert len(bomb) < 200_000
    settings = settings_for(tmp_path, {"bomb.docx": bomb})
    started = time.monotonic()
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert "compression bomb" in reasons(report)["bomb.docx"]
    assert time.monotonic() - started < 30
    assert indexed_sources(settings, report) == TINY


def test_large_docx_within_the_limits_parses_quickly(tmp_path: Path) -> None:
    """Style look-ups made python-docx cost ~1 ms a paragraph: 1 MB of XML took 36 s."""
    from brief_bot.corpus import load_bytes

    started = time.monotonic()
    parsed = load_bytes("long.docx", docx_bomb(1))
    assert time.monotonic() - started < 10
    assert parsed.sections and "dull boy" in parsed.sections[0].text


def test_pdf_with_thousands_of_pages_is_skipped(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"pages.pdf": many_pages_pdf(6000)})
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert "6,000 pages (limit 5,000)" in reasons(report)["pages.pdf"]
    assert indexed_sources(settings, report) == TINY


def test_deeply_nested_html_is_skipped_quickly(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"nested.html": nested_html(440),
                                       "fine.html": b"<h1>Fine</h1><div><p>Fine page.</p></div>"})
    started = time.monotonic()
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert "nested more than 512" in reasons(report)["nested.html"]
    assert time.monotonic() - started < 30
    assert indexed_sources(settings, report) == TINY | {"fine.html"}


def test_nested_html_within_the_limit_parses_in_linear_time() -> None:
    from brief_bot.corpus import load_bytes

    started = time.monotonic()
    parsed = load_bytes("deep.html", ("<div>" * 500 + "<p>kept</p>" * 20_000).encode())
    assert time.monotonic() - started < 10
    assert "kept" in parsed.sections[0].text


def test_yaml_alias_bomb_in_front_matter_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"laughs.md": yaml_alias_bomb(6)})
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert report.skipped == []
    warned = [w["warning"] for w in report.warnings if w["source"] == "laughs.md"]
    assert any("YAML aliases" in w for w in warned), warned
    rows = [r for r in read_chunks(settings.index / report.generation)
            if r["source"] == "laughs.md"]
    assert rows and rows[0]["title"] == "Laughs"
    size = sum(f.stat().st_size for f in (settings.index / report.generation).rglob("*")
               if f.is_file())
    assert size < 5_000_000


def test_utf16_without_bom_is_read(tmp_path: Path) -> None:
    text = "Notes on the Zorblat protocol, agreed in Reykjavik by the delegations.\r\n" * 3
    settings = settings_for(tmp_path, {"notes-utf16.txt": text.encode("utf-16-le"),
                                       "notes-utf16be.txt": text.encode("utf-16-be")})
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert report.skipped == []
    rows = read_chunks(settings.index / report.generation)
    for name in ("notes-utf16.txt", "notes-utf16be.txt"):
        assert any("Zorblat protocol" in r["text"] for r in rows if r["source"] == name)


def test_symlinks_fifos_and_oversize_files_get_a_skip_line(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\nNot part of the corpus.\n")
    settings = settings_for(tmp_path, {"big.txt": "word " * 2000}, max_file_mb=0.005)
    (settings.corpus / "link.md").symlink_to(outside)
    (settings.corpus / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(settings.corpus / "pipe.txt")
    report = update(settings.indexing, embedder=HashingEmbedder())
    got = reasons(report)
    assert set(got) == {"big.txt", "link.md", "linked-folder", "pipe.txt"}
    assert "over the size limit" in got["big.txt"]
    assert "symbolic link" in got["link.md"] and "symbolic link" in got["linked-folder"]
    assert "FIFO" in got["pipe.txt"]
    assert indexed_sources(settings, report) == TINY
    # The over-size file is not "changed" at every look, and costs no new generation.
    assert status(settings.indexing)["up_to_date"], status(settings.indexing)["changes_since"]
    assert not update(settings.indexing, embedder=HashingEmbedder()).new_generation
    (settings.corpus / "big.txt").write_text("word " * 3000)
    assert status(settings.indexing)["changes_since"]["changed"] == ["big.txt"]


def test_time_limit_per_file_skips_a_slow_file_once(tmp_path: Path) -> None:
    slow = ("<p>" + "word " * 20 + "</p>") * 60_000  # ~6 MB of flat HTML: seconds to parse
    settings = settings_for(tmp_path, {"slow.html": slow}, parse_timeout=0.5)
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert "took longer than 0.5 s" in reasons(report)["slow.html"]
    assert indexed_sources(settings, report) == TINY
    started = time.monotonic()
    again = update(settings.indexing, embedder=HashingEmbedder())
    assert not again.new_generation and time.monotonic() - started < 5  # not parsed again


def test_parser_process_bounds_time_and_memory() -> None:
    from brief_bot.corpus.sandbox import ParserProcess

    with ParserProcess(timeout=60, memory_mb=300) as parser:
        with pytest.raises(SkipFile, match="memory"):
            parser.parse("huge.txt", ("ünïcode " * 20_000_000).encode())
        assert parser.parse("ok.md", b"# Fine\n\nStill parsing.").sections[0].text == \
            "Still parsing."
    with ParserProcess(timeout=0.3) as parser:
        with pytest.raises(SkipFile, match="longer than 0.3 s"):
            parser.parse("slow.html", (("<p>" + "word " * 20 + "</p>") * 60_000).encode())
        assert parser.parse("ok.md", b"# Fine\n\nA new parser.").sections[0].text == \
            "A new parser."


class _LockProbe:
    """Progress that checks, while files are being read, whether the writer's lock is free."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir, self.phase_name, self.free_while_reading = index_dir, "", []

    def phase(self, name: str, total: int) -> None:
        self.phase_name = name

    def advance(self, n: int = 1) -> None:
        if self.phase_name != "reading files":
            return
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.free_while_reading.append(False)
            else:
                fcntl.flock(fh, fcntl.LOCK_UN)
                self.free_while_reading.append(True)

    def log(self, message: str) -> None:
        pass


def test_files_are_parsed_before_the_writer_lock_is_taken(tmp_path: Path) -> None:
    """A slow file must not hold the lock that every other writer (cron, uploads) waits on."""
    settings = settings_for(tmp_path, {})
    update(settings.indexing, embedder=HashingEmbedder())
    (settings.corpus / "new.md").write_text("# New\n\nA new document.\n")
    probe = _LockProbe(settings.index)
    report = update(settings.indexing, embedder=HashingEmbedder(), progress=probe)
    assert report.new_generation and probe.free_while_reading
    assert all(probe.free_while_reading)


def test_a_writer_that_waited_builds_on_the_generation_made_meanwhile(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {})
    update(settings.indexing, embedder=HashingEmbedder())
    (settings.corpus / "new.md").write_text("# New\n\nA new document.\n")

    class Meanwhile(_LockProbe):
        def advance(self, n: int = 1) -> None:
            if self.phase_name == "reading files" and not self.free_while_reading:
                self.free_while_reading.append(True)
                (settings.corpus / "other.md").write_text("# Other\n\nAnother one.\n")
                self.other = update(settings.indexing, embedder=HashingEmbedder())

    probe = Meanwhile(settings.index)
    report = update(settings.indexing, embedder=HashingEmbedder(), progress=probe)
    # The other writer indexed both new files; this one, compared with its result, has
    # nothing left to do (and does not switch back to a generation without other.md).
    assert probe.other.new_generation and not report.new_generation
    assert report.generation == probe.other.generation == read_pointer(settings.index)
    assert indexed_sources(settings, report) == TINY | {"new.md", "other.md"}


def lock_is_free(index_dir: Path) -> bool:
    with open(index_dir / ".lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


class LockWatchingEmbedder(HashingEmbedder):
    """Records, at each batch it embeds, whether the writer's lock is free."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__()
        self.index_dir, self.free = index_dir, []

    def embed_documents(self, texts: Any, progress: Any = None, on_tokens: Any = None) -> Any:
        self.free.append(lock_is_free(self.index_dir))
        return super().embed_documents(texts, progress, on_tokens)


def test_files_are_embedded_before_the_writer_lock_is_taken(tmp_path: Path) -> None:
    """2,862 chunks embedded under the lock held every other writer for 6 minutes."""
    settings = settings_for(tmp_path, {})
    update(settings.indexing, embedder=HashingEmbedder())
    (settings.corpus / "new.md").write_text("# New\n\n" + "A new paragraph. " * 400)
    embedder = LockWatchingEmbedder(settings.index)
    report = update(settings.indexing, embedder=embedder)
    assert report.new_generation and report.embedded > 0
    assert embedder.free and all(embedder.free)


def test_a_run_embeds_at_most_its_limit_and_the_next_continues(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {}, max_embed_chunks=4)
    first = update(settings.indexing, embedder=HashingEmbedder())
    for n in range(5):
        (settings.corpus / f"new-{n}.md").write_text(
            "\n\n".join(f"# Part {n}.{i}\n\nParagraph {i} of note {n}." for i in range(3)))
    # A changed file over the limit too (two chunks): it keeps its old version meanwhile.
    (settings.corpus / "notes.txt").write_text("\n\n".join(
        f"Council meets twice a year now, paragraph {i}. " + "Filler words here. " * 60
        for i in range(2)))
    runs, logs = [], []

    class Logs(_LockProbe):
        def log(self, message: str) -> None:
            logs.append(message)

    while not runs or runs[-1].deferred:
        runs.append(update(settings.indexing, embedder=HashingEmbedder(),
                           progress=Logs(settings.index)))
        assert len(runs) < 10
        rows = read_chunks(settings.index / runs[-1].generation)
        if runs[-1].deferred:
            # What is left waits in its old version (notes.txt) or not at all (new files).
            assert runs[-1].embedded <= 4 or runs[-1].added + runs[-1].updated == 1
            assert not {r["source"] for r in rows} & set(runs[-1].deferred) - {"notes.txt"}
            assert "notes.txt" not in runs[-1].deferred or any(
                r["text"].startswith("Council meets every year") for r in rows)
    assert "notes.txt" in runs[0].deferred
    assert len(runs) >= 3 and first.generation != runs[-1].generation
    assert any("left for the next run" in m for m in logs)
    assert any("continuing the previous run" in m for m in logs)
    assert indexed_sources(settings, runs[-1]) == TINY | {f"new-{n}.md" for n in range(5)}
    assert status(settings.indexing)["up_to_date"]


def test_two_writers_never_parse_one_file_at_once(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file (46 s, 1.5 GB to parse) was parsed by two writers in parallel."""
    import threading

    from brief_bot.corpus.sandbox import ParserProcess

    settings = settings_for(tmp_path, {"0-slow.txt": "Slow to parse.\n"})
    real_parse, parsing, calls, overlaps = ParserProcess.parse, set(), [], []
    guard = threading.Lock()

    def parse(self: ParserProcess, name: str, data: bytes) -> Any:
        with guard:
            overlaps.append(name in parsing)
            parsing.add(name)
            calls.append(name)
        try:
            if name == "0-slow.txt":
                time.sleep(2.0)
                raise SkipFile("took too long (made up)")
            return real_parse(self, name, data)
        finally:
            with guard:
                parsing.discard(name)

    monkeypatch.setattr(ParserProcess, "parse", parse)
    reports: list[Any] = []
    writers = [threading.Thread(target=lambda: reports.append(
        update(settings.indexing, embedder=HashingEmbedder()))) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert len(reports) == 2 and not any(overlaps), calls
    # The writer that waited took the other's reason instead of parsing it again.
    assert calls.count("0-slow.txt") == 1
    assert all(reasons(r)["0-slow.txt"] == "took too long (made up)" for r in reports)
    assert indexed_sources(settings, reports[-1]) == TINY


def _raise_disk_full(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "/index/gen-x/keyword/vocab.json")


def test_full_disk_is_one_clear_error_and_the_old_generation_serves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brief_bot.index.keyword import KeywordIndex
    from brief_bot.index.store import ChromaStore

    settings = settings_for(tmp_path, {})
    first = update(settings.indexing, embedder=HashingEmbedder())
    (settings.corpus / "new.md").write_text("# New\n\nA new document.\n")
    with monkeypatch.context() as patch:
        patch.setattr(KeywordIndex, "save", _raise_disk_full)
        with pytest.raises(IndexStateError, match="no space left on the device"):
            update(settings.indexing, embedder=HashingEmbedder())

    def chroma_full(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Database error: error returned from database: (code: 13) "
                           "database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(ChromaStore, "add", chroma_full)
        with pytest.raises(IndexStateError, match="no space left on the device"):
            update(settings.indexing, embedder=HashingEmbedder())
    assert read_pointer(settings.index) == first.generation
    assert sorted(p.name for p in settings.index.glob("gen-*")) == [first.generation]


def test_full_disk_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {})
    code = textwrap.dedent(f"""
        import errno, sys
        from brief_bot import cli
        from brief_bot.index import writer
        from brief_bot.index.embedding import HashingEmbedder
        from brief_bot.index.keyword import KeywordIndex
        def full(*a, **k):
            raise OSError(errno.ENOSPC, "No space left on device", "x")
        KeywordIndex.save = full
        writer.default_embedder = lambda *a, **k: HashingEmbedder()
        sys.argv = ["brief-bot", "index", "--corpus", {str(settings.corpus)!r},
                    "--index", {str(settings.index)!r}, "--no-progress"]
        cli.app()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert lines[0].startswith("error:") and "no space left on the device" in lines[0]


def test_each_update_does_not_keep_its_embedder(tmp_path: Path) -> None:
    """A long-lived process (the page) runs update() after every upload."""
    import gc

    settings = settings_for(tmp_path, {})
    alive = []
    for i in range(5):
        (settings.corpus / f"note-{i}.md").write_text(f"# Note {i}\n\nNote number {i}.\n")
        embedder = HashingEmbedder()
        update(settings.indexing, embedder=embedder)
        alive.append(weakref.ref(embedder))
        del embedder
    gc.collect()
    assert sum(ref() is not None for ref in alive) <= 2


def test_everything_at_once_within_bounded_time_and_memory(tmp_path: Path) -> None:
    """All the hostile files in one corpus, indexed by a separate process: each is one skip
    line, the rest is indexed, and the run stays within a minute and 1.5 GB."""
    settings = settings_for(tmp_path, {
        "aaa-blank.pdf": blank_pages_pdf(60), "data/big-field.csv": csv_long_field(),
        NON_UTF8_NAME: "# Bad name\n\nText.\n", "bomb.docx": docx_bomb(10),
        "pages.pdf": many_pages_pdf(6000), "nested.html": nested_html(440),
        "laughs.md": yaml_alias_bomb(6),
        "notes-utf16.txt": "Zorblat protocol notes, agreed in Reykjavik.\n".encode("utf-16-le"),
    })
    os.mkfifo(settings.corpus / "pipe.txt")
    code = textwrap.dedent(f"""
        import json, resource, time
        from pathlib import Path
        from brief_bot.config import Settings
        from brief_bot.index.embedding import HashingEmbedder
        from brief_bot.index import update
        started = time.monotonic()
        report = update(Settings(corpus=Path({str(settings.corpus)!r}),
                                 index=Path({str(settings.index)!r})).indexing,
                        embedder=HashingEmbedder())
        # This process's own high-water mark from /proc (getrusage's for the process would
        # also count the size of the test process it was forked from), and its children's.
        own = next(int(line.split()[1]) for line in open("/proc/self/status")
                   if line.startswith("VmHWM:"))
        peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(json.dumps({{"report": report.to_dict(), "seconds": time.monotonic() - started,
                          "peak_mb": peak / 1024}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    report = result["report"]
    got = {s["source"]: s["reason"] for s in report["skipped"]}
    assert set(got) == {"data/big-field.csv", r"r\xe9sum\xe9-caf\xe9.md", "bomb.docx",
                        "pages.pdf", "nested.html", "pipe.txt"}, got
    assert report["added"] == len(TINY) + 3  # blank pages, laughs, UTF-16 notes
    assert result["seconds"] < 60 and result["peak_mb"] < 1500, result
    print(f"\nhostile corpus: {result['seconds']:.1f} s, peak RSS {result['peak_mb']:.0f} MB",
          file=sys.stderr)


# --- the Slack relay: forged, replayed and malformed requests ---------------------------------

SLACK_SECRET = "0123456789abcdef0123456789abcdef"
SLACK_TOKEN = "xoxb-hostile-1111-2222-faketoken"


class RecordingBot:
    """Stands in for BriefBot: records what it was asked, answers with one citation."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any]] = []

    def ask(self, question: str, history: Any = (), filters: Any = None) -> Any:
        from brief_bot.types import Answer, Citation

        self.asked.append((question, filters))
        cite = Citation(n=1, source="briefings/wcit.md", title="WCIT-12 briefing",
                        section="Signing", page=None, quote="89 signed", score=1.0)
        return Answer(question=question, text="89 Member States signed [1].", abstained=False,
                      citations=(cite,))


class InProcessRelay:
    """`brief-bot slack --http` in this process: the relay's app and HTTP server on a free port,
    over a stand-in Slack Web API; `restart()` is a new relay over the same settings."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from slack_standin import SlackStandin

        monkeypatch.setenv("SLACK_SIGNING_SECRET", SLACK_SECRET)
        self.api = SlackStandin().start()
        self.settings = Settings(
            corpus=tmp_path, index=tmp_path / "indexes", feedback_db=tmp_path / "fb.sqlite",
            slack_api_url=self.api.url, slack_allowed_channels=["C_PUBLIC", "G_SECRET_OPS"],
            slack_internal_channels=["G_SECRET_OPS"], slack_rate_per_minute=100)
        self.bot = RecordingBot()
        self.server: Any = None
        self.start()

    def start(self) -> None:
        import threading

        from slack_sdk import WebClient

        from brief_bot.slack.app import build_app
        from brief_bot.slack.serve import serve_http

        client = WebClient(token=SLACK_TOKEN, base_url=self.api.url)
        self.app = build_app(self.settings.slack, bot=self.bot, client=client, http=True)
        self.server = serve_http(self.app, "127.0.0.1", 0)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def restart(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.api.stop()

    def post(self, raw: str | bytes, *, content_type: str = "application/json",
             timestamp: str | None = None, secret: str = SLACK_SECRET,
             signature: str | None = None) -> int:
        import hashlib
        import hmac
        import urllib.error
        import urllib.request

        data = raw.encode() if isinstance(raw, str) else raw
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        if signature is None:
            base = b"v0:" + timestamp.encode() + b":" + data
            signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/slack/events", data=data, method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                     "X-Slack-Signature": signature})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


@pytest.fixture
def relay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    server = InProcessRelay(tmp_path, monkeypatch)
    try:
        yield server
    finally:
        server.stop()


def _mention(text: str, event_id: str, channel: str = "C_PUBLIC") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {"token": "x", "team_id": "T0STANDIN", "api_app_id": "A0STANDIN",
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "app_mention", "user": "U_ALICE", "ts": ts, "channel": channel,
                      "text": f"<@UBOT> {text}"}}


def _command(text: str, trigger_id: str, channel: str = "C_PUBLIC",
             response: str = "cmd") -> dict[str, str]:
    return {"token": "x", "team_id": "T0STANDIN", "channel_id": channel,
            "channel_name": "general", "user_id": "U_CMD", "command": "/brief", "text": text,
            "response_url": "", "trigger_id": trigger_id, "api_app_id": "A0STANDIN",
            "_response": response}


def _form(command: dict[str, str], relay: InProcessRelay) -> str:
    import urllib.parse

    fields = dict(command)
    fields["response_url"] = relay.api.response_url(fields.pop("_response"))
    return urllib.parse.urlencode(fields)


def _settle(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    time.sleep(0.5)  # and nothing more arrives


def test_forged_requests_are_logged_in_one_line_without_the_body(
        relay: InProcessRelay, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    body = json.dumps(_mention("what is TIES?", "EvForged") | {"junk": "FORGED-BODY " * 75_000})
    assert len(body) > 900_000
    statuses = [relay.post(body, secret="not-the-secret") for _ in range(5)]
    statuses.append(relay.post(body, timestamp=str(int(time.time()) - 600)))  # stale
    assert statuses == [401] * 6
    assert not any("FORGED-BODY" in r.getMessage() for r in caplog.records)
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 6 and all(len(r.getMessage()) < 300 for r in refused)
    assert "stale" in refused[-1].getMessage()
    assert relay.bot.asked == []


def test_malformed_signed_requests_get_400_not_500(relay: InProcessRelay) -> None:
    good = json.dumps(_mention("what is TIES?", "EvMalformed"))
    assert relay.post(good, timestamp="soon") == 400
    assert relay.post(good, timestamp="") == 401  # not signed at all
    assert relay.post("{not json", timestamp=None) == 400
    assert relay.post('["a list"]') == 400
    assert relay.post("payload=%7Bbroken", content_type="application/x-www-form-urlencoded") \
        == 400
    assert relay.post(b"\xff\xfe\x00", content_type="application/x-www-form-urlencoded") == 400
    time.sleep(0.3)
    assert relay.bot.asked == []


FORM = "application/x-www-form-urlencoded"
ODD_REQUESTS: dict[str, dict[str, Any]] = {
    # Headers that do not parse: slack_sdk's check raised OverflowError (a 500) on the first.
    "unsigned, a 400-digit timestamp": {"raw": "{}", "timestamp": "9" * 400,
                                        "signature": "v0=" + "0" * 64},
    "signed, a 400-digit timestamp": {"raw": "{}", "timestamp": "9" * 400},
    "a signature that is not hex": {"raw": "{}", "signature": "v0=é" + "0" * 63},
    # Signed bodies slack_bolt cannot take apart: each was a 500 and a traceback.
    "an array nested 100,000 deep": {"raw": "[" * 100_000 + "]" * 100_000},
    "an object nested 50,000 deep": {"raw": '{"a":' * 50_000 + "1" + "}" * 50_000},
    "an event that is a string": {"raw": json.dumps({"type": "event_callback",
                                                     "event_id": "Ev1", "event": "x"})},
    "an event that is a list": {"raw": json.dumps({"type": "event_callback",
                                                   "event_id": "Ev2", "event": [1]})},
    "an event type that is a number": {"raw": json.dumps(
        {"type": "event_callback", "event_id": "Ev3", "event": {"type": 5, "channel": []}})},
    "authorizations that are a string": {"raw": json.dumps(
        {"type": "event_callback", "event_id": "Ev4", "authorizations": "x",
         "event": {"type": "message"}})},
    "actions that are a string": {"raw": "payload=" + json.dumps(
        {"type": "block_actions", "actions": "x", "trigger_id": "t1"}), "content_type": FORM},
    "an action id that is a list": {"raw": "payload=" + json.dumps(
        {"type": "block_suggestion", "action_id": [1]}), "content_type": FORM},
    "a view that is a string": {"raw": "payload=" + json.dumps(
        {"type": "view_submission", "view": "x", "trigger_id": "t2"}), "content_type": FORM},
    "a payload nested 50,000 deep": {"raw": "payload=" + "[" * 50_000 + "]" * 50_000,
                                     "content_type": FORM},
}


@pytest.mark.parametrize("case", sorted(ODD_REQUESTS))
def test_headers_and_bodies_that_do_not_parse_get_400_and_one_line(
        relay: InProcessRelay, caplog: pytest.LogCaptureFixture, case: str) -> None:
    """Never a 500: the gate refuses them with one line that does not quote the body."""
    import logging

    caplog.set_level(logging.DEBUG)
    assert relay.post(**ODD_REQUESTS[case]) == 400
    lines = [r for r in caplog.records if r.name.startswith(("brief_bot", "slack_bolt"))
             and r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "refused" in lines[0].getMessage(), \
        [r.getMessage()[:200] for r in lines]
    assert len(lines[0].getMessage()) < 200 and not lines[0].exc_info
    time.sleep(0.2)
    assert relay.bot.asked == []


def test_replayed_command_is_answered_once(relay: InProcessRelay) -> None:
    command = _command("who signed the ITRs?", trigger_id="trigger-replay", response="r1")
    raw, timestamp = _form(command, relay), str(int(time.time()))
    for _ in range(3):  # the same signed request, captured and sent again within 5 minutes
        assert relay.post(raw, content_type="application/x-www-form-urlencoded",
                          timestamp=timestamp) == 200
    _settle(lambda: relay.api.calls_to("response_url", response_id="r1"))
    assert len(relay.api.calls_to("response_url", response_id="r1")) == 1
    relay.restart()
    assert relay.post(raw, content_type="application/x-www-form-urlencoded",
                      timestamp=timestamp) == 200
    time.sleep(0.5)
    assert len(relay.api.calls_to("response_url", response_id="r1")) == 1
    assert len(relay.bot.asked) == 1


def test_event_retried_after_a_restart_is_answered_once(relay: InProcessRelay) -> None:
    body = json.dumps(_mention("who signed the ITRs?", "EvRestart"))
    assert relay.post(body) == 200
    _settle(lambda: relay.api.calls_to("chat.postMessage"))
    relay.restart()
    assert relay.post(body) == 200  # Slack's retry, to the relay that came back
    time.sleep(0.5)
    assert len(relay.api.calls_to("chat.postMessage")) == 1
    assert len(relay.bot.asked) == 1


def test_not_enabled_note_does_not_name_internal_channels(relay: InProcessRelay) -> None:
    command = _command("who signed the ITRs?", trigger_id="trigger-elsewhere",
                       channel="C_ELSEWHERE", response="r2")
    assert relay.post(_form(command, relay),
                      content_type="application/x-www-form-urlencoded") == 200
    _settle(lambda: relay.api.calls_to("response_url", response_id="r2"))
    note = relay.api.calls_to("response_url", response_id="r2")[0].params["text"]
    assert "not enabled in this channel" in note and "<#C_PUBLIC>" in note
    assert "G_SECRET_OPS" not in note


def test_slack_markup_is_stripped_before_asking(relay: InProcessRelay) -> None:
    from brief_bot.types import Filters

    text = ("*how* was the `WCIT` _internet_ resolution ~really~ adopted? <@U0SOMEONE> "
            "see <https://example.org/x|the report> in <#C123|wcit-prep>")
    assert relay.post(json.dumps(_mention(text, "EvMarkup"))) == 200
    _settle(lambda: relay.bot.asked)
    question, filters = relay.bot.asked[0]
    assert question == ("how was the WCIT internet resolution really adopted? see the report "
                        "in wcit-prep")
    assert filters == Filters.parse({"audience": "public"})


def test_unusable_index_folder_is_one_line(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {})
    (tmp_path / "a-file").write_text("not a folder")
    for command in ("index", "status"):
        out = subprocess.run([sys.executable, "-m", "brief_bot.cli", command, "--corpus",
                              str(settings.corpus), "--index", str(tmp_path / "a-file" / "idx")],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 1
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr[-2000:]
        assert "Not a directory" in lines[0] or "no index" in lines[0]
