"""Meeting packs (issue 17) on the starter corpus: the key file's score, every line quoted and
cited, the honest edges (unknown forums, forums after the material, public packs, hostile
names), the files (Markdown, DOCX), the CLI, and the optional LLM summary."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brief_bot.bot import BriefBotError
from brief_bot.pack import Pack
from brief_bot.pack.docx import pack_docx
from brief_bot.pack.markdown import render_markdown, section_texts
from brief_bot.pack.score import evaluate_packs, load_keys, passes
from brief_bot.search import names_in

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / "tests" / "eval" / "packs.jsonl"
BRIEF_BOT = Path(sys.executable).with_name("brief-bot")
FORUMS = ["PP-14", "Council 2015", "CWG-Internet", "WCIT-12", "WTDC-14", "WTPF-13", "WSIS+10",
          "IGF", "NETmundial", "ITU"]
_PLACE = re.compile(r"\[to fill: ([^\]]*)\]")

pytestmark = pytest.mark.slow


def flat(text: str) -> str:
    """Text as compared with its source: no Markdown emphasis or list markers, one space."""
    text = re.sub(r"(?m)^\s*(?:[-*+]|\d{1,2}[.)]|>)\s+", " ", text)
    return " ".join(text.replace("**", "").split())


@pytest.fixture(scope="module")
def packs(starter_bot: Any) -> dict[str, Pack]:
    return {forum: starter_bot.pack(forum) for forum in FORUMS}


def test_key_file_score_and_declines(starter_bot: Any) -> None:
    """CI's bar: at least 0.9 of the keyed sections hold their facts, the two forums the
    documents do not cover are declined, and no covered forum is."""
    result = evaluate_packs(starter_bot.pack, load_keys(KEYS))
    summary = result["summary"]
    print("packs.jsonl:", json.dumps(summary))
    failing = {r["id"]: {k: v for k, v in r["sections"].items() if not v["ok"]}
               for r in result["results"]}
    assert passes(summary, 0.9), json.dumps({k: v for k, v in failing.items() if v}, indent=1)
    assert summary["declines_expected"] == 2 and summary["declines_ok"] == 2


def test_every_line_is_quoted_from_the_section_it_cites(packs: dict[str, Pack]) -> None:
    for forum, pack in packs.items():
        assert not pack.declined and pack.sections, forum
        by_n = {c.n: p for c, p in zip(pack.citations, pack.passages, strict=True)}
        assert sorted(by_n) == list(range(1, len(by_n) + 1)), forum
        for section in pack.sections:
            for line in section.lines:
                source = flat(by_n[line.n].text)
                said = flat(_PLACE.sub(r"[PLACEHOLDER: \1]", line.text))
                if line.style == "head":  # a message's heading
                    assert line.text == by_n[line.n].section.split(" > ")[-1], line
                    continue
                if line.note == "to fill":  # a placeholder's own words, or the entry it leads
                    assert said in source or said in flat(by_n[line.n].section), (forum, line)
                    continue
                assert said in source, (forum, section.key, line.text[:80], by_n[line.n].source)
                if line.label:
                    assert flat(line.label) in source or line.label in by_n[line.n].section \
                        or line.label == by_n[line.n].title, (forum, line.label)
        # Every [n] the pack shows is listed under Sources, and numbered as a reader meets it.
        markdown = render_markdown(pack)
        body, _, sources = markdown.partition("## Sources")
        shown = [int(n) for n in re.findall(r"\[(\d+)\]", body)]
        assert set(shown) == set(by_n)
        assert set(int(n) for n in re.findall(r"\[(\d+)\]", sources)) == set(by_n), forum
        assert sorted(dict.fromkeys(shown)) == list(dict.fromkeys(shown)), forum


def test_messages_are_quoted_whole_with_status_and_date(packs: dict[str, Pack]) -> None:
    pack = packs["PP-14"]
    messages = pack.section("messages")
    assert messages is not None
    heads = [line for line in messages.lines if line.style == "head"]
    assert len(heads) == 9 and all(line.note == "agreed, 2014-09-15" for line in heads)
    by_n = {c.n: p for c, p in zip(pack.citations, pack.passages, strict=True)}
    for head in heads:
        quoted = " ".join(flat(_PLACE.sub(r"[PLACEHOLDER: \1]", line.text))
                          for line in messages.lines if line.n == head.n
                          and line.style == "quote")
        assert quoted == flat(by_n[head.n].text)  # the whole section, every word
    # Drafts and superseded versions appear only as such.
    marked = [line for line in messages.lines if line.style == "item"]
    assert {line.note.split(",")[0] for line in marked} == {"draft", "superseded"}
    assert all(line.note.split(",")[0] in ("draft", "superseded") for line in marked)
    for key, section in section_texts(pack).items():
        if key not in ("messages", "sources"):
            assert "messages-draft-2013" not in section and "(draft)" not in section
    # A forum the messages are only partly aimed at gets those messages, and no others.
    council = packs["Council 2015"].section("messages")
    assert council is not None
    assert [line.text for line in council.lines if line.style == "head"] == [
        "Message 1: Open all ITU documents and meetings",
        "Message 2: Open CWG-Internet to all stakeholders"]


def test_forum_names_resolve_as_answers_read_them(starter_bot: Any) -> None:
    """The pack resolves a forum through the same names answers use (`search.names_in`)."""
    with starter_bot.index.use() as snapshot:
        for asked, forum in [("PP-14", "PP-14"), ("the Plenipot", "PP-14"), ("Busan", "PP-14"),
                             ("cwg internet", "CWG-Internet"), ("WTDC 2014", "WTDC-14"),
                             ("the IGF", "IGF"), ("WCIT", "WCIT-12")]:
            assert names_in(asked, snapshot), asked
            assert starter_bot.pack(asked).forum == forum, asked
        query = starter_bot.analyse("what are our messages for the Plenipot?")
        assert query.names and starter_bot.pack(query.names[0]).forum == "PP-14"
    assert starter_bot.pack("Council 2015").forum == "Council 2015"


def test_unknown_forums_are_declined_with_the_forums_there_are(starter_bot: Any) -> None:
    for asked in ("WRC-15", "ITU Telecom World 2014", "GCCS 2015", "PP-10"):
        pack = starter_bot.pack(asked)
        assert pack.declined and not pack.sections and not pack.citations, asked
        for forum in ("PP-14", "Council", "CWG-Internet", "WCIT-12", "IGF"):
            assert forum in pack.notice, (asked, pack.notice)
        assert "no meeting pack" in render_markdown(pack).lower() or "cover" in pack.notice


def test_a_forum_after_the_material_says_the_material_stops_before_it(
        starter_bot: Any) -> None:
    for asked, forum in [("PP-18", "PP-14"), ("Council 2017", "Council 2017"),
                         ("WTDC-17", "WTDC-14")]:
        pack = starter_bot.pack(asked)
        assert not pack.declined and pack.forum == forum, asked
        assert "stops before" in pack.notice and "2016-01-15" in pack.notice, pack.notice
        assert "stops before" in render_markdown(pack)


def test_public_packs_leave_out_internal_documents(starter_bot: Any,
                                                   packs: dict[str, Pack]) -> None:
    for forum in ("PP-14", "Council 2015", "WSIS+10"):
        internal, public = packs[forum], starter_bot.pack(forum, audience="public")
        assert any(s.audience == "internal" for s in internal.sources)
        assert public.sources and all(s.audience == "public" for s in public.sources), forum
        assert "internal" not in section_texts(public)["sources"]
        assert public.section("messages") is None  # the agreed messages are internal
        assert "Our messages" in " ".join(public.empty)
    with pytest.raises(BriefBotError, match="audience"):
        starter_bot.pack("PP-14", audience="partners")


@pytest.mark.parametrize("asked", ["", "   ", "x" * 500, "<script>alert(1)</script>",
                                   "PP-14\x00", "[PP-14](http://evil.example)", "{{7*7}}",
                                   "PP-14`rm`"])
def test_hostile_forum_names_are_refused_in_one_line(starter_bot: Any, asked: str) -> None:
    with pytest.raises(BriefBotError) as err:
        starter_bot.pack(asked)
    message = str(err.value)
    assert message and "\n" not in message and len(message) < 200 and "<script" not in message


def test_empty_sections_are_named(packs: dict[str, Pack]) -> None:
    council = packs["Council 2015"]
    assert "Lines for a delegate" in council.empty
    assert council.section("lines") is None
    assert "Nothing in the documents for:** Lines for a delegate" in render_markdown(council)
    roles = council.section("roles")
    assert roles is not None and all(line.note == "to fill" for line in roles.lines)
    assert "PLACEHOLDER" not in render_markdown(council)


def test_docx_has_real_styles_and_every_citation_under_sources(packs: dict[str, Pack]) -> None:
    from docx import Document

    for forum in ("PP-14", "Council 2015", "NETmundial"):
        pack = packs[forum]
        doc = Document(io.BytesIO(pack_docx(pack)))
        styles = [p.style.name for p in doc.paragraphs]
        texts = [p.text for p in doc.paragraphs]
        assert texts[0] == pack.title and styles[0] == "Title"
        headings = [t for t, s in zip(texts, styles, strict=True) if s == "Heading 1"]
        assert headings == [f"{i}. {s.title}" for i, s in enumerate(pack.sections, 1)] + [
            "Sources"]
        assert {"List Bullet", "Source Line"} <= set(styles)
        if pack.section("messages"):
            assert "Quote" in styles
        start = texts.index("Sources")
        body = " ".join(texts[:start])
        listed = " ".join(texts[start:])
        cited = set(re.findall(r"\[(\d+)\]", body))
        assert cited and cited == set(re.findall(r"\[(\d+)\]", listed)), forum
        for source in pack.sources:
            assert source.source in listed


def test_cli_writes_the_same_pack_the_facade_builds(starter_settings: Any, starter_bot: Any,
                                                     tmp_path: Path) -> None:
    from docx import Document

    args = ["--corpus", str(starter_settings.corpus), "--index", str(starter_settings.index)]
    md, docx = tmp_path / "council.md", tmp_path / "council.docx"
    for out in (md, docx):
        done = subprocess.run([str(BRIEF_BOT), "pack", "Council 2015", "--out", str(out),
                               *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    pack = starter_bot.pack("Council 2015")
    assert md.read_text("utf-8") == render_markdown(pack)
    assert [p.text for p in Document(str(docx)).paragraphs] == [
        p.text for p in Document(io.BytesIO(pack_docx(pack))).paragraphs]
    done = subprocess.run([str(BRIEF_BOT), "pack", "WRC-15", "--json", *args],
                          capture_output=True, text=True, timeout=120)
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["declined"] and "PP-14" in data["notice"]
    done = subprocess.run([str(BRIEF_BOT), "pack", "<b>x</b>", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: no pack: a forum name is")
    done = subprocess.run([str(BRIEF_BOT), "eval-packs", str(KEYS), "--min-sections", "0.9",
                           *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("mode", ["good", "invented", "uncited", "error"])
def test_llm_summary_is_checked_or_left_out(tiny_settings: Any, mode: str) -> None:
    """With an LLM configured a pack opens with its summary when the summary's citations check
    out; otherwise (an invented [n], an uncited sentence, a server error) it is left out and
    the pack is complete without it."""
    import threading

    from brief_bot.bot import BriefBot
    from brief_bot.index import update
    from brief_bot.index.embedding import HashingEmbedder

    from .test_llm import QuietServer, StandIn

    server = QuietServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    StandIn.mode, StandIn.requests = mode, []
    try:
        hashing = HashingEmbedder()
        update(tiny_settings.indexing, embedder=hashing)
        settings = tiny_settings.with_overrides(
            llm_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", llm_timeout=5)
        pack = BriefBot(settings=settings, embedder=hashing).pack("WCIT-12")
    finally:
        server.shutdown()
    assert not pack.declined and pack.sections and StandIn.requests
    prompt = StandIn.requests[0]["messages"][-1]["content"]
    assert "89 Member States signed" in prompt  # the model reads the pack's own lines
    if mode == "good":
        assert pack.summary.endswith("[1].") and "## Summary" in render_markdown(pack)
    else:
        assert pack.summary == "" and "## Summary" not in render_markdown(pack)


def test_the_page_shows_the_pack_safely(starter_bot: Any) -> None:
    """The tab's handler: the pack's Markdown escaped with its citations linked to the pack's
    own passages ("#src-pack-N", apart from the chat's), the files offered, and a refused or
    declined forum said in a note, as text."""
    from types import SimpleNamespace

    from docx import Document

    from ui.pack import PackTab

    page = SimpleNamespace(bot=starter_bot, web=SimpleNamespace(stale_before=None),
                           facets=lambda: {"forum": ["PP-14"]})
    tab = PackTab(page=page)  # type: ignore[arg-type]
    view, sources, docx, md, note, data = tab.build("Council 2015", "public")
    assert 'href="#src-pack-1"' in view and 'id="src-pack-1"' in sources
    assert "Meeting pack: Council 2015" in note and data["audience"] == "public"
    paragraphs = [p.text for p in Document(docx["value"]).paragraphs]
    assert paragraphs == [p.text for p in Document(io.BytesIO(pack_docx(
        starter_bot.pack("Council 2015", audience="public")))).paragraphs]
    assert Path(md["value"]).read_text("utf-8") == render_markdown(
        starter_bot.pack("Council 2015", audience="public"))
    for asked in ("<img src=x onerror=alert(1)>", "WRC-15"):
        view, sources, docx, md, note, data = tab.build(asked, "internal")
        assert note.startswith("**No pack:**") and "<img" not in note
        assert docx["visible"] is False and "bb-source\"" not in sources


ZORBLAT = """---
title: "The Zorblat Summit 2015"
doc_type: briefing
forum: [Zorblat-15]
status: agreed
date: 2015-05-01
audience: public
---

# The Zorblat Summit 2015

## Overview

The Zorblat Summit (Zorblat-15) met in Reykjavik from 2 to 4 March 2015. Some 40 governments took part, and observers could attend the plenary. The Zorblat Summit adopted the Reykjavik Protocol on data flows.

## Why it matters to civil society

BB's view is that the Zorblat Summit matters to civil society because the Reykjavik Protocol could limit how people share data across borders. The protocol will be reviewed by the next Zorblat Summit in 2017.

## How civil society can take part

Civil society can join national delegations to the Zorblat Summit, and the secretariat holds an open online consultation before each summit.

## Open questions

- Will the 2017 review open the drafting group to observers?
- How will governments apply the Reykjavik Protocol?

## What BB should do

- BB should answer the Zorblat online consultation. [PLACEHOLDER: BB lead for Zorblat]
"""  # noqa: E501


def test_a_forum_nobody_keyed_gets_its_pack_from_the_structure(tmp_path: Path) -> None:
    """A new forum in a document of its own (its own headings, no glossary entry): the pack is
    built from its headings and metadata alone."""
    from brief_bot.bot import BriefBot
    from brief_bot.config import Settings
    from brief_bot.index import update
    from brief_bot.index.embedding import HashingEmbedder

    from .conftest import write_tree

    corpus = write_tree(tmp_path / "corpus", {"briefings/zorblat.md": ZORBLAT})
    settings = Settings(corpus=corpus, index=tmp_path / "indexes",
                        feedback_db=tmp_path / "feedback.sqlite")
    hashing = HashingEmbedder()
    update(settings.indexing, embedder=hashing)
    bot = BriefBot(settings=settings, embedder=hashing)
    pack = bot.pack("zorblat 15")
    texts = section_texts(pack)
    assert pack.forum == "Zorblat-15" and not pack.notice
    assert "Reykjavik from 2 to 4 March 2015" in texts["brief"]
    assert "could limit how people share data" in texts["stakes"]
    assert "join national delegations to the Zorblat Summit" in texts["routes"]
    assert "drafting group to observers?" in texts["risks"]
    assert "BB lead for Zorblat" in texts["roles"] and "to fill" in texts["roles"]
    assert set(pack.empty) == {"Our messages for Zorblat-15", "Dates and actions",
                               "Lines for a delegate"}
    later = bot.pack("Zorblat-17")
    assert later.forum == "Zorblat-15" and "stops before Zorblat-17" in later.notice
    assert bot.pack("Zorblat-13").declined
