"""Shared fixtures: small corpora made on the spot, and one real-model index of the starter
corpus per test session (about 40 s on two cores), shared by the tests that need real answers."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from brief_bot.config import Settings
from brief_bot.index.embedding import HashingEmbedder
from brief_bot.offline import go_offline

# The test run is a program: its start sets the offline switches, before any test module
# imports gradio, chromadb or transformers.
go_offline()

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

TINY_DOCS = {
    "briefings/wcit.md": """---
title: WCIT-12 briefing
doc_type: briefing
forum: [WCIT-12]
status: agreed
date: 2014-06-01
audience: public
---
# WCIT-12 briefing

## Signing
At WCIT-12 in Dubai, 89 Member States signed the revised International Telecommunication
Regulations (ITRs) and 55 did not. The United States and the United Kingdom did not sign.

## The Internet resolution
The Internet resolution (Resolution 3, Plen/3) was adopted after the chair took the temperature
of the room with a show of hands. The chair said it was not a vote.
""",
    "strategy/messages.md": """---
title: Agreed messages
doc_type: messages
forum: [PP-14]
status: agreed
date: 2014-09-15
audience: internal
---
# Agreed messages

## Message 1: Open documents
**The ask:** BB asks the Plenipotentiary to open all ITU documents to the public.
""",
    "notes.txt": "Council meets every year between Plenipotentiary Conferences.\n",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "corpus", TINY_DOCS)


@pytest.fixture
def tiny_settings(tiny_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus=tiny_corpus, index=tmp_path / "indexes", grace_seconds=0,
                    feedback_db=tmp_path / "feedback.sqlite")


@pytest.fixture
def hashing() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def starter_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repo's starter corpus, indexed once with the real bundled model."""
    from brief_bot.index import update

    base = tmp_path_factory.mktemp("starter")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(corpus=corpus, index=base / "indexes",
                        feedback_db=base / "feedback.sqlite")
    report = update(settings.indexing)
    assert report.skipped == [], report.skipped
    return settings


@pytest.fixture(scope="session")
def starter_bot(starter_settings: Settings):
    from brief_bot.bot import BriefBot

    bot = BriefBot(settings=starter_settings)
    bot.warm_up()
    return bot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium under Playwright, one per test module (the page tests')."""
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
