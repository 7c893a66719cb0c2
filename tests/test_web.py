"""The chat page through its HTTP API: `brief-bot serve` runs as a subprocess on a copy of the
starter index and `gradio_client` asks, filters, rates, uploads and reads the index status.

The first tests need no server: the page's pure helpers (escaping, safe names, filters, auth).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from brief_bot.config import Settings

from .conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
BRIEF_BOT = Path(sys.executable).with_name("brief-bot")
# If pytest itself is killed (a timeout, ^C twice), the server it started goes too.
DIE_WITH_PARENT = (["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else [])
WCIT = "how was the WCIT internet resolution adopted?"


# --- helpers without a server ------------------------------------------------------------------


def test_safe_name_strips_directories_and_refuses_bad_names() -> None:
    from ui.uploads import UploadRefused, safe_name

    assert safe_name("../../etc/evil.md") == "evil.md"
    assert safe_name("..\\..\\windows\\evil.txt") == "evil.txt"
    assert safe_name("/abs/path/Report 2014 (final).PDF") == "Report_2014_final.PDF"
    assert safe_name("notes;rm -rf ~.md") == "notes_rm_-rf.md"
    assert safe_name("会议 2014.md") == "会议_2014.md"
    assert safe_name("right\u202eexe.md") == "right_exe.md"  # a direction override
    assert len(safe_name("议" * 200 + ".md").encode()) <= 180
    for bad in ("", "..", "../..", ".env.md", "../.hidden.md", "evil.exe", "evil.md.sh",
                "x.meta.yaml", "notes.md.meta.yaml", "NOTES.MD.META.YAML", "archive.tar.gz",
                "..md"):
        with pytest.raises(UploadRefused):
            safe_name(bad)


def test_save_upload_stays_inside_uploads(tmp_path: Path) -> None:
    from ui.uploads import UploadRefused, save_upload

    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "idx", upload_max_mb=0.001)
    src = tmp_path / "incoming"
    src.mkdir()
    (src / "note.md").write_text("# Note\nA short note.\n")
    saved = save_upload(settings.web, src / "note.md", "../../../note.md")
    assert (saved.path, saved.replaced) == ("uploads/note.md", False)
    assert (tmp_path / "corpus" / "uploads" / "note.md").read_text().startswith("# Note")
    (src / "big.txt").write_text("x" * 2000)
    with pytest.raises(UploadRefused, match="limit"):
        save_upload(settings.web, src / "big.txt")
    (src / "empty.txt").write_text("")
    with pytest.raises(UploadRefused, match="empty"):
        save_upload(settings.web, src / "empty.txt")
    assert sorted(p.name for p in (tmp_path / "corpus" / "uploads").iterdir()) == [
        "note.md", "note.md.meta.yaml"]


def _uploaded(corpus: Path) -> dict[str, str]:
    """The documents in corpus/uploads/ (not their sidecars) and their text."""
    return {p.name: p.read_text(encoding="utf-8") for p in (corpus / "uploads").iterdir()
            if p.is_file() and not p.name.endswith(".meta.yaml")}


def test_colliding_and_cjk_only_upload_names_are_kept_apart(tmp_path: Path) -> None:
    """Issue 11: `会议 2014.md` and `报告 2014.md` both became `uploads/2014.md` (the second
    replacing the first), and a name of CJK characters only was refused."""
    from ui.uploads import save_upload

    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "idx")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for name, text in (("会议 2014.md", "Meeting notes.\n"), ("报告 2014.md", "Report.\n"),
                       ("会议.md", "CJK only.\n")):
        (incoming / name).write_text(text, encoding="utf-8")
        save_upload(settings.web, incoming / name)
    files = _uploaded(settings.corpus)
    assert sorted(files.values()) == ["CJK only.\n", "Meeting notes.\n", "Report.\n"], files
    assert any("会议" in name for name in files) and any("报告" in name for name in files)


def test_an_upload_never_replaces_another_unless_asked(tmp_path: Path) -> None:
    """Issue 11: a second upload of the same name silently replaced the first."""
    from ui.uploads import save_upload

    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "idx")
    for text in ("first\n", "second\n"):
        (tmp_path / "note.md").write_text(text)
        save_upload(settings.web, tmp_path / "note.md")
    assert _uploaded(settings.corpus) == {"note.md": "first\n", "note-2.md": "second\n"}
    (tmp_path / "note.md").write_text("third\n")
    saved = save_upload(settings.web, tmp_path / "note.md", replace=True)
    assert (saved.path, saved.replaced) == ("uploads/note.md", True)
    assert _uploaded(settings.corpus) == {"note.md": "third\n", "note-2.md": "second\n"}


def test_approved_text_is_never_overwritten_by_a_non_editor(tmp_path: Path) -> None:
    """Issue 16: a non-editor's upload of an approved document's name replaced it (back to
    draft, the approved text gone)."""
    import yaml

    from ui.uploads import approve, save_upload

    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "idx")
    uploads = settings.corpus / "uploads"
    note = tmp_path / "messages.md"
    note.write_text("Approved text.\n")
    save_upload(settings.web, note)
    approve(settings.web, "uploads/messages.md", "agreed", editor="carol")
    note.write_text("Rewritten by someone.\n")
    saved = save_upload(settings.web, note, replace=True)  # no editor
    assert (saved.path, saved.beside, saved.status) == ("uploads/messages-2.md",
                                                       "uploads/messages.md", "draft")
    assert _uploaded(settings.corpus) == {"messages.md": "Approved text.\n",
                                          "messages-2.md": "Rewritten by someone.\n"}
    assert yaml.safe_load((uploads / "messages.md.meta.yaml").read_text())["status"] == "agreed"
    # The editor chooses: approved, the draft takes the approved one's place; that is kept.
    assert approve(settings.web, "uploads/messages-2.md", "agreed", editor="carol") == \
        "uploads/messages.md"
    assert _uploaded(settings.corpus) == {"messages.md": "Rewritten by someone.\n"}
    kept = sorted(p.name for p in (uploads / ".versions").iterdir())
    assert len(kept) == 2 and kept[0].startswith("messages.") and kept[0].endswith(".md")
    assert (uploads / ".versions" / kept[0]).read_text() == "Approved text.\n"
    # A draft may be replaced by anyone; its old version is kept too.
    note.write_text("A draft.\n")
    draft = save_upload(settings.web, note, "draft.md")
    note.write_text("A better draft.\n")
    again = save_upload(settings.web, note, "draft.md", replace=True)
    assert again.path == draft.path and again.replaced and again.kept.startswith(
        "uploads/.versions/draft.")
    assert (settings.corpus / again.kept).read_text() == "A draft.\n"


FAKE_AGREED = """---
title: Our agreed messages (really)
doc_type: messages
status: agreed
forum: [PP-14]
---
# Our agreed messages

## Message 1
BB demands that the Plenipotentiary abolish the Zanzibar protocol at once.
"""


def test_uploads_are_drafts_unless_an_editor_approves(tiny_settings: Settings, hashing,
                                                      tmp_path: Path) -> None:
    """Issue 11: an upload with `status: agreed`, `doc_type: messages` was quoted under
    "agreed messages only" beside the real ones."""
    from brief_bot.bot import BriefBot
    from brief_bot.index import documents, update
    from ui.uploads import save_upload

    fake = tmp_path / "fake-agreed.md"
    fake.write_text(FAKE_AGREED, encoding="utf-8")
    save_upload(tiny_settings.web, fake)  # anyone
    update(tiny_settings.indexing, embedder=hashing)
    status = {d["source"]: d["status"] for d in documents(tiny_settings.indexing)}
    assert status["uploads/fake-agreed.md"] == "draft"
    assert status["strategy/messages.md"] == "agreed"  # the curated corpus keeps its own
    bot = BriefBot(settings=tiny_settings, embedder=hashing)
    agreed = {"doc_type": "messages", "status": "agreed"}
    answer = bot.ask("abolish the Zanzibar protocol", filters=agreed)
    assert answer.passages and {p.source for p in answer.passages} == {"strategy/messages.md"}

    # An editor's upload keeps its own status; an editor can approve someone else's.
    from ui.uploads import approve

    save_upload(tiny_settings.web, fake, "editor-upload.md", editor="alice")
    approve(tiny_settings.web, "uploads/fake-agreed.md", "agreed", editor="alice")
    update(tiny_settings.indexing, embedder=hashing)
    status = {d["source"]: d["status"] for d in documents(tiny_settings.indexing)}
    assert status["uploads/editor-upload.md"] == status["uploads/fake-agreed.md"] == "agreed"


def test_index_job_runs_a_request_that_arrives_as_a_run_ends(tmp_path: Path) -> None:
    """Issue 11: a request arriving after the running update had decided to stop, while its
    thread was still alive, was taken as "coalesced into the current run" and never ran."""
    import threading

    from ui.uploads import IndexJob

    calls: list[int] = []
    finished = threading.Event()

    def fake_update(settings: Settings) -> dict:
        calls.append(1)
        if len(calls) == 2:
            finished.set()
        return {"added": 1}

    job = IndexJob(Settings(corpus=tmp_path, index=tmp_path / "idx").indexing,
                   update=fake_update)

    class HookLock:
        """The job's lock; once the first update is done, the next release by the job's own
        thread is its last: a request arrives right then."""

        def __init__(self) -> None:
            self.inner = threading.Lock()
            self.fired = False

        def __enter__(self) -> None:
            self.inner.acquire()

        def __exit__(self, *exc: object) -> None:
            self.inner.release()
            if calls and not self.fired and threading.current_thread().name == \
                    "brief-bot-index":
                self.fired = True
                job.request()

    job._lock = HookLock()  # type: ignore[assignment]
    job.request()
    assert finished.wait(10), f"the second request never ran ({len(calls)} run)"
    job.wait(10)
    assert len(calls) == 2 and job.state["state"] == "done"


def test_rendering_escapes_document_text() -> None:
    from ui import render

    payload = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    md = render.answer_markdown(f"It said {payload} [1] and ![i](http://x/y.png) [2]", 0, [1])
    assert "<script" not in md and "<img" not in md and "](" not in md
    assert '<a href="#src-0-1" class="bb-cite"' in md
    assert "[2]" in md and "#src-0-2" not in md  # only cited numbers become links
    html = render.sources_html([{
        "question": payload, "answer": "a", "abstained": False, "sources": ["x.txt"],
        "citations": [{"n": 1, "source": "x.txt", "title": payload, "section": payload,
                       "page": None, "quote": payload, "status": "draft", "date": "2010-01-01",
                       "chunk_id": "c1"}],
        "passages": [{"chunk_id": "c1", "source": "x.txt", "text": f"Before. {payload} After.",
                      "doc_type": "background"}],
    }], stale_before=Settings(stale_before="2012-01-01").stale_before)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert 'id="src-0-1"' in html and "bb-stale" in html and "bb-draft" in html
    assert "<mark" in html
    status = render.status_html(
        {"generation": "gen-1", "built_at": "2026-01-01", "documents": 2, "chunks": 9,
         "store": "embedded", "changes_since": {"new": ["a<b>.md"]},
         "skipped": [{"source": "bad<i>.pdf", "reason": "encrypted <PDF>"}]},
        {"state": "failed", "error": "<b>boom</b>"})
    assert "gen-1" in status and "encrypted &lt;PDF&gt;" in status and "bad&lt;i&gt;.pdf" in status
    assert "&lt;b&gt;boom&lt;/b&gt;" in status and "a&lt;b&gt;.md" in status
    docs = render.documents_html([{"source": "x.md", "title": payload, "forum": ["PP-14"],
                                   "status": "superseded", "date": "2013-01-01"}],
                                 Settings(stale_before="2014-01-01").stale_before)
    assert "<script" not in docs and "bb-superseded" in docs and "bb-stale" in docs


def test_links_in_documents_stay_text() -> None:
    """Issue 11: bare URLs in a document, and a neutralised Markdown image's target, became
    live outside links (GFM autolinks) in answers."""
    from ui import render

    text = ("See https://evil.example/x, www.evil.example and mail boss@evil.example; "
            "![i](http://evil.example/y.png) [1]")
    md = render.answer_markdown(text, 0, [1])
    for autolink in ("://", "www.", "@"):
        assert autolink not in md.lower(), (autolink, md)
    assert '<a href="#src-0-1"' in md  # the citation still is a link
    passage = render.passage_html(text + "\n\n[t](https://evil.example) <https://e.example>",
                                  "")
    assert "<a " not in passage and "<img" not in passage and "https://evil.example" in passage


def test_passages_render_as_markdown_with_the_quote_marked() -> None:
    """Issue 12: passages showed raw Markdown (`**`, list dashes, a literal `>`)."""
    from ui import render

    text = ("**How civil society has engaged:**\n- **WCITleaks (2012).** The site published "
            "leaked drafts.\n- **Statements.** Groups wrote open letters.\n\n> We ask for "
            "open documents.\n\n| year | event |\n|---|---|\n| 2012 | WCIT |\n")
    html = render.passage_html(text, "Groups wrote open letters.")
    assert "<strong>How civil society has engaged:</strong>" in html
    assert html.count("<li>") == 2 and "<blockquote>" in html and "<table>" in html
    assert "**" not in html and "&gt; We ask" not in html
    assert '<mark class="bb-quote">Groups wrote open letters.</mark>' in html
    # A quote over two list items, starting at an item's start, keeps both items and marks
    # the text of each, whether the quote keeps the Markdown or not.
    html = render.passage_html(text, "WCITleaks (2012). The site published leaked drafts. "
                                     "Statements.")
    assert html.count("<li>") == 2 and html.count("<mark") >= 2
    html = render.passage_html(text, "- **WCITleaks (2012).** The site published leaked "
                                     "drafts.\n- **Statements.**")
    assert html.count("<li>") == 2 and html.count("<mark") >= 2
    # Every sentence the answer took from the passage is marked, not only the citation's quote.
    answer = ("Groups wrote letters:\n- **Statements.** Groups wrote open letters. [1]\n"
              "From **X**:\n\n> We ask for open documents. [1] Elsewhere. [2]")
    assert render.cited_lines(answer) == {
        1: ["Groups wrote letters:", "**Statements.** Groups wrote open letters.",
            "From **X**:", "We ask for open documents."], 2: ["Elsewhere."]}
    html = render.passage_html(text, ["WCITleaks (2012).", *render.cited_lines(answer)[1]])
    assert html.count('<mark class="bb-quote">') == 4, html  # 2 + "Groups wrote..." + quote
    assert "<blockquote>\n<p><mark" in html and "We ask" in html
    # The answer's block quotes stay block quotes.
    md = render.answer_markdown("From **X**:\n\n> Quoted agreed text. [1]", 0, [1])
    assert "\n> Quoted agreed text." in md


def test_internal_badge_in_the_sources_panel() -> None:
    """Issue 11: the **internal** badge docs/web.md promises never appeared in the panel."""
    from ui import render

    turn = {"question": "q", "answer": "a [1]", "abstained": False, "sources": ["s.md"],
            "citations": [{"n": 1, "source": "s.md", "title": "Plan", "section": "",
                           "page": None, "quote": "Plan.", "status": "agreed",
                           "date": "2014-01-01", "chunk_id": "c1", "audience": "internal"}],
            "passages": [{"chunk_id": "c1", "source": "s.md", "text": "Plan.",
                          "doc_type": "roadmap", "audience": "internal"}]}
    assert "bb-internal" in render.sources_html([turn], None)


class RecordingBot:
    def __init__(self) -> None:
        self.filters: list = []

    def ask(self, question, history=(), filters=None):
        from brief_bot.types import Answer

        self.filters.append(filters)
        return Answer(question=question, text="No.", abstained=True)


def test_filters_are_parsed_at_the_door(tmp_path: Path) -> None:
    import gradio as gr

    from brief_bot.types import Filters
    from ui.page import Page, build_filters

    assert build_filters() == Filters()
    assert build_filters(["PP-14"], [], ["Agreed", "draft"]).to_dict() == {
        "forum": ["pp-14"], "status": ["agreed", "draft"]}
    assert build_filters("WCIT-12", None, None, True).to_dict() == {
        "doc_type": ["messages"], "forum": ["wcit-12"], "status": ["agreed"]}
    bot = RecordingBot()
    page = Page(Settings(corpus=tmp_path, index=tmp_path / "idx",
                         feedback_db=tmp_path / "fb.sqlite"), bot)
    *_, data = page.ask("q", ["PP-14"], [], ["Agreed"], False, [])
    assert bot.filters == [Filters.parse({"forum": "pp-14", "status": "agreed"})]
    assert data["filters"] == {"forum": ["pp-14"], "status": ["agreed"]}
    with pytest.raises(gr.Error, match="unknown doc_type 'memo'"):
        page.ask("q", [], ["memo"], [], False, [])
    chat, _, turns, data = page.ask_in_page("q", [], ["memo"], [], False, [])
    assert "unknown doc_type" in chat[-1]["content"] and turns == [] and len(bot.filters) == 1


def test_new_conversation_clears_the_filters(tmp_path: Path) -> None:
    """Issue 12: "New conversation" kept the filters, so the next question ran filtered."""
    from ui.page import Page, filter_note

    page = Page(Settings(corpus=tmp_path, index=tmp_path / "idx",
                         feedback_db=tmp_path / "fb.sqlite"), RecordingBot())
    *_, forum, doc_type, status, agreed, note = page.clear()
    assert [forum["value"], doc_type["value"], status["value"], agreed] == [[], [], [], False]
    assert "No filters" in note
    assert "Filters on" in filter_note([], [], ["agreed"], True)


def test_upload_note_follows_the_job(tmp_path: Path) -> None:
    """Issue 12: after an upload was indexed the note still said "indexing in the
    background"."""
    from ui.page import Page

    page = Page(Settings(corpus=tmp_path, index=tmp_path / "idx",
                         feedback_db=tmp_path / "fb.sqlite"), RecordingBot())
    mine = {"saved": [{"path": "uploads/a.md", "status": "draft"},
                      {"path": "uploads/b.pdf", "status": "draft"}], "ticket": 2, "notes": []}
    status = {"generation": "gen-2", "skipped": [{"source": "uploads/b.pdf",
                                                  "reason": "encrypted PDF"}],
              "changes_since": {"new": [], "changed": []}}
    docs = [{"source": "uploads/a.md"}]
    running = page.upload_note(mine, {"job": {"state": "running", "covers": 1},
                                      "status": status, "documents": docs})
    assert running.count("indexing in the background") == 2
    done = page.upload_note(mine, {"job": {"state": "done", "covers": 2}, "status": status,
                                   "documents": docs})
    assert "background" not in done
    assert "`uploads/a.md`: **indexed** as a draft (generation `gen-2`)" in done
    assert "`uploads/b.pdf`: **not indexed**: encrypted PDF" in done


def test_login_settings_roles_and_throttle() -> None:
    from ui.auth import LoginThrottle, editors, parse_auth

    assert parse_auth(None) is None and parse_auth(" ") is None
    accounts = parse_auth("alice:pw:1, bob:x, carol:s3cret:editor, dan:a:b:EDITOR")
    assert [tuple(a) for a in accounts] == [("alice", "pw:1", ""), ("bob", "x", ""),
                                            ("carol", "s3cret", "editor"),
                                            ("dan", "a:b", "editor")]
    assert editors(accounts) == {"carol", "dan"}
    for bad in ("alice", "alice:", ":pw", "alice::editor"):
        with pytest.raises(ValueError):
            parse_auth(bad)

    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, max_per_address=5, lockout_seconds=60,
                             clock=lambda: now[0])
    # Counted when they come, before any password is checked: the third locks bob at once.
    assert [throttle.attempt("bob", "10.0.0.1") for _ in range(3)] == [0, 0, 0]
    assert throttle.attempt("bob", "10.0.0.2") == 60  # refused, from anywhere
    delays = [throttle.failed("bob", "10.0.0.1") for _ in range(2)]
    assert 0 < delays[0] <= delays[1]
    assert throttle.locked("bob", "10.0.0.9") == 60 and throttle.locked("alice", "10.0.0.9") == 0
    for _ in range(2):  # made-up names count by address only: 3 + 2, the address is locked
        assert throttle.attempt(None, "10.0.0.1") == 0
    assert throttle.attempt("alice", "10.0.0.1") == 60
    now[0] += 61
    assert throttle.locked("bob", "10.0.0.1") == 0
    # A success takes its attempt back: an account's owner signs in as often as they like.
    for _ in range(10):
        assert throttle.attempt("bob", "10.0.0.3") == 0
        throttle.succeeded("bob", "10.0.0.3")
    assert throttle.locked("bob", "10.0.0.3") == 0


def test_login_guard_reads_the_name_as_the_form_does() -> None:
    """The guard and FastAPI's form (what Gradio's /login uses) read one user name, whatever
    the body: a decoy `username=` inside a multipart part's name, repeated fields."""
    import asyncio

    from ui.auth import _form_user

    scope = {"type": "http", "method": "POST", "path": "/login", "headers": []}

    def user(body: bytes, content_type: str) -> str:
        headers = [(b"content-type", content_type.encode())]
        return asyncio.run(_form_user({**scope, "headers": headers}, body))

    body, content_type = multipart({"x&username=decoy&y": "1", "username": " alice ",
                                    "password": "guess"})
    assert user(body, content_type) == "alice"
    form = "application/x-www-form-urlencoded"
    assert user(b"username=decoy&username=alice&password=x", form) == "alice"
    assert user(b"username=alice", "text/plain") == ""
    assert user(b"\xff\xfe garbage", content_type) == ""


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = "----briefbotboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), \
        f"multipart/form-data; boundary={boundary}"


# --- the running page --------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    corpus: Path
    index: Path
    feedback_db: Path
    base: Path
    proc: subprocess.Popen
    log: Path
    startup_s: float


def copy_index(settings: Settings, base: Path) -> tuple[Path, Path]:
    corpus, index = base / "corpus", base / "indexes"
    shutil.copytree(settings.corpus, corpus)
    shutil.copytree(settings.index, index)
    return corpus, index


def start_server(base: Path, corpus: Path, index: Path, **env_extra: str) -> Server:
    """`brief-bot serve` on a free port; returns once the page answers HTTP 200 (<= 90 s)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEF_BOT_")}
    feedback_db = base / "feedback.sqlite"
    env.update({"BRIEF_BOT_FEEDBACK_DB": str(feedback_db), "GRADIO_ANALYTICS_ENABLED": "False",
                "HF_HUB_OFFLINE": "1", "GRADIO_TEMP_DIR": str(base / "gradio-tmp"),
                **env_extra})
    log = base / f"serve-{port}.log"
    started = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [*DIE_WITH_PARENT, str(BRIEF_BOT), "serve", "--corpus", str(corpus), "--index",
             str(index), "--port", str(port)],
            cwd=base, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    server = Server(url, corpus, index, feedback_db, base, proc, log, 0.0)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"brief-bot serve exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    server.startup_s = time.perf_counter() - started
                    return server
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # a login page also means it is up
                server.startup_s = time.perf_counter() - started
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise TimeoutError(f"brief-bot serve did not answer in 90 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=15)


def client_for(server: Server, **kwargs):
    from gradio_client import Client

    # Plain http on localhost: skipping TLS verification setup saves CPU per request.
    return Client(server.url, verbose=False, ssl_verify=False, **kwargs)


@pytest.fixture(scope="module")
def server(starter_settings: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("web")
    corpus, index = copy_index(starter_settings, base)
    srv = start_server(base, corpus, index, BRIEF_BOT_UPLOAD_MAX_MB="0.05",
                       BRIEF_BOT_STALE_BEFORE="2014-07-01")
    try:
        yield srv
    finally:
        stop_server(srv)


def ask(client, question: str, forum=(), doc_type=(), status=(), agreed_only=False):
    msg, chat, sources, data = client.predict(question, list(forum), list(doc_type),
                                              list(status), agreed_only, api_name="/ask")
    assert msg == ""
    return chat, sources, data


def wait_status(client, predicate, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = client.predict(api_name="/status")
        if predicate(data):
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"status never matched: {json.dumps(data)[:2000]}")
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_ask_gives_a_cited_answer_and_follow_up(server: Server) -> None:
    client = client_for(server)
    started = time.perf_counter()
    chat, sources, data = ask(client, WCIT)
    assert time.perf_counter() - started < 5
    assert not data["abstained"] and "[1]" in data["answer"]
    assert data["citations"][0]["source"] == "briefings/wcit-12-itrs.md"
    assert "show of hands" in data["answer"]
    answer_html = chat[-1]["content"][0]["text"]
    assert '<a href="#src-0-1" class="bb-cite"' in answer_html
    assert 'id="src-0-1"' in sources and "WCIT-12" in sources
    assert "briefings/wcit-12-itrs.md" in sources and "bb-agreed" in sources
    assert "bb-stale" in sources  # dated 2014-06-02, before BRIEF_BOT_STALE_BEFORE

    # A follow-up in the same session is asked with the conversation so far.
    chat, sources, data = ask(client, "and who did not sign?")
    assert data["turn"] == 1 and len(chat) == 4
    # Either WCIT document answers it (the briefing or the lessons report).
    assert any("wcit" in c["source"] for c in data["citations"]), data["citations"]
    assert "United States" in data["answer"]
    assert 'id="src-1-1"' in sources and 'id="src-0-1"' in sources


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_filters_reach_the_bot(server: Server) -> None:
    from brief_bot.index import documents

    client = client_for(server)
    _, _, data = ask(client, "what are our messages for the plenipot?", agreed_only=True)
    assert data["filters"] == {"doc_type": ["messages"], "status": ["agreed"]}
    assert data["passages"] and all(p["doc_type"] == "messages" and p["status"] == "agreed"
                                    for p in data["passages"])

    _, _, data = ask(client, "messages for the plenipot", status=["superseded"])
    assert data["filters"] == {"status": ["superseded"]}
    assert data["passages"] and all(p["status"] == "superseded" for p in data["passages"])

    forums = {d["source"]: d["forum"] for d in documents(Settings(corpus=server.corpus,
                                                                  index=server.index).indexing)}
    _, _, data = ask(client, "openness of documents", forum=["WTPF-13"])
    assert data["passages"] and all("WTPF-13" in forums[p["source"]] for p in data["passages"])

    _, _, data = ask(client, "openness", doc_type=["glossary", "background"])
    assert data["passages"] and all(p["doc_type"] in ("glossary", "background")
                                    for p in data["passages"])

    # A value typed into a box that is not a document type: said plainly, nothing asked.
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="unknown doc_type 'memo'"):
        ask(client, "openness", doc_type=["memo"])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_feedback_is_stored_and_exported(server: Server, tmp_path: Path) -> None:
    from gradio_client.exceptions import AppError

    client = client_for(server)
    with pytest.raises(AppError, match="Nothing to send"):
        client.predict(0, "down", "no answer yet", api_name="/feedback")
    _, _, data = ask(client, WCIT)
    *_, note = client.predict(0, "down", "Say who chaired it.", api_name="/feedback")
    assert "saved" in note
    *_, note = client.predict(0, "up", "", api_name="/feedback")

    with sqlite3.connect(server.feedback_db) as db:
        rows = db.execute("SELECT vote, comment, question, answer, sources, channel FROM "
                          "feedback WHERE question = ? ORDER BY id", (WCIT,)).fetchall()
    # The sources stored are the answer's cited documents, in citation order.
    cited = json.dumps(list(dict.fromkeys(c["source"] for c in data["citations"])))
    assert cited.startswith('["briefings/wcit-12-itrs.md"')
    assert rows[-2:] == [(-1, "Say who chaired it.", WCIT, data["answer"], cited, "web"),
                         (1, "", WCIT, data["answer"], cited, "web")]

    out = tmp_path / "feedback.csv"
    env = {**os.environ, "BRIEF_BOT_FEEDBACK_DB": str(server.feedback_db)}
    subprocess.run([str(BRIEF_BOT), "feedback", "export", str(out)], env=env, cwd=tmp_path,
                   check=True, timeout=60, capture_output=True)
    with open(out, newline="", encoding="utf-8") as fh:
        exported = [r for r in csv.DictReader(fh) if r["question"] == WCIT]
    assert [(r["vote"], r["comment"], r["channel"]) for r in exported[-2:]] == [
        ("-1", "Say who chaired it.", "web"), ("1", "", "web")]
    assert json.loads(exported[-1]["sources"]) == json.loads(cited)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_uploads_are_checked_then_indexed(server: Server, tmp_path: Path) -> None:
    import httpx
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    client = client_for(server)
    before = client.predict(api_name="/status")
    generation = before["status"]["generation"]
    assert generation.startswith("gen-")
    assert before["status"]["documents"] == len(before["documents"])
    assert before["status"]["skipped"] == [] and before["error"] is None

    def upload(path_or_data):
        try:
            note, *_ = client.predict([path_or_data], api_name="/upload")
        except Exception as exc:  # noqa: BLE001 - Gradio's own checks refuse with an error
            return f"error: {exc}"
        return note

    bad = tmp_path / "run.sh"
    bad.write_text("echo hi\n")
    assert "Invalid file type" in upload(handle_file(str(bad)))
    hidden = tmp_path / ".hidden.md"
    hidden.write_text("# Hidden\nNot welcome.\n")
    note = upload(handle_file(str(hidden)))
    assert "Refused" in note or "Dotfiles" in note, note  # ours, or Gradio's own check
    assert not (server.corpus / "uploads" / ".hidden.md").exists()
    big = tmp_path / "big.txt"
    big.write_text("word " * 20000)  # 100 kB, over BRIEF_BOT_UPLOAD_MAX_MB=0.05
    assert "maximum file size" in upload(handle_file(str(big)))

    # A traversal name sent straight to the HTTP API ends up as a plain name in uploads/.
    resp = httpx.post(f"{server.url}gradio_api/upload", files=[
        ("files", ("../../escape.md", b"# Escape\nThe Quillon accord was not here.\n",
                   "text/markdown"))])
    resp.raise_for_status()
    crafted = {"path": resp.json()[0], "orig_name": "../../escape.md",
               "meta": {"_type": "gradio.FileData"}}

    # With it, in one request (so one index update takes them all: a document added by one
    # update has been seen to drop out of search after the next, see the report to the lead):
    # a real document, names that come out the same, a name of CJK characters only, and a
    # fake "agreed messages" document. Every file is kept, under its own readable name.
    good = tmp_path / "quillon-accord.md"
    good.write_text("---\ntitle: Quillon accord note\ndoc_type: briefing\nforum: [Quillon]\n"
                    "status: agreed\ndate: 2029-03-01\n---\n# Quillon accord note\n\n"
                    "## Signing\nThe Quillon accord was signed in Tromso in 2029. Forty "
                    "delegations signed the Quillon accord at the closing plenary in Tromso.\n")
    cjk = tmp_path / "cjk"
    cjk.mkdir()
    files = [crafted, handle_file(str(good))]
    for name, text in (("会议 2014.md", "# 会议\nThe Vellmark meeting was held in Oslo.\n"),
                       ("报告 2014.md", "# 报告\nThe Vellmark report was written in Lima.\n"),
                       ("会议.md", "# 会议\nThe Vellmark minutes were kept in Quito.\n")):
        (cjk / name).write_text(text, encoding="utf-8")
        files.append(handle_file(str(cjk / name)))
    fake = tmp_path / "our-agreed-messages.md"
    fake.write_text(FAKE_AGREED, encoding="utf-8")
    files.append(handle_file(str(fake)))
    note, *_ = client.predict(files, False, api_name="/upload")
    assert "uploads/escape.md" in note and "uploads/quillon-accord.md" in note
    assert "background" in note and "draft" in note  # nobody here is an editor
    assert not (server.corpus.parent / "escape.md").exists()
    assert not (server.base.parent / "escape.md").exists()
    assert (server.corpus / "uploads" / "escape.md").is_file()
    saved = sorted(p.name for p in (server.corpus / "uploads").iterdir()
                   if not p.name.endswith(".meta.yaml"))
    assert saved == sorted(["escape.md", "quillon-accord.md", "会议_2014.md", "报告_2014.md",
                            "会议.md", "our-agreed-messages.md"]), saved
    # The chat keeps answering while the index updates.
    _, _, data = ask(client, WCIT)
    assert not data["abstained"]

    def settled(s: dict) -> bool:
        pending = s["status"]["changes_since"]["new"] + s["status"]["changes_since"]["changed"]
        return s["job"]["state"] in ("done", "failed") and not pending
    after = wait_status(client, lambda s: s["status"]["generation"] != generation and
                        settled(s))
    assert after["job"]["state"] == "done", after["job"]
    status = {d["source"]: d["status"] for d in after["documents"]}
    assert {f"uploads/{name}" for name in saved} <= set(status)
    assert {status[f"uploads/{name}"] for name in saved} == {"draft"}

    # A new session: in this one a short question would be read as a follow-up to WCIT.
    _, panel, data = ask(client_for(server), "where was the Quillon accord signed?")
    assert not data["abstained"], data["answer"]
    assert "Tromso" in data["answer"]
    assert data["citations"][0]["source"] == "uploads/quillon-accord.md"
    assert "uploads/quillon-accord.md" in panel and "bb-draft" in panel
    _, _, data = ask(client_for(server), "where were the Vellmark minutes kept?")
    assert data["citations"] and data["citations"][0]["source"] == "uploads/会议.md"
    # The fake agreed messages are a draft: not under "agreed messages only".
    _, _, data = ask(client_for(server), "abolish the Zanzibar protocol", agreed_only=True)
    assert data["passages"] and not [p for p in data["passages"]
                                     if p["source"].startswith("uploads/")]

    # The same name again is kept beside the first; nobody here may approve an upload.
    note = upload(handle_file(str(good)))
    assert "uploads/quillon-accord-2.md" in note and "already taken" in note
    assert (server.corpus / "uploads" / "quillon-accord.md").read_text() == good.read_text()
    with pytest.raises(AppError, match="Only an editor"):
        client.predict("uploads/our-agreed-messages.md", "agreed", api_name="/approve")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_login_when_auth_is_set(starter_settings: Settings,
                                tmp_path_factory: pytest.TempPathFactory) -> None:
    import httpx
    from gradio_client import Client

    base = tmp_path_factory.mktemp("web-auth")
    corpus, index = copy_index(starter_settings, base)
    srv = start_server(base, corpus, index, BRIEF_BOT_AUTH="alice:s3cret:editor,bob:pw2",
                       BRIEF_BOT_LOGIN_MAX_FAILURES="3",
                       BRIEF_BOT_LOGIN_MAX_FAILURES_PER_ADDRESS="6")
    try:
        # Issue 11: the page before a sign-in embedded the API description (endpoints,
        # parameters, and the forum and document-type lists).
        page = httpx.get(srv.url, timeout=10)
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert '"named_endpoints": {}' in page.text  # an empty API description
        for secret in ("/ask", "/upload", "WTPF-13", "CWG-Internet", "roadmap"):
            assert secret not in page.text, secret
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{srv.url}config", timeout=10)
        assert info.value.code == 401
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(srv.url, verbose=False, ssl_verify=False, auth=("alice", "wrong"))
        client = client_for(srv, auth=("alice", "s3cret"))
        _, _, data = ask(client, WCIT)
        assert "[1]" in data["answer"]
        *_, note = client.predict(0, "up", "", api_name="/feedback")
        with sqlite3.connect(srv.feedback_db) as db:
            assert db.execute("SELECT user FROM feedback").fetchall() == [("alice",)]
        # alice is an editor: past the role check, the upload she names must exist.
        from gradio_client.exceptions import AppError

        with pytest.raises(AppError, match="no such upload"):
            client.predict("uploads/nothing.md", "agreed", api_name="/approve")
        signed_in = httpx.Client(timeout=10)
        assert signed_in.post(f"{srv.url}login", data={"username": "alice",
                                                       "password": "s3cret"}).status_code == 200
        assert '"/ask"' in signed_in.get(srv.url).text  # the whole page once signed in

        # Issue 11: no throttling (100 wrong passwords in 0.22 s, then the right one worked).
        def login(user: str, password: str) -> int:
            return httpx.post(f"{srv.url}login", data={"username": user, "password": password},
                              timeout=30).status_code

        started = time.perf_counter()
        assert [login("bob", f"guess{i}") for i in range(3)] == [400, 400, 400]
        assert time.perf_counter() - started > 1.5  # 0.25 + 0.5 + 1 s held back
        assert login("bob", "pw2") == 429  # locked, the right password included
        assert login("mallory", "x") == 400 and login("eve", "y") == 400
        # With alice's wrong password above, six failures from this address: locked for all.
        assert login("alice", "s3cret") == 429
        log = srv.log.read_text()
        assert log.count("failed sign-in") == 6 and log.count("sign-in locked") == 2
        assert "pw2" not in log and "guess" not in log  # passwords never logged
    finally:
        stop_server(srv)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_login_bursts_decoys_and_forwarded_addresses_get_nowhere(
        starter_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Issue 16: 50 guesses sent at once were all checked; a decoy name in a multipart part
    and a made-up X-Forwarded-For each got a fresh count; the log kept the decoy names."""
    import asyncio

    import httpx

    base = tmp_path_factory.mktemp("web-burst")
    corpus, index = copy_index(starter_settings, base)
    accounts = ",".join(f"{name}:right-{name}" for name in ("alice", "bob", "dan"))
    srv = start_server(base, corpus, index, BRIEF_BOT_AUTH=accounts,
                       BRIEF_BOT_LOGIN_MAX_FAILURES="5",
                       BRIEF_BOT_LOGIN_MAX_FAILURES_PER_ADDRESS="30")
    url = f"{srv.url}login"

    async def burst(user: str, guesses: int) -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:
            replies = await asyncio.gather(*(
                client.post(url, data={"username": user, "password": f"guess{i}"})
                for i in range(guesses)))
        return [r.status_code for r in replies]

    def login(user: str, password: str, **extra: object) -> int:
        return httpx.post(url, data={"username": user, "password": password}, timeout=60,
                          **extra).status_code  # type: ignore[arg-type]

    try:
        # 50 at once: five are checked (the limit), the rest refused unchecked.
        codes = sorted(asyncio.run(burst("bob", 50)))
        assert codes == [400] * 5 + [429] * 45, codes
        assert login("bob", "right-bob") == 429
        # A decoy name in a multipart part: counted as alice all the same.
        for i in range(8):
            body, content_type = multipart({f"x&username=decoy-{i}&y": "1",
                                            "username": "alice", "password": f"guess{i}"})
            code = httpx.post(url, content=body, headers={"content-type": content_type},
                              timeout=60).status_code
            assert code == (400 if i < 5 else 429), (i, code)
        assert login("alice", "right-alice") == 429
        # X-Forwarded-For from a proxy nobody named: the connection's address counts.
        # 10 counted so far; 20 more made-up names from "20 addresses" reach the limit of 30.
        for i in range(20):
            assert login(f"nobody-{i}", "x", headers={"X-Forwarded-For": f"203.0.113.{i}"}) \
                == 400
        assert login("dan", "right-dan", headers={"X-Forwarded-For": "198.51.100.7"}) == 429
        log = srv.log.read_text()
        assert "decoy" not in log and "nobody" not in log and "guess" not in log
        assert "203.0.113" not in log and log.count("(not an account)") >= 20
    finally:
        stop_server(srv)
