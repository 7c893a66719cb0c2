"""The chat page in a real browser: Debian's chromium driven by Playwright for Python.

`brief-bot serve` runs as a subprocess on a copy of the starter index, plus one document that
carries a script payload and bare links. The browser checks what a person *sees*, with bounding
boxes rather than `inner_text` (which holds text whether or not it is on screen):

- at 1366x768, 1920x1080 and 390x844, after each answer to a question with long sources, the
  Sources panel and its first passage are inside the window, not empty and not covered, and a
  clicked citation brings its passage into view inside the panel;
- the chat shows it is working while an answer is composed; Enter asks, Tab reaches the
  citations and the votes; axe-core finds no critical or serious violation on either tab;
- it asks, follows a citation, gives feedback, uploads a document (the note follows the job to
  "indexed") and gets an answer from it; the payload shows as text and never runs.

Screenshots go to test-artifacts/ (git-ignored); docs/chat-page.png is a copy of one of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brief_bot.config import Settings

from .test_web import BRIEF_BOT, Server, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]
# axe-core from the npm registry, kept outside git (the cache below), checked against the
# registry's own integrity value for this version.
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuF"
                 "ooJpZe37OgudVGtQ==")
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brief-bot" / \
    "npm" / f"axe-core-{AXE_VERSION}"
VIEWPORTS = [(1366, 768), (1920, 1080), (390, 844)]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
PAYLOAD_DOC = f"""The Glimmerfen inspection found markup pasted into a member submission.
The Glimmerfen inspection recorded the pasted text {SCRIPT} in the comment field, copied from https://glimmerfen.example/form and www.glimmerfen.example by inspector@glimmerfen.example.
The Glimmerfen inspection also recorded the pasted image tag {IMG} in the same field, and ![a chart](https://glimmerfen.example/chart.png) beside it.
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
# Questions whose cited passages are long (whole sections, lists, quoted agreed text), as a
# new user asks them; the last one runs under "agreed messages only".
LONG_SOURCES = [
    "What are our messages for the Plenipot?",
    "How do we push for openness at the WTDC and the Plenipot?",
    "How have we engaged with the ITU to date?",
    "What are the key issues at stake at the Plenipotentiary?",
    "What is the civil society narrative for the Plenipot?",
    "What should we say about openness of ITU documents?",
]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(starter_settings: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("browser")
    corpus, index = base / "corpus", base / "indexes"
    shutil.copytree(starter_settings.corpus, corpus)
    shutil.copytree(starter_settings.index, index)
    notes = corpus / "notes"
    notes.mkdir()
    (notes / "glimmerfen-inspection.txt").write_text(PAYLOAD_DOC, encoding="utf-8")
    (notes / "glimmerfen-inspection.txt.meta.yaml").write_text(PAYLOAD_META, encoding="utf-8")
    # An incremental update, in a process of its own as a cron job would run it. (Each
    # answering process reads its own copy of the vector store: when they shared the folder,
    # the added document was now and then missing from the page's answers.)
    done = subprocess.run([str(BRIEF_BOT), "index", "--corpus", str(corpus),
                           "--index", str(index), "--json"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "notes/glimmerfen-inspection.txt" not in {s["source"] for s in report["skipped"]}
    srv = start_server(base, corpus, index, BRIEF_BOT_STALE_BEFORE="2012-01-01")
    try:
        yield srv
    finally:
        stop_server(srv)


def open_page(browser, server: Server, width: int = 1400, height: int = 1000):
    """A new visit (its own session) at this window size; records outside requests."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.outside_requests = []  # type: ignore[attr-defined]
    page.console_messages = []  # type: ignore[attr-defined]
    page.on("request", lambda r: None if r.url.startswith(
        (server.url, "data:", "blob:")) else page.outside_requests.append(r.url))
    page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
    page.goto(server.url)
    page.wait_for_selector("#bb-question textarea")
    # The filter choices arrive with the visit; wait for them so no later update lands
    # in the middle of a test.
    page.wait_for_function("() => document.querySelector('#bb-filter-note').innerText.length")
    return page


@pytest.fixture(scope="module")
def browser_page(browser, server: Server):
    page = open_page(browser, server)
    yield page
    page.context.close()


# --- helpers -----------------------------------------------------------------------------------


def shot(page, name: str, **kwargs: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


def turns_shown(page) -> int:
    return page.evaluate("() => document.querySelectorAll('#bb-sources details.bb-turn')"
                         ".length")


def ask(page, question: str, *, key: str = "Enter") -> None:
    """Type a question, press Enter, wait until its answer and its sources are shown."""
    turn = turns_shown(page)
    page.fill("#bb-question textarea", question)
    page.locator("#bb-question textarea").press(key)
    page.wait_for_function("t => document.body.dataset.bbShown === 'turn-' + t", arg=turn)


def last_answer(page):
    return page.locator('#bb-chat [data-testid="bot"]').last


def choose_file(page, component: str, path: Path) -> None:
    """Put a file in a Gradio File component and wait until it shows as uploaded.

    Now and then (on a busy machine) the component drops the first file it is given; it is
    given again only if it shows no file at all after 30 s."""
    page.wait_for_selector(f"{component} .upload-container", state="visible")
    shown = f"() => document.querySelector('{component}').innerText.includes('{path.name}')"
    for attempt, wait_ms in enumerate((30_000, 60_000)):
        page.set_input_files(f"{component} input[type=file]", str(path))
        try:
            page.wait_for_function(shown, timeout=wait_ms)
            return
        except Exception:
            shot(page, f"browser-upload-not-shown-{attempt}")
            print("upload not shown yet; console:", page.console_messages[-10:])
    raise AssertionError(f"{path.name} never showed in {component}")


def new_conversation(page) -> None:
    page.click("#bb-new")
    page.wait_for_function("() => !document.querySelector('#bb-sources details.bb-turn') && "
                           "!document.querySelector('#bb-chat [data-testid=\"bot\"]')")


# What is on screen: boxes, and what a click at a point would hit (so covered is not "visible").
GEOMETRY = """() => {
  const box = e => { const b = e.getBoundingClientRect();
    return {left: b.left, top: b.top, right: b.right, bottom: b.bottom,
            width: b.width, height: b.height}; };
  const clip = (a, b) => ({left: Math.max(a.left, b.left), top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom)});
  const hits = (r, el) => { if (r.right - r.left < 2 || r.bottom - r.top < 2) return false;
    const x = (r.left + r.right) / 2, y = (r.top + Math.min(r.bottom, r.top + 40)) / 2 + 1;
    const at = document.elementFromPoint(x, y); return !!at && (at === el || el.contains(at)); };
  const view = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const panel = document.querySelector('#bb-sources .bb-panel');
  const title = panel.querySelector('.bb-panel-title');
  const scroller = panel.querySelector('.bb-scroll');
  const first = panel.querySelector('details[open] .bb-source');
  const answers = document.querySelectorAll('#bb-chat [data-testid="bot"]');
  const answer = answers[answers.length - 1];
  const firstSeen = first ? clip(clip(box(first), box(scroller)), view) : null;
  const answerSeen = answer ? clip(clip(box(answer), box(document.getElementById('bb-chat'))),
                                   view) : null;
  return {view, panel: box(panel), title: box(title), scroller: box(scroller),
          titleHit: hits(clip(box(title), view), title),
          first: first ? box(first) : null, firstSeen,
          firstHit: first ? hits(firstSeen, first) : false,
          firstText: first ? first.innerText.trim().length : 0,
          answerSeen, answerHit: answer ? hits(answerSeen, answer) : false};
}"""


def assert_sources_in_view(page, label: str) -> dict:
    g = page.evaluate(GEOMETRY)
    view, panel = g["view"], g["panel"]
    where = f"{label}: {json.dumps(g)}"
    assert panel["left"] >= -1 and panel["top"] >= -1, where
    assert panel["right"] <= view["right"] + 1 and panel["bottom"] <= view["bottom"] + 1, where
    assert panel["height"] > 100 and g["titleHit"], where
    first, seen = g["first"], g["firstSeen"]
    assert first is not None and g["firstText"] > 40, where
    # Its start is on screen (not scrolled away inside the panel) and a good part is visible.
    assert g["scroller"]["top"] - 1 <= first["top"] <= g["scroller"]["bottom"] - 40, where
    assert seen["bottom"] - seen["top"] >= min(first["height"], 80) - 1, where
    assert g["firstHit"], f"something covers the first passage: {where}"
    # The answer is on screen too, beside or above its sources.
    assert g["answerSeen"]["bottom"] - g["answerSeen"]["top"] >= 40 and g["answerHit"], where
    return g


def assert_passage_in_view(page, target: str, label: str) -> None:
    g = page.evaluate("""id => {
      const el = document.getElementById(id), sc = el.closest('.bb-scroll');
      const b = el.getBoundingClientRect(), s = sc.getBoundingClientRect();
      const x = (b.left + b.right) / 2, y = Math.min(b.top + 12, (b.top + b.bottom) / 2);
      const at = document.elementFromPoint(x, y);
      return {top: b.top, bottom: b.bottom, sTop: s.top, sBottom: s.bottom, h: innerHeight,
              hit: !!at && el.contains(at), active: el.classList.contains('bb-active'),
              focused: document.activeElement === el};
    }""", target)
    where = f"{label} {target}: {g}"
    assert g["active"] and g["focused"], where
    assert g["sTop"] - 1 <= g["top"] <= g["sBottom"] - 30, where  # its start, inside the panel
    assert g["top"] >= 0 and g["top"] + 30 <= g["h"], where  # and inside the window
    assert g["hit"], where


def axe_source() -> str:
    """axe.min.js of axe-core AXE_VERSION: from the cache, or fetched once from the npm
    registry with `npm pack` and checked against its published integrity."""
    cached = AXE_CACHE / "axe.min.js"
    if not cached.is_file():
        npm = shutil.which("npm")
        with tempfile.TemporaryDirectory() as tmp:
            if npm:
                out = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent",
                                      "--pack-destination", tmp], capture_output=True,
                                     text=True, timeout=300, check=True)
                tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            else:  # no npm on this machine: the same tarball, straight from the registry
                import urllib.request

                tarball = Path(tmp) / f"axe-core-{AXE_VERSION}.tgz"
                url = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
                with urllib.request.urlopen(url, timeout=300) as reply:  # noqa: S310
                    tarball.write_bytes(reply.read())
            digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            assert f"sha512-{digest}" == AXE_INTEGRITY, "axe-core tarball integrity mismatch"
            with tarfile.open(tarball) as tar:
                member = tar.extractfile("package/axe.min.js")
                assert member is not None
                AXE_CACHE.mkdir(parents=True, exist_ok=True)
                part = cached.with_suffix(".part")
                part.write_bytes(member.read())
                part.replace(cached)
    return cached.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' +
                                             (n.failureSummary || '').slice(0, 160))}));
    }""")


# --- what a person sees ------------------------------------------------------------------------


@pytest.mark.timeout(400)
@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_sources_stay_in_view(server: Server, browser, size: tuple[int, int]) -> None:
    """Issue 12: the panel wrapped into a column off to the right once its content was taller
    than 80% of the window (6 of 8 answers at 1366x768), and a clicked citation scrolled it in
    sideways with its heading gone."""
    width, height = size
    page = open_page(browser, server, width, height)
    name = f"{width}x{height}"
    try:
        for i, question in enumerate(LONG_SOURCES):
            if i == len(LONG_SOURCES) - 1:
                page.check("#bb-agreed input[type=checkbox]")
                page.wait_for_function("() => document.querySelector('#bb-filter-note')"
                                       ".innerText.includes('Filters on')")
            ask(page, question)
            assert_sources_in_view(page, f"{name} after {question!r}")
            shot(page, f"layout-{name}-q{i + 1}")
            # Each citation of this answer brings its passage into view inside the panel.
            targets = list(dict.fromkeys(
                last_answer(page).locator("a.bb-cite").evaluate_all(
                    "links => links.map(a => a.getAttribute('href').slice(1))")))
            assert targets, f"no citation links in the answer to {question!r}"
            for target in reversed(targets):
                last_answer(page).locator(f'a.bb-cite[href="#{target}"]').first.click()
                page.wait_for_function(
                    "id => document.getElementById(id).classList.contains('bb-active')",
                    arg=target)
                page.wait_for_timeout(100)
                assert_passage_in_view(page, target, f"{name} {question!r}")
        if name == "1366x768":
            # The README's picture: an answer with its passage followed.
            last_answer(page).locator("a.bb-cite").first.click()
            page.wait_for_timeout(200)
            shot(page, "chat-page")
        # The last question ran under "agreed messages only": its sources say so.
        paths = page.locator("#bb-sources details[open] code.bb-path").all_inner_texts()
        assert paths and set(paths) == {"strategy/agreed-messages.md"}
        assert page.locator("#bb-sources details[open] .bb-internal").first.is_visible()
        assert page.outside_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()


@pytest.mark.timeout(300)
def test_working_indicator_keyboard_and_accessibility(server: Server, browser) -> None:
    page = open_page(browser, server, 1366, 768)
    try:
        # While the answer is composed (held back here for 1.5 s), the question is in the chat
        # and a status says the bot is working.
        def slow(route) -> None:
            time.sleep(1.5)
            route.continue_()

        page.route("**/queue/join**", slow)
        page.locator("#bb-question textarea").focus()
        page.keyboard.type("How will we measure success?")
        page.keyboard.press("Enter")
        working = page.locator('#bb-chat [role="status"]')
        working.wait_for(state="visible", timeout=5_000)
        assert "How will we measure success?" in page.locator(
            '#bb-chat [data-testid="user"]').last.inner_text()
        assert page.locator("#bb-question textarea").input_value() == ""
        shot(page, "working")
        page.wait_for_function("() => document.body.dataset.bbShown === 'turn-0'")
        assert working.count() == 0
        page.unroute("**/queue/join**")

        # Tab from the question box's start of the page reaches the citations and the votes;
        # Enter on a citation opens its passage and moves the focus there.
        page.locator("#bb-filter-note").click()
        seen = []
        for _ in range(80):
            page.keyboard.press("Tab")
            seen.append(page.evaluate("""() => { const e = document.activeElement;
              return (e.className && e.className.baseVal === undefined ? e.className : '') +
                     '|' + (e.getAttribute('aria-label') || e.getAttribute('title') || '') + '|' +
                     (e.getAttribute('href') || ''); }"""))
            if "bb-cite" in seen[-1] and any("|Dislike|" in s or "|Like|" in s for s in seen):
                break
        cites = [s for s in seen if "bb-cite" in s]
        assert cites and any("Like" in s for s in seen), seen
        assert "source 1:" in cites[0]  # a screen reader hears which source
        target = cites[0].rsplit("|#", 1)[1]
        page.keyboard.press("Enter")
        page.wait_for_function("id => document.activeElement.id === id", arg=target)
        assert_passage_in_view(page, target, "keyboard")

        violations = axe_violations(page)
        shot(page, "axe-chat")
        page.click("button[role=tab]:has-text('Documents')")
        page.wait_for_selector("#bb-index-status code")
        page.wait_for_selector("#bb-docs table")
        violations += [{**v, "tab": "documents"} for v in axe_violations(page)]
        shot(page, "axe-documents")
        bad = [v for v in violations if v["impact"] in ("critical", "serious")]
        print("axe:", json.dumps(violations, indent=1))
        assert bad == [], json.dumps(bad, indent=1)
    finally:
        page.context.close()


# --- doing things ------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_script_payload_and_links_are_shown_as_text(server: Server, browser_page) -> None:
    # Before the upload test: a document added by one index update has been seen to drop out
    # of search after the next update (an index-stage bug, reported to the lead).
    page = browser_page
    ask(page, "What did the Glimmerfen inspection record in the comment field?")
    answer = last_answer(page)
    page.wait_for_timeout(500)  # let any injected handler fire, if one got through
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert SCRIPT in answer.inner_text() or IMG in answer.inner_text()
    panel = page.locator("#bb-sources details[open]")
    panel_text = panel.inner_text()
    assert SCRIPT in panel_text and IMG in panel_text  # title and passage, as text
    assert "https://glimmerfen.example/form" in panel_text
    assert "stale" in panel_text and "draft" in panel_text
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate(
        "[...document.scripts].filter(s => s.text.includes('__xss')).length") == 0
    # Issue 11: bare URLs and a neutralised image's target became live outside links.
    links = page.evaluate("() => [...document.querySelectorAll('#bb-chat a, #bb-sources a')]"
                          ".map(a => a.getAttribute('href'))")
    assert links and all(h.startswith("#src-") for h in links), links
    assert "glimmerfen.example" in answer.inner_text()
    # Open every cited passage too; still nothing runs.
    for link in answer.locator("a.bb-cite").all():
        link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    shot(page, "browser-payload", full_page=True)


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
    page.wait_for_function("id => document.getElementById(id).classList.contains('bb-active')",
                           arg=target[1:])
    assert_passage_in_view(page, target[1:], "wcit")
    passage = page.locator(f"#bb-sources {target}")
    text = passage.inner_text()
    assert "WCIT-12" in text and "briefings/wcit-12-itrs.md" in text and "agreed" in text
    assert passage.locator("mark").count() >= 1
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
    assert [row[:3] + row[4:] for row in rows] == [
        (-1, "Say who chaired the session.", "how was the WCIT internet resolution adopted?",
         "web")]
    assert json.loads(rows[0][3])[0] == "briefings/wcit-12-itrs.md"  # the cited documents

    # Upload a document on the Documents tab; the note follows the job to "indexed".
    page.click("button[role=tab]:has-text('Documents')")
    page.wait_for_selector("#bb-index-status code")
    first_generation = page.locator("#bb-index-status code").first.inner_text()
    assert first_generation.startswith("gen-")
    assert "notes/glimmerfen-inspection.txt" in page.locator("#bb-docs").inner_text()
    doc = server.corpus.parent / "zorblat-protocol.md"
    doc.write_text(ZORBLAT, encoding="utf-8")
    choose_file(page, "#bb-upload", doc)
    # If the file went in twice (see choose_file), the second replaces the first.
    page.check("#bb-replace input[type=checkbox]")
    page.click("#bb-upload-btn")
    page.wait_for_function("() => document.querySelector('#bb-upload-note').innerText"
                           ".includes('uploads/zorblat-protocol.md')")
    shot(page, "upload-indexing")
    # Issue 12: the note said "indexing in the background" long after the document was in.
    page.wait_for_function(
        "() => { const s = document.querySelector('#bb-upload-note').innerText;"
        " return s.includes('indexed') && !s.includes('background'); }", timeout=90_000)
    note = page.locator("#bb-upload-note").inner_text()
    assert "uploads/zorblat-protocol.md: indexed as a draft" in note, note
    status = page.locator("#bb-index-status").inner_text()
    assert first_generation not in status.split("Last update")[0]
    assert (server.corpus / "uploads" / "zorblat-protocol.md").is_file()
    assert "uploads/zorblat-protocol.md" in page.locator("#bb-docs").inner_text()
    shot(page, "upload-indexed")

    # Back in the chat, the new document answers. No filter set itself while the index was
    # polled and refreshed (the status dropdown once picked its first choice, "agreed").
    page.click("button[role=tab]:has-text('Chat')")
    for control in ("#bb-forum", "#bb-type", "#bb-status"):
        chosen = page.locator(control).inner_text().split("\n")[1:]
        assert not [c for c in chosen if c.strip()], (control, chosen)
    ask(page, "In which city and year was the Zorblat protocol agreed?")
    answer = last_answer(page)
    assert "Reykjavik" in answer.inner_text() and "[1]" in answer.inner_text()
    sources = page.locator("#bb-sources details[open]").inner_text()
    assert "uploads/zorblat-protocol.md" in sources and "draft" in sources
    shot(page, "browser-chat", full_page=True)
    assert page.outside_requests == []  # no CDN, no analytics


@pytest.mark.timeout(300)
def test_first_visit_examples_agreed_switch_and_new_conversation(server: Server,
                                                                 browser) -> None:
    page = open_page(browser, server)  # a new visit: a new session, an empty chat
    try:
        example = page.get_by_text("What are our messages for the Plenipot?")
        assert example.is_visible()
        example.click()
        page.wait_for_function("() => document.body.dataset.bbShown === 'turn-0'")
        assert "BB agreed messages" in page.locator("#bb-sources details[open]").inner_text()

        page.check("#bb-agreed input[type=checkbox]")
        page.wait_for_function("() => document.querySelector('#bb-filter-note').innerText"
                               ".includes('agreed messages only')")
        ask(page, "what should we say about openness of ITU documents?")
        paths = page.locator("#bb-sources details[open] code.bb-path").all_inner_texts()
        assert paths and set(paths) == {"strategy/agreed-messages.md"}

        # Issue 12: "New conversation" kept the filters, so the next question ran filtered.
        new_conversation(page)
        page.wait_for_function("() => !document.querySelector('#bb-agreed input').checked")
        assert "No filters" in page.locator("#bb-filter-note").inner_text()
        ask(page, "what should we say about openness of ITU documents?")
        paths = page.locator("#bb-sources details[open] code.bb-path").all_inner_texts()
        assert paths and set(paths) != {"strategy/agreed-messages.md"}
    finally:
        page.context.close()
