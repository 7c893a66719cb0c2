"""The chat page in a real browser: Debian's chromium driven by Playwright for Python.

`brief-bot serve` runs as a subprocess on a copy of the starter index, plus one document that
carries a script payload. The browser asks, follows a citation to its passage, gives feedback,
uploads a document and gets an answer from it, and checks that the payload shows as text and
never runs. A screenshot is written to test-artifacts/browser-chat.png.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from brief_bot.config import Settings

from .test_web import Server, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
BRIEF_BOT = Path(sys.executable).with_name("brief-bot")
# If pytest itself is killed (a timeout, ^C twice), the server it started goes too.
DIE_WITH_PARENT = (["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else [])
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
PAYLOAD_DOC = f"""The Glimmerfen inspection found markup pasted into a member submission.
The Glimmerfen inspection recorded the pasted text {SCRIPT} in the comment field.
The Glimmerfen inspection also recorded the pasted image tag {IMG} in the same field.
Template text such as ${{window.__xss=3}} and {{{{window.__xss=4}}}} was also found by the Glimmerfen inspection.
"""  # noqa: E501
PAYLOAD_META = f"""title: 'Glimmerfen inspection {IMG}'
doc_type: report
forum: [Glimmerfen]
status: draft
date: 2010-02-01
audience: public
"""
ZORBLAT = """---
title: Zorblat protocol note
doc_type: briefing
forum: [Zorblat]
status: agreed
date: 2031-05-01
---
# Zorblat protocol note

## Where it was agreed
The Zorblat protocol was agreed in Reykjavik in 2031. Twelve delegations signed the Zorblat
protocol at the closing session in Reykjavik, after two years of talks.
"""


@pytest.fixture(scope="module")
def server(starter_settings: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    from brief_bot.index import update

    base = tmp_path_factory.mktemp("browser")
    corpus, index = base / "corpus", base / "indexes"
    shutil.copytree(starter_settings.corpus, corpus)
    shutil.copytree(starter_settings.index, index)
    notes = corpus / "notes"
    notes.mkdir()
    (notes / "glimmerfen-inspection.txt").write_text(PAYLOAD_DOC, encoding="utf-8")
    (notes / "glimmerfen-inspection.txt.meta.yaml").write_text(PAYLOAD_META, encoding="utf-8")
    report = update(Settings(corpus=corpus, index=index))
    assert report.added == 1 and not report.skipped, report
    srv = start_server(base, corpus, index, BRIEF_BOT_STALE_BEFORE="2012-01-01")
    try:
        yield srv
    finally:
        stop_server(srv)


@pytest.fixture(scope="module")
def browser_page(server: Server, tmp_path_factory: pytest.TempPathFactory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    outside: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda r: None if r.url.startswith(
                (server.url, "data:", "blob:")) else outside.append(r.url))
            page.goto(server.url)
            page.wait_for_selector("#bb-question textarea")
            page.outside_requests = outside  # type: ignore[attr-defined]
            page.console_messages = []  # type: ignore[attr-defined]
            page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
            yield page
        finally:
            context.close()


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait for its answer to arrive."""
    before = page.locator('#bb-chat [data-testid="bot"]').count()
    page.fill("#bb-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#bb-chat [data-testid=\"bot\"]').length > n", arg=before)
    page.wait_for_function("() => document.querySelector('#bb-question textarea').value === ''")


def choose_file(page, component: str, path: Path) -> None:
    """Put a file in a Gradio File component and wait until it shows as uploaded."""
    shown = (f"() => document.querySelector('{component}').innerText.includes('{path.name}')")
    for attempt in range(3):
        page.set_input_files(f"{component} input[type=file]", str(path))
        try:
            page.wait_for_function(shown, timeout=20_000)
            return
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"browser-upload-retry-{attempt}.png"))
            print("upload not shown yet; console:", page.console_messages[-10:])
    raise AssertionError(f"{path.name} never showed in {component}")


def last_answer(page):
    return page.locator('#bb-chat [data-testid="bot"]').last


@pytest.mark.timeout(300)
def test_ask_cite_feedback_upload_and_answer(server: Server, browser_page) -> None:
    page = browser_page
    ask(page, "how was the WCIT internet resolution adopted?")
    answer = last_answer(page)
    assert "show of hands" in answer.inner_text() and "[1]" in answer.inner_text()

    # A citation leads to its passage in the sources panel.
    cite = answer.locator("a.bb-cite").first
    target = cite.get_attribute("href")
    assert target and target.startswith("#src-")
    cite.click()
    passage = page.locator(f"#bb-sources {target}")
    page.wait_for_function("id => document.getElementById(id).classList.contains('bb-active')",
                           arg=target[1:])
    assert passage.is_visible()
    text = passage.inner_text()
    assert "WCIT-12" in text and "briefings/wcit-12-itrs.md" in text and "agreed" in text
    assert passage.locator("mark").count() == 1
    assert page.url.rstrip("/") == server.url.rstrip("/")  # no navigation, no new tab

    # Thumbs down with a comment.
    page.locator("#bb-chat button[aria-label='Dislike']").last.click()
    page.wait_for_selector("#bb-fb-comment textarea")
    page.fill("#bb-fb-comment textarea", "Say who chaired the session.")
    page.click("#bb-fb-send")
    page.wait_for_function("() => (document.querySelector('#bb-fb-note') || {}).innerText"
                           "?.includes('saved')")
    with sqlite3.connect(server.feedback_db) as db:
        rows = db.execute("SELECT vote, comment, question, sources, channel FROM feedback"
                          ).fetchall()
    assert rows == [(-1, "Say who chaired the session.",
                     "how was the WCIT internet resolution adopted?",
                     '["briefings/wcit-12-itrs.md"]', "web")]

    # Upload a document on the Documents tab; wait for the new generation.
    page.click("button[role=tab]:has-text('Documents')")
    page.wait_for_selector("#bb-index-status code")
    first_generation = page.locator("#bb-index-status code").first.inner_text()
    assert first_generation.startswith("gen-")
    assert "notes/glimmerfen-inspection.txt" in page.locator("#bb-docs").inner_text()
    doc = server.corpus.parent / "zorblat-protocol.md"
    doc.write_text(ZORBLAT, encoding="utf-8")
    choose_file(page, "#bb-upload", doc)
    page.click("#bb-upload-btn")
    page.wait_for_function("() => document.querySelector('#bb-upload-note').innerText"
                           ".includes('uploads/zorblat-protocol.md')")
    page.wait_for_function(
        "g => { const s = document.querySelector('#bb-index-status').innerText;"
        " return s.includes('Last update') && !s.includes(g); }",
        arg=first_generation, timeout=90_000)
    assert (server.corpus / "uploads" / "zorblat-protocol.md").is_file()
    assert "uploads/zorblat-protocol.md" in page.locator("#bb-docs").inner_text()

    # Back in the chat, the new document answers.
    page.click("button[role=tab]:has-text('Chat')")
    ask(page, "In which city and year was the Zorblat protocol agreed?")
    answer = last_answer(page)
    assert "Reykjavik" in answer.inner_text() and "[1]" in answer.inner_text()
    sources = page.locator("#bb-sources details[open]").inner_text()
    assert "uploads/zorblat-protocol.md" in sources

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat.png"), full_page=True)
    assert page.outside_requests == []  # no CDN, no analytics


@pytest.mark.timeout(300)
def test_script_payload_is_shown_as_text(server: Server, browser_page) -> None:
    page = browser_page
    page.click("button[role=tab]:has-text('Chat')")
    # No filter set itself while the index was polled and refreshed after the upload (the
    # status dropdown once picked its first choice, "agreed", on its own).
    for control in ("#bb-forum", "#bb-type", "#bb-status"):
        chosen = page.locator(control).inner_text().split("\n")[1:]
        assert not [c for c in chosen if c.strip()], (control, chosen)
    ask(page, "What did the Glimmerfen inspection record in the comment field?")
    answer = last_answer(page)
    page.wait_for_timeout(500)  # let any injected handler fire, if one got through
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert SCRIPT in answer.inner_text() or IMG in answer.inner_text()
    panel = page.locator("#bb-sources details[open]")
    panel_text = panel.inner_text()
    assert SCRIPT in panel_text and IMG in panel_text  # title and passage, as text
    assert "stale" in panel_text and "draft" in panel_text
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate(
        "[...document.scripts].filter(s => s.text.includes('__xss')).length") == 0
    # Open every cited passage too; still nothing runs.
    for link in answer.locator("a.bb-cite").all():
        link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-payload.png"), full_page=True)


@pytest.mark.timeout(300)
def test_first_visit_examples_and_agreed_switch(server: Server, browser_page) -> None:
    page = browser_page.context.new_page()  # a new visit: a new session, an empty chat
    page.set_default_timeout(30_000)
    try:
        page.goto(server.url)
        page.wait_for_selector("#bb-question textarea")
        example = page.get_by_text("What are our messages for the Plenipot?")
        assert example.is_visible()
        example.click()
        page.wait_for_selector('#bb-chat [data-testid="bot"] a.bb-cite')
        assert "BB agreed messages" in page.locator("#bb-sources details[open]").inner_text()

        page.click("#bb-new")
        page.wait_for_function("() => !document.querySelector('#bb-chat [data-testid=\"bot\"]')")
        page.check("#bb-agreed input[type=checkbox]")
        ask(page, "what should we say about openness of ITU documents?")
        panel = page.locator("#bb-sources details[open]").inner_text()
        assert "strategy/agreed-messages.md" in panel
        paths = page.locator("#bb-sources details[open] code.bb-path").all_inner_texts()
        assert paths and set(paths) == {"strategy/agreed-messages.md"}
    finally:
        page.close()
