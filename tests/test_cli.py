"""The command line as a new user runs it: real processes, real model, real Chroma server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brief_bot.config import Settings
from brief_bot.index import read_pointer, update
from brief_bot.index.embedding import HashingEmbedder

from .conftest import SHARED, free_port

BIN = Path(sys.executable).parent / "brief-bot"
EXTERNAL = SHARED / "external-corpus" / "docs"


def run(*args: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_help_is_instant_and_imports_no_model() -> None:
    out = run("--help")
    assert out.returncode == 0 and "Examples:" in out.stdout and "brief-bot ask" in out.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from brief_bot.cli import app; "
         "print(sorted(m for m in ('torch', 'sentence_transformers', 'chromadb', 'gradio') "
         "if m in sys.modules))"], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]"
    for command in ("index", "status", "ask", "eval", "serve", "slack"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "Examples:" in sub.stdout, command


def test_index_and_status_json_contract(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    (tiny_corpus / "bad.pdf").write_bytes(b"%PDF-1.4 truncated")
    out = run("index", "--corpus", str(tiny_corpus), "--index", str(index), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["added"] == 3 and report["embedded"] == report["chunks"] > 0
    assert report["skipped"] == [{"source": "bad.pdf", "reason": report["skipped"][0]["reason"]}]
    assert "skipped bad.pdf: corrupt PDF" in out.stderr

    again = json.loads(run("index", "--corpus", str(tiny_corpus), "--index", str(index),
                           "--json").stdout)
    assert again["embedded"] == 0 and again["unchanged"] == 3
    assert again["generation"] == report["generation"]

    info = json.loads(run("status", "--corpus", str(tiny_corpus), "--index", str(index),
                          "--json").stdout)
    assert info["generation"] == report["generation"] and info["up_to_date"]
    assert info["skipped"][0]["source"] == "bad.pdf"

    text = run("status", "--corpus", str(tiny_corpus), "--index", str(index))
    assert "generation " in text.stdout and "corpus unchanged" in text.stdout


def test_cli_errors_are_one_clear_line(tmp_path: Path) -> None:
    missing = run("status", "--index", str(tmp_path / "none"))
    assert missing.returncode == 1 and "run `brief-bot index`" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run("index", "--corpus", str(empty), "--index", str(tmp_path / "idx"))
    assert out.returncode == 1 and "nothing to index" in out.stderr
    ask = run("ask", "anything", "--index", str(tmp_path / "none"))
    assert ask.returncode == 1 and "brief-bot index" in ask.stderr


def test_external_corpus_indexes_every_readable_file(tmp_path: Path) -> None:
    """Real third-party PDFs, Windows-1252 text, HTML-in-Markdown and CSV (plumbing only:
    a hashing embedder, so the run takes seconds; the real model is used elsewhere)."""
    if not EXTERNAL.is_dir():
        pytest.skip(f"{EXTERNAL} not present")
    settings = Settings(corpus=EXTERNAL, index=tmp_path / "idx")
    report = update(settings.indexing, embedder=HashingEmbedder())
    every = [p for p in EXTERNAL.rglob("*") if p.is_file()]
    assert report.files_seen == len(every)
    assert report.skipped == [] and report.added == len(every)
    rows = [json.loads(line) for line in
            (settings.index / report.generation / "chunks.jsonl").read_text().splitlines()]
    text = " ".join(r["text"] for r in rows)
    assert "Ã" not in text and "\r" not in text  # no mojibake, no CRLF
    pdf_pages = {r["page"] for r in rows if r["source"].endswith("who-governs-the-internet.pdf")}
    assert len(pdf_pages) >= 3
    html_md = [r for r in rows if r["source"].endswith("inputs-to-wgec.md")]
    assert html_md and not any("<div" in r["text"] or "<p>" in r["text"] for r in html_md)


def _copy_index(settings: Settings, dest: Path) -> Settings:
    shutil.copytree(settings.corpus, dest / "corpus")
    shutil.copytree(settings.index, dest / "indexes")
    return Settings(corpus=dest / "corpus", index=dest / "indexes")


@pytest.mark.slow
def test_rebuild_killed_midway_leaves_old_generation_serving(starter_settings: Settings,
                                                             tmp_path: Path) -> None:
    settings = _copy_index(starter_settings, tmp_path)
    old = read_pointer(settings.index)
    args = ["index", "--rebuild", "--corpus", str(settings.corpus), "--index",
            str(settings.index)]
    proc = subprocess.Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ})
    assert proc.stderr is not None
    deadline = time.time() + 240
    # Killed as it writes: parsing and embedding come first, and write nothing to the index.
    for line in proc.stderr:
        if line.startswith("writing the vector store"):
            break
        assert time.time() < deadline, "the rebuild never reached the writing phase"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert read_pointer(settings.index) == old

    status = json.loads(run("status", "--corpus", str(settings.corpus), "--index",
                            str(settings.index), "--json").stdout)
    assert status["generation"] == old and status["up_to_date"]
    # The half-written generation is there, unpointed; another process still answers.
    assert len(list(settings.index.glob("gen-*"))) >= 2
    ask = run("ask", "how many countries signed the ITRs", "--corpus", str(settings.corpus),
              "--index", str(settings.index), "--json")
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["citations"] and "89" in answer["answer"]
    # The next run cleans the dead build away and finds nothing to do.
    report = json.loads(run("index", "--corpus", str(settings.corpus), "--index",
                            str(settings.index), "--json").stdout)
    assert report["embedded"] == 0 and report["generation"] == old
    assert [p.name for p in settings.index.glob("gen-*")] == [old]


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "chroma-data"),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request

    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma run did not start")
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_server_mode_against_chroma_run(chroma_server: str, tiny_settings: Settings) -> None:
    import chromadb

    from brief_bot.bot import BriefBot

    settings = tiny_settings.with_overrides(chroma_url=chroma_server)
    hashing = HashingEmbedder()
    first = update(settings.indexing, embedder=hashing)
    assert first.new_generation and not (settings.index / first.generation / "chroma").exists()
    bot = BriefBot(settings=settings, embedder=hashing)
    assert bot.ask("how many signed the ITRs").citations[0].source == "briefings/wcit.md"

    (settings.corpus / "notes.txt").write_text("Council meets every year in Geneva.\n")
    second = update(settings.indexing, embedder=hashing)
    assert second.updated == 1 and second.embedded == 1
    assert bot.index.get().name == second.generation  # picked up without a restart
    host, port = chroma_server.rsplit(":", 1)
    client = chromadb.HttpClient(host=host.split("//")[1], port=int(port))
    names = {c.name for c in client.list_collections()}
    assert f"brief_bot_{second.generation.replace('-', '_')}" in names
    assert bot.ask("where does Council meet").citations
