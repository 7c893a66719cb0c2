"""The Meeting pack tab in a real browser (Debian chromium, Playwright), issue 17.

`brief-bot serve` runs on a copy of the starter index. At 1366x768 and 390x844 the test picks
a forum, builds its pack, checks with bounding boxes that the pack, its download buttons and
(after a citation is followed) its passage are on screen and not covered, downloads the DOCX
and reopens it with python-docx (headings present, every [n] listed under Sources, the same
text as `brief-bot pack --out`), and runs axe-core on the tab. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from brief_bot.config import Settings

from .test_browser import (
    CHROMIUM,
    assert_passage_in_view,
    axe_violations,
    shot,
)
from .test_web import BRIEF_BOT, Server, start_server, stop_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed at /usr/bin/chromium"),
]

SIZES = [(1366, 768), (390, 844)]
STALE_BEFORE = "2014-06-01"  # some sources are badged stale, in the page and in the file
# What is on screen: each element's box, clipped to the window, and whether a click at its
# middle would reach it (so an element under another does not count as seen).
SEEN = """ids => ids.map(sel => { const el = document.querySelector(sel);
  if (!el) return {sel, found: false};
  const b = el.getBoundingClientRect();
  const top = Math.max(b.top, 0), bottom = Math.min(b.bottom, innerHeight);
  const left = Math.max(b.left, 0), right = Math.min(b.right, innerWidth);
  const x = (left + right) / 2, y = (top + Math.min(bottom, top + 30)) / 2;
  const at = document.elementFromPoint(x, y);
  return {sel, found: true, top: b.top, bottom: b.bottom, left: b.left, right: b.right,
          shown: bottom - top, wide: right - left, hit: !!at && (at === el || el.contains(at))};
})"""


@pytest.fixture(scope="module")
def server(starter_settings: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("browser-pack")
    corpus, index = base / "corpus", base / "indexes"
    shutil.copytree(starter_settings.corpus, corpus)
    shutil.copytree(starter_settings.index, index)
    srv = start_server(base, corpus, index, BRIEF_BOT_STALE_BEFORE=STALE_BEFORE)
    try:
        yield srv
    finally:
        stop_server(srv)


def build(page, forum: str) -> None:
    """Type (or pick) a forum, press Build pack, wait until its sources are in the panel."""
    page.click("button[role=tab]:has-text('Meeting pack')")
    box = page.locator("#bb-pack-forum input")
    box.wait_for()
    box.fill(forum)
    box.press("Enter")
    page.click("#bb-pack-build")
    page.wait_for_function("f => document.querySelector('#bb-pack-note').innerText"
                           ".includes('Meeting pack: ' + f)", arg=forum, timeout=60_000)
    page.wait_for_selector("#bb-pack-sources .bb-source")


def assert_seen(page, selectors: list[str], label: str) -> None:
    for box in page.evaluate(SEEN, selectors):
        where = f"{label}: {json.dumps(box)}"
        assert box["found"] and box["shown"] >= 12 and box["wide"] >= 40, where
        assert box["left"] >= -1 and box["right"] <= page.viewport_size["width"] + 1, where
        assert box["hit"], f"covered: {where}"


def docx_paragraphs(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


@pytest.mark.timeout(400)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_meeting_pack_tab(server: Server, browser, tmp_path: Path,
                          size: tuple[int, int]) -> None:
    width, height = size
    name = f"{width}x{height}"
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(
        (server.url, "data:", "blob:")) else outside.append(r.url))
    try:
        page.goto(server.url)
        page.wait_for_selector("#bb-question textarea")
        forum = "PP-14" if width > 1000 else "Council 2015"
        build(page, forum)
        view = page.locator("#bb-pack-view")
        text = view.inner_text()
        assert f"Meeting pack: {forum}" in text and "The forum in brief" in text
        assert "Our messages for" in text and "[1]" in text and "PLACEHOLDER" not in text
        # The pack's title, its first section and both downloads are on screen, uncovered.
        page.evaluate("() => window.scrollTo(0, 0)")
        assert_seen(page, ["#bb-pack-view h1", "#bb-pack-view h2", "#bb-pack-docx",
                           "#bb-pack-md", "#bb-pack-build"], name)
        if width > 1000:  # side by side: the sources panel too
            assert_seen(page, ["#bb-pack-sources .bb-panel-title",
                               "#bb-pack-sources .bb-source"], name)
        shot(page, f"pack-{name}")
        # A citation brings its passage into view inside the panel, marked.
        cite = view.locator("a.bb-cite").first
        target = cite.get_attribute("href")[1:]
        assert target.startswith("src-pack-")
        cite.click()
        page.wait_for_function("id => document.getElementById(id).classList"
                               ".contains('bb-active')", arg=target)
        page.wait_for_timeout(150)
        assert_passage_in_view(page, target, f"pack {name}")
        assert page.locator(f"#{target} mark").count() >= 1
        shot(page, f"pack-{name}-source")

        # The DOCX the page offers: real headings, every [n] under Sources, the CLI's text.
        with page.expect_download() as info:
            page.click("#bb-pack-docx")
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert saved.suffix == ".docx"
        paragraphs = docx_paragraphs(saved.read_bytes())
        assert paragraphs[0] == f"Meeting pack: {forum}"
        assert "1. The forum in brief" in paragraphs and "Sources" in paragraphs
        start = paragraphs.index("Sources")
        cited = set(re.findall(r"\[(\d+)\]", " ".join(paragraphs[:start])))
        assert cited and cited == set(re.findall(r"\[(\d+)\]", " ".join(paragraphs[start:])))
        cli = tmp_path / "cli.docx"
        done = subprocess.run([str(BRIEF_BOT), "pack", forum, "--out", str(cli), "--corpus",
                               str(server.corpus), "--index", str(server.index)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "BRIEF_BOT_STALE_BEFORE": STALE_BEFORE})
        assert done.returncode == 0, done.stderr
        assert paragraphs == docx_paragraphs(cli.read_bytes())
        assert any("· stale" in p for p in paragraphs[start:])
        with page.expect_download() as info:
            page.click("#bb-pack-md")
        assert info.value.suggested_filename.endswith(".md")

        if width > 1000:
            bad = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
            assert bad == [], json.dumps(bad, indent=1)
            # An unknown forum: declined on the page, with the forums there are.
            build_declined(page, "WRC-15")
            shot(page, f"pack-{name}-declined")
        assert outside == []
    finally:
        context.close()


def build_declined(page, forum: str) -> None:
    box = page.locator("#bb-pack-forum input")
    box.fill(forum)
    box.press("Enter")
    page.click("#bb-pack-build")
    page.wait_for_function("() => document.querySelector('#bb-pack-note').innerText"
                           ".includes('No pack')")
    note = page.locator("#bb-pack-note").inner_text()
    assert "WRC-15" in note and "PP-14" in note and "CWG-Internet" in note
    assert not page.locator("#bb-pack-docx").is_visible()
    assert page.locator("#bb-pack-sources .bb-source").count() == 0
