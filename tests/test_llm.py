"""The optional LLM path against a stand-in OpenAI-compatible server on 127.0.0.1, including
one that misbehaves (invented citation, uncited claim, slow, HTTP 500)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from brief_bot.bot import BriefBot
from brief_bot.config import Settings
from brief_bot.index import update
from brief_bot.index.embedding import HashingEmbedder

REPLIES = {
    "good": "89 Member States signed the revised ITRs and 55 did not [1].",
    "invented": "89 Member States signed [7].",
    "uncited": "89 Member States signed [1]. The treaty was a triumph for everyone.",
    "refuses": "NOT_IN_MATERIAL",
    "list": "The signing:\n- 89 Member States signed [1]\n- 55 did not [1]",
}


class StandIn(BaseHTTPRequestHandler):
    mode = "good"
    requests: list[dict] = []

    def log_message(self, *args: object) -> None:  # keep test output clean
        return None

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.requests.append(body)
        if StandIn.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        if StandIn.mode == "slow":
            time.sleep(3)
        reply = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {
                     "role": "assistant", "content": REPLIES.get(StandIn.mode, "")}}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None  # the client hung up on the slow reply: expected here


@pytest.fixture
def llm_url() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture
def llm_bot(tiny_settings: Settings, llm_url: str) -> BriefBot:
    hashing = HashingEmbedder()
    update(tiny_settings.indexing, embedder=hashing)
    settings = tiny_settings.with_overrides(llm_base_url=llm_url, llm_timeout=1.5)
    return BriefBot(settings=settings, embedder=hashing)


def test_grounded_llm_answer_is_used(llm_bot: BriefBot) -> None:
    StandIn.mode = "good"
    answer = llm_bot.ask("how many countries signed the ITRs at WCIT-12?")
    assert answer.composer == "llm" and answer.text == REPLIES["good"]
    assert answer.citations[0].source == "briefings/wcit.md"
    assert "89 Member States signed" in answer.citations[0].quote
    prompt = StandIn.requests[-1]["messages"]
    assert "ONLY the numbered passages" in prompt[0]["content"]
    assert "[1] WCIT-12 briefing" in prompt[1]["content"]


@pytest.mark.parametrize("mode,reason", [
    ("invented", "do not exist"), ("uncited", "uncited sentence"), ("refuses", "no answer"),
    ("error", "InternalServerError|500"), ("slow", "Timeout"),
])
def test_misbehaving_llm_falls_back_to_extractive(llm_bot: BriefBot, mode: str, reason: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    StandIn.mode = mode
    with caplog.at_level(logging.WARNING, logger="brief_bot"):
        answer = llm_bot.ask("how many countries signed the ITRs at WCIT-12?")
    assert answer.composer == "extractive" and "89" in answer.text and "[1]" in answer.text
    assert any("LLM answer rejected" in r.message for r in caplog.records)
    import re

    assert re.search(reason, caplog.text)


def test_llm_gets_whole_sections_and_the_question_shape(llm_bot: BriefBot) -> None:
    StandIn.mode = "good"
    llm_bot.ask("what are our messages for the Plenipotentiary?")
    prompt = StandIn.requests[-1]["messages"][1]["content"]
    assert "It asks for a set: list every item." in prompt
    assert "**The ask:** BB asks the Plenipotentiary to open all ITU documents" in prompt
    assert "give every item the passages hold" in StandIn.requests[-1]["messages"][0]["content"]
    llm_bot.ask("what did WCIT-12 do in 2012?")
    prompt = StandIn.requests[-1]["messages"][1]["content"]
    assert "It is about 2012 only." in prompt
    # The whole section, not only the chunk search found: both paragraphs of "Signing".
    assert "89 Member States signed" in prompt and "did not sign" in prompt


def test_llm_list_answer_with_a_lead_line_is_accepted(llm_bot: BriefBot) -> None:
    StandIn.mode = "list"
    answer = llm_bot.ask("how many countries signed the ITRs at WCIT-12?")
    assert answer.composer == "llm", answer.text
    assert answer.text.startswith("The signing:") and answer.citations[0].n == 1
