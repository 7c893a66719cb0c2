"""The Slack relay, end to end: `brief-bot slack` runs for real (HTTP Events API and Socket Mode)
against stand-in Slack servers on 127.0.0.1, with the real model and the starter index.

Every request is signed the way Slack signs (v0 HMAC-SHA256 of "v0:timestamp:body"); the stand-in
Web API records what the relay posts. Fast unit tests of the formatting and guards come first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from brief_bot.feedback import FeedbackStore
from brief_bot.slack.format import (
    BUTTON_VALUE_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    RateLimiter,
    RedactingFilter,
    TTLSet,
    answer_messages,
    clean_text,
    install_log_redaction,
    split_text,
    to_mrkdwn,
)
from brief_bot.types import Answer, Citation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slack_standin import (  # noqa: E402 - a helper module next to this file
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackStandin,
    SocketModeStandin,
)

BOT_TOKEN = "xoxb-test-1111-2222-fakebottoken"
APP_TOKEN = "xapp-1-A0STANDIN-3333-fakeapptoken"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
INTERNAL_PATHS = ("strategy/agreed-messages.md", "strategy/messages-draft-2013.md",
                  "strategy/engagement-roadmap.md", "strategy/timeline-2013-2015.md",
                  "strategy/measuring-success.md", "drafts/", "reports/national-delegation")
QUIET = 0.8  # how long "nothing else happens" is watched for

_ts = count(1)


# --- unit: formatting and guards (no servers) -------------------------------------------------

def _answer(text: str, n_citations: int = 2) -> Answer:
    cites = tuple(Citation(n=i, source=f"briefings/doc-{i}.md", title=f"Doc <{i}>",
                           section="Intro & aims", page=None, quote="q", score=1.0,
                           status="agreed", date="2014-06-01") for i in range(1, n_citations + 1))
    return Answer(question="q", text=text, abstained=False, citations=cites)


def test_mrkdwn_escapes_document_text_but_keeps_quotes_and_bold() -> None:
    text = "From **Agreed messages** (M1), status: agreed:\n\n> a < b & c > d\n>\n> end [1]"
    out = to_mrkdwn(text)
    assert out.startswith("From *Agreed messages*")
    assert "> a &lt; b &amp; c &gt; d" in out
    assert "<" not in out.replace("&lt;", "")


def test_long_answers_fit_slack_limits() -> None:
    long = " ".join(f"Sentence number {i} says something & more." for i in range(12000))
    messages = answer_messages(_answer(long, 12), key="k", question="why? " * 1000)
    assert len(messages) > 1
    for message in messages:
        assert len(message["blocks"]) <= MAX_BLOCKS
        assert len(message["text"]) <= 4000
        for block in message["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_LIMIT
            if block["type"] == "context":
                assert len(block["elements"]) <= 10
            if block["type"] == "actions":
                assert all(len(e["value"]) <= BUTTON_VALUE_LIMIT for e in block["elements"])
    last = messages[-1]["blocks"]
    assert [b["type"] for b in last[-2:]] == ["context", "actions"]
    assert "Sources" in last[-2]["elements"][0]["text"]
    pieces = split_text("> " + "quoted words here. " * 400)
    assert all(p.startswith(">") for p in pieces) and all(len(p) <= SECTION_LIMIT for p in pieces)


def test_clean_text_strips_the_bot_mention_and_decodes() -> None:
    assert clean_text("<@UBOT> what about <#C1|general> &amp; <https://x.org|this>?", "UBOT") \
        == "what about general & this?"
    assert clean_text("<@UBOT|brief-bot>", "UBOT") == ""


def test_clean_text_strips_slack_markup_but_not_words() -> None:
    assert clean_text("<@UBOT> *what* are `our` _msgs_ for ~the~ <@U123> ```plenipot```?",
                      "UBOT") == "what are our msgs for the plenipot ?"
    assert clean_text("&gt; *quoted* question about <!here> snake_case and 5 * 3", None) \
        == "quoted question about snake_case and 5 * 3"


def test_answers_with_slack_markup_match_the_plain_question(starter_bot: Any) -> None:
    """Markup around a question (bold, code, a colleague's mention) made the bot abstain."""
    plain = starter_bot.ask("how was the WCIT internet resolution adopted?")
    marked = starter_bot.ask(clean_text(
        "<@UBOT> *how* was the `WCIT` _internet resolution_ adopted? <@U0COLLEAGUE> <@U0OTHER>",
        "UBOT"))
    assert not plain.abstained and not marked.abstained
    assert marked.text == plain.text


def test_mrkdwn_renders_the_answer_format() -> None:
    text = ("BB's agreed messages for PP-14:\n\n"
            "- **Open documents**: BB asks the ITU to open *all* documents [1]\n"
            "  - including 5*3 drafts, ~50 of them [2]\n"
            "- **Open meetings**: webcast every session [1]\n\n"
            "> The **agreed** text <as written> & kept [3]\n>\n> Second paragraph [3]")
    lines = to_mrkdwn(text).split("\n")
    assert lines[0] == "BB's agreed messages for PP-14:" and lines[1] == ""
    assert lines[2] == "• *Open documents*: BB asks the ITU to open \u2217all\u2217 documents [1]"
    assert lines[3] == "    ◦ including 5\u22173 drafts, \u223c50 of them [2]"
    assert lines[4].startswith("• *Open meetings*:")
    assert lines[6] == "> The *agreed* text &lt;as written&gt; &amp; kept [3]"
    assert lines[7:] == [">", "> Second paragraph [3]"]
    # Only the composer's bold is markup: no other asterisk or tilde is left to pair up.
    body = "\n".join(lines).replace("*Open documents*", "").replace("*Open meetings*", "")
    assert "~" not in body and body.replace("*agreed*", "").count("*") == 0


def test_guards() -> None:
    seen = TTLSet(ttl=10, size=3)
    assert seen.add("a", 0) and not seen.add("a", 5) and seen.add("a", 11)
    for key in "bcd":
        seen.add(key, 12)
    assert seen.add("a", 12)  # bounded: the oldest key was dropped
    limiter = RateLimiter(2)
    assert [limiter.check("u", t) for t in (0, 1, 2, 3)] == ["ok", "ok", "notify", "drop"]
    assert limiter.check("u", 61) == "ok" and limiter.check("v", 3) == "ok"


def test_redacting_filter_masks_tokens_and_secrets() -> None:
    install_log_redaction([SECRET])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s and %s in %s",
                               (BOT_TOKEN, APP_TOKEN, f"secret={SECRET}"), None)
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert BOT_TOKEN not in message and APP_TOKEN not in message and SECRET not in message
    assert "xoxb-***" in message and "xapp-***" in message


# --- the relay as a process -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(settings: Any, api: SlackStandin, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BRIEF_BOT_", "SLACK_"))}
    env.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "BRIEF_BOT_SLACK_API_URL": api.url,
        "BRIEF_BOT_CORPUS": str(settings.corpus),
        "BRIEF_BOT_INDEX": str(settings.index),
        "BRIEF_BOT_FEEDBACK_DB": str(tmp / "feedback.sqlite"),
        "BRIEF_BOT_CONFIG": str(tmp / "none.toml"),
        "BRIEF_BOT_SLACK_RATE_PER_MINUTE": "3",
        "BRIEF_BOT_SLACK_ALLOWED_CHANNELS": "C_PUBLIC,C_FAIL,G_INTERNAL,C_SOCKET",
        "BRIEF_BOT_SLACK_INTERNAL_CHANNELS": "G_INTERNAL",
        "BRIEF_BOT_LOG_LEVEL": "DEBUG",
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Relay:
    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "brief_bot.cli", "slack", *args],
                                     env=env, cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"relay exited {self.proc.returncode}:\n{self.log()[-3000:]}")

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@pytest.fixture(scope="module")
def slack(starter_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Both relays (HTTP and Socket Mode) started at once against one stand-in Web API."""
    tmp = tmp_path_factory.mktemp("slack")
    api = SlackStandin().start()
    ws = SocketModeStandin().start()
    api.ws_url = ws.url
    api.users["U_GUEST"] = {"is_restricted": True}
    port = free_port()
    http = Relay(["--http", "--port", str(port)],
                 _env(starter_settings, api, tmp, SLACK_SIGNING_SECRET=SECRET),
                 tmp / "http.log", tmp)
    sock = Relay([], _env(starter_settings, api, tmp, SLACK_APP_TOKEN=APP_TOKEN,
                          BRIEF_BOT_FEEDBACK_DB=str(tmp / "socket-feedback.sqlite")),
                 tmp / "socket.log", tmp)
    try:
        deadline = time.monotonic() + 150
        while True:
            http.check_alive()
            sock.check_alive()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("HTTP relay not up:\n" + http.log()[-3000:]) from None
                time.sleep(0.25)
        ws.wait_connected(timeout=max(1.0, deadline - time.monotonic()))

        class Ctx:
            pass

        ctx = Ctx()
        ctx.api, ctx.ws, ctx.port, ctx.http, ctx.sock, ctx.tmp = api, ws, port, http, sock, tmp
        ctx.timings = {}
        yield ctx
    finally:
        http.terminate()
        sock.terminate()
        http.stop()
        sock.stop()
        ws.stop()
        api.stop()
        if "ctx" in locals() and ctx.timings:
            print("\nslack relay timings (ms):", json.dumps(ctx.timings), file=sys.stderr)


def _new_ts() -> str:
    return f"{int(time.time())}.{next(_ts):06d}"


def _event(text: str, *, channel: str = "C_PUBLIC", user: str = "U_ALICE",
           kind: str = "app_mention", thread_ts: str | None = None, mention: bool = True,
           **extra: Any) -> dict[str, Any]:
    ts = _new_ts()
    event: dict[str, Any] = {"type": kind, "user": user, "ts": ts, "event_ts": ts,
                             "channel": channel,
                             "text": f"<@{BOT_USER_ID}> {text}" if mention else text}
    if kind == "message":
        event["channel_type"] = "im"
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return {"token": "legacy-unused", "team_id": TEAM_ID, "api_app_id": "A0STANDIN",
            "type": "event_callback", "event_id": f"Ev{ts.replace('.', '')}",
            "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}


def _sign(raw: str, timestamp: str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{raw}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _post(port: int, raw: str, *, content_type: str = "application/json",
          secret: str = SECRET, age: float = 0, headers: dict[str, str] | None = None
          ) -> tuple[int, str, float]:
    """Signed POST to /slack/events: (status, body, seconds to the response)."""
    timestamp = str(int(time.time() - age))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=raw.encode(), method="POST",
        headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                 "X-Slack-Signature": _sign(raw, timestamp, secret), **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), time.monotonic() - started


def _send(slack: Any, body: dict[str, Any], **kwargs: Any) -> tuple[int, float]:
    status, _, took = _post(slack.port, json.dumps(body), **kwargs)
    return status, took


def _answers(api: SlackStandin, channel: str, thread_ts: str) -> list[Any]:
    return api.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts)


def _sources(call: Any) -> str:
    return "\n".join(e["text"] for b in call.params.get("blocks", []) if b["type"] == "context"
                     for e in b["elements"])


def _answer_text(call: Any) -> str:
    return "\n".join(b["text"]["text"] for b in call.params.get("blocks", [])
                     if b["type"] == "section")


@pytest.mark.timeout(200)
def test_mention_answered_once_in_thread_with_sources(slack: Any) -> None:
    body = _event("how was the WCIT internet resolution adopted?", user="U_ALICE")
    ts = body["event"]["ts"]
    status, ack = _send(slack, body)
    assert status == 200
    assert ack < 3.0
    sent_at = time.monotonic() - ack
    post = slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=ts)[0]
    slack.timings["http_ack"] = round(ack * 1000, 1)
    slack.timings["http_answer"] = round((post.at - sent_at) * 1000, 1)
    assert post.token == BOT_TOKEN
    text = _answer_text(post)
    assert "show of hands" in text.lower() or "[1]" in text
    sources = _sources(post)
    assert sources.startswith("*Sources*") and "wcit" in sources.lower()
    assert [b["type"] for b in post.params["blocks"]][-1] == "actions"
    time.sleep(QUIET)
    assert len(_answers(slack.api, "C_PUBLIC", ts)) == 1


@pytest.mark.timeout(30)
def test_url_verification_challenge(slack: Any) -> None:
    status, body, _ = _post(slack.port, json.dumps({"type": "url_verification",
                                                    "token": "x", "challenge": "chal-123"}))
    assert status == 200 and "chal-123" in body


@pytest.mark.timeout(30)
def test_forged_and_stale_requests_are_rejected(slack: Any) -> None:
    forged = _event("who signed the ITRs?", user="U_FORGER")
    status, _ = _send(slack, forged, secret="not-the-signing-secret")
    assert status == 401
    stale = _event("who signed the ITRs?", user="U_FORGER")
    status, _ = _send(slack, stale, age=6 * 60)
    assert status == 401
    unsigned = urllib.request.Request(f"http://127.0.0.1:{slack.port}/slack/events",
                                      data=json.dumps(forged).encode(), method="POST",
                                      headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(unsigned, timeout=10)
    assert err.value.code == 401
    time.sleep(QUIET)
    for body in (forged, stale):
        assert _answers(slack.api, "C_PUBLIC", body["event"]["ts"]) == []
    # A forged copy must not poison the retry cache: the genuine event still gets its answer.
    status, _ = _send(slack, forged)
    assert status == 200
    slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=forged["event"]["ts"])


@pytest.mark.timeout(30)
def test_retries_of_a_handled_event_are_dropped(slack: Any) -> None:
    body = _event("how many Member States signed the ITRs at WCIT-12?", user="U_RETRY")
    ts = body["event"]["ts"]
    assert _send(slack, body)[0] == 200
    slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=ts)
    for attempt in ("1", "2"):
        status, _ = _send(slack, body, headers={"X-Slack-Retry-Num": attempt,
                                                "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    time.sleep(QUIET)
    assert len(_answers(slack.api, "C_PUBLIC", ts)) == 1
    # A retry of an event this relay never saw (say it was down) is answered, once.
    missed = _event("when is PP-14?", user="U_RETRY")
    assert _send(slack, missed, headers={"X-Slack-Retry-Num": "1"})[0] == 200
    slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=missed["event"]["ts"])


@pytest.mark.timeout(40)
def test_burst_from_one_user_is_limited_politely_once(slack: Any) -> None:
    bodies = [_event(f"what happened at WCIT-12? ({i})", user="U_BURST") for i in range(7)]
    for body in bodies:
        assert _send(slack, body)[0] == 200
    threads = {b["event"]["ts"] for b in bodies}
    in_burst = lambda c: c.params.get("thread_ts") in threads  # noqa: E731
    slack.api.wait_for("chat.postMessage", count=3, where=in_burst)
    notes = slack.api.wait_for("chat.postEphemeral", user="U_BURST")
    time.sleep(QUIET + 0.5)
    assert len([c for c in slack.api.calls_to("chat.postMessage") if in_burst(c)]) == 3
    notes = slack.api.calls_to("chat.postEphemeral", user="U_BURST")
    assert len(notes) == 1
    assert "limit is 3 questions a minute" in notes[0].params["text"]
    assert notes[0].params.get("thread_ts") in threads


@pytest.mark.timeout(30)
def test_bots_own_messages_and_other_channels_are_ignored(slack: Any) -> None:
    ignored = [
        _event("what is the ITU?", user="U_OTHERBOT", bot_id="B_OTHER"),
        _event("what is the ITU?", kind="message", channel="D_BOTS", user="U_X",
               subtype="bot_message", bot_id="B_OTHER"),
        _event("what is the ITU?", kind="message", channel="D_SELF", user=BOT_USER_ID,
               bot_id=BOT_ID),
        _event("what is the ITU?", channel="C_ELSEWHERE", user="U_ELSEWHERE"),
        _event("what is the ITU?", kind="message", channel="D_EDIT", user="U_EDIT",
               subtype="message_changed"),
    ]
    for body in ignored:
        assert _send(slack, body)[0] == 200
    control = _event("what is the ITU?", user="U_CONTROL")
    assert _send(slack, control)[0] == 200
    slack.api.wait_for("chat.postMessage", thread_ts=control["event"]["ts"])
    time.sleep(QUIET)
    for body in ignored:
        event = body["event"]
        assert _answers(slack.api, event["channel"], event["ts"]) == []
        assert slack.api.calls_to("chat.postEphemeral", user=event["user"]) == []


@pytest.mark.timeout(40)
def test_internal_documents_only_in_dms_and_internal_channels(slack: Any) -> None:
    question = "What are BB's agreed messages for PP-14?"
    asks = {
        "public": _event(question, channel="C_PUBLIC", user="U_PUBLIC"),
        "dm": _event(question, kind="message", channel="D_STAFF", user="U_STAFF",
                     mention=False),
        "internal": _event(question, channel="G_INTERNAL", user="U_INTERNAL"),
        "guest_dm": _event(question, kind="message", channel="D_GUEST", user="U_GUEST",
                           mention=False),
    }
    for body in asks.values():
        assert _send(slack, body)[0] == 200
    sources = {}
    for name, body in asks.items():
        event = body["event"]
        post = slack.api.wait_for("chat.postMessage", channel=event["channel"],
                                  thread_ts=event["ts"])[0]
        sources[name] = _sources(post) + _answer_text(post)
    for name in ("public", "guest_dm"):
        assert not any(p in sources[name] for p in INTERNAL_PATHS), sources[name]
    for name in ("dm", "internal"):
        assert "strategy/agreed-messages.md" in sources[name], sources[name]


@pytest.mark.timeout(40)
def test_thumbs_down_is_stored_in_feedback(slack: Any) -> None:
    body = _event("how was the WCIT internet resolution adopted?", user="U_VOTER")
    ts = body["event"]["ts"]
    assert _send(slack, body)[0] == 200
    post = slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=ts)[0]
    buttons = [b for b in post.params["blocks"] if b["type"] == "actions"][0]["elements"]
    down = [e for e in buttons if e["action_id"] == "brief_vote_down"][0]
    payload = {
        "type": "block_actions", "team": {"id": TEAM_ID}, "api_app_id": "A0STANDIN",
        "user": {"id": "U_VOTER", "team_id": TEAM_ID}, "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "9.9", "channel_id": "C_PUBLIC"},
        "channel": {"id": "C_PUBLIC"},
        "message": {"type": "message", "ts": "9.9", "thread_ts": ts, "bot_id": BOT_ID,
                    "blocks": post.params["blocks"]},
        "response_url": slack.api.response_url("vote-1"),
        "actions": [{"type": "button", "action_id": down["action_id"],
                     "block_id": "brief_feedback", "value": down["value"],
                     "action_ts": str(time.time())}],
    }
    raw = urllib.parse.urlencode({"payload": json.dumps(payload)})
    status, _, took = _post(slack.port, raw, content_type="application/x-www-form-urlencoded")
    assert status == 200 and took < 3.0
    store = FeedbackStore(slack.tmp / "feedback.sqlite")
    deadline = time.monotonic() + 10
    while not (rows := [r for r in store.rows() if r["user"] == "U_VOTER"]):
        assert time.monotonic() < deadline, "no feedback row"
        time.sleep(0.1)
    row = rows[0]
    assert row["vote"] == -1 and row["channel"] == "slack"
    assert row["question"] == "how was the WCIT internet resolution adopted?"
    assert "wcit" in row["sources"].lower() and row["answer"]
    thanks = slack.api.wait_for("response_url", response_id="vote-1")[0]
    assert thanks.params["response_type"] == "ephemeral"
    # A double click is one vote.
    _post(slack.port, raw, content_type="application/x-www-form-urlencoded")
    time.sleep(QUIET)
    assert len([r for r in store.rows() if r["user"] == "U_VOTER"]) == 1


@pytest.mark.timeout(40)
def test_thread_follow_up_uses_replies_as_history(slack: Any) -> None:
    root = _event("how many Member States signed the revised ITRs at WCIT-12?", user="U_HIST")
    root_ts = root["event"]["ts"]
    slack.api.replies[("C_PUBLIC", root_ts)] = [
        {"type": "message", "user": "U_HIST", "ts": root_ts, "text": root["event"]["text"]},
        {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": root_ts + "1",
         "thread_ts": root_ts, "text": "89 Member States signed [1]"},
        {"type": "message", "user": "U_CHATTER", "ts": root_ts + "2", "thread_ts": root_ts,
         "text": "lunch anyone?"},
    ]
    follow = _event("and which ones did not?", user="U_HIST", thread_ts=root_ts)
    assert _send(slack, follow)[0] == 200
    replies = slack.api.wait_for("conversations.replies", channel="C_PUBLIC", ts=root_ts)
    assert replies[0].token == BOT_TOKEN
    post = slack.api.wait_for("chat.postMessage", channel="C_PUBLIC", thread_ts=root_ts)[0]
    assert "wcit" in _sources(post).lower() and "*[1]*" in _sources(post)
    assert "not sign" in _answer_text(post) or "did not" in _answer_text(post)
    # The same words outside a thread have nothing to lean on.
    alone = _event("and which ones did not?", user="U_HIST2")
    assert _send(slack, alone)[0] == 200
    post = slack.api.wait_for("chat.postMessage", channel="C_PUBLIC",
                              thread_ts=alone["event"]["ts"])[0]
    assert "does not cover" in _answer_text(post) and "none cited" in _sources(post)


@pytest.mark.timeout(30)
def test_slash_command_answers_privately(slack: Any) -> None:
    form = {"token": "x", "team_id": TEAM_ID, "channel_id": "C_PUBLIC", "channel_name": "general",
            "user_id": "U_CMD", "command": "/brief", "text": "what is the ITU Council?",
            "response_url": slack.api.response_url("cmd-1"), "trigger_id": "1.2.3",
            "api_app_id": "A0STANDIN"}
    status, _, took = _post(slack.port, urllib.parse.urlencode(form),
                            content_type="application/x-www-form-urlencoded")
    assert status == 200 and took < 3.0
    reply = slack.api.wait_for("response_url", response_id="cmd-1")[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "Sources" in json.dumps(reply.params["blocks"])
    assert slack.api.calls_to("chat.postMessage", channel="C_PUBLIC", user="U_CMD") == []


@pytest.mark.timeout(30)
def test_failure_apologises_in_thread_and_logs_without_tokens(slack: Any) -> None:
    slack.api.fail_next("chat.postMessage", "C_FAIL", {
        "ok": False, "error": "invalid_auth",
        "detail": f"token {BOT_TOKEN} was revoked (secret {SECRET})"})
    body = _event("what is WTDC-14?", channel="C_FAIL", user="U_FAIL")
    ts = body["event"]["ts"]
    assert _send(slack, body)[0] == 200
    apology = slack.api.wait_for("chat.postMessage", count=2, channel="C_FAIL",
                                 thread_ts=ts)[-1]
    assert apology.params["text"].startswith("Sorry")
    deadline = time.monotonic() + 5
    while body["event_id"] not in slack.http.log():
        assert time.monotonic() < deadline, "no log line with the event id"
        time.sleep(0.1)
    line = [x for x in slack.http.log().splitlines() if body["event_id"] in x
            and "failed" in x][0]
    assert "SlackApiError" in line and "invalid_auth" in line and "xoxb-***" in line


@pytest.mark.timeout(60)
def test_socket_mode_end_to_end(slack: Any) -> None:
    opened = slack.api.calls_to("apps.connections.open")
    assert opened and opened[0].token == APP_TOKEN
    body = _event("how was the WCIT internet resolution adopted?", channel="C_SOCKET",
                  user="U_SOCKET")
    ts = body["event"]["ts"]
    envelope = slack.ws.send_event(body)
    ack_s, ack = slack.ws.wait_ack(envelope)
    assert ack == {"envelope_id": envelope}
    assert ack_s < 3.0
    post = slack.api.wait_for("chat.postMessage", channel="C_SOCKET", thread_ts=ts)[0]
    slack.timings["socket_ack"] = round(ack_s * 1000, 1)
    slack.timings["socket_answer"] = round((post.at - slack.ws.sent[envelope]) * 1000, 1)
    assert post.token == BOT_TOKEN
    assert "Sources" in _sources(post)
    # Slack redelivers it: acknowledged, not answered again.
    again = slack.ws.send_event(body, retry_attempt=1)
    slack.ws.wait_ack(again)
    time.sleep(QUIET)
    assert len(_answers(slack.api, "C_SOCKET", ts)) == 1


@pytest.mark.timeout(30)
def test_logs_never_contain_tokens(slack: Any) -> None:
    for relay in (slack.http, slack.sock):
        text = relay.log()
        assert text, "the relay logged nothing"
        for secret in (BOT_TOKEN, APP_TOKEN, SECRET):
            assert secret not in text


@pytest.mark.timeout(120)
def test_slash_pack_is_sent_privately_with_its_word_file(slack: Any, starter_settings: Any,
                                                         tmp_path: Path) -> None:
    """`/brief pack Council 2015` in a public channel: a public pack (no internal document), in
    a direct message to the person who asked, with the DOCX attached; the same pack as
    `brief-bot pack "Council 2015" --audience public`. An unknown forum is declined privately."""
    import io

    from docx import Document

    def command(text: str, response: str, user: str) -> None:
        form = {"token": "x", "team_id": TEAM_ID, "channel_id": "C_PUBLIC",
                "channel_name": "general", "user_id": user, "command": "/brief", "text": text,
                "response_url": slack.api.response_url(response),
                "trigger_id": f"7.{next(_ts)}", "api_app_id": "A0STANDIN"}
        status, _, took = _post(slack.port, urllib.parse.urlencode(form),
                                content_type="application/x-www-form-urlencoded")
        assert status == 200 and took < 3.0

    command("pack Council 2015", "pack-1", "U_PACKER")
    reply = slack.api.wait_for("response_url", response_id="pack-1", timeout=60)[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "Meeting pack: Council 2015" in reply.params["text"]
    assert "direct message" in reply.params["text"]
    done = slack.api.wait_for("files.completeUploadExternal", channel_id="DU_PACKER")[0]
    posts = slack.api.calls_to("chat.postMessage", channel="DU_PACKER")
    text = "\n".join(_answer_text(p) for p in posts)
    assert "*Meeting pack: Council 2015*" in text and "*1. The forum in brief*" in text
    assert "Message 1: Open all ITU documents" not in text  # internal: not in a public pack
    assert not any(p in text for p in INTERNAL_PATHS)
    assert done.params["files"][0]["title"] == "Meeting pack: Council 2015"
    file_id = done.params["files"][0]["id"]
    sent = [p.text for p in Document(io.BytesIO(slack.api.uploads[file_id])).paragraphs]
    cli = tmp_path / "council.docx"
    run = subprocess.run([str(Path(sys.executable).with_name("brief-bot")), "pack",
                          "Council 2015", "--audience", "public", "--out", str(cli),
                          "--corpus", str(starter_settings.corpus), "--index",
                          str(starter_settings.index)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert sent == [p.text for p in Document(str(cli)).paragraphs]
    assert slack.api.calls_to("chat.postMessage", channel="C_PUBLIC", user="U_PACKER") == []

    command("pack WRC-15", "pack-2", "U_PACKER2")
    reply = slack.api.wait_for("response_url", response_id="pack-2", timeout=60)[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "WRC-15" in reply.params["text"] and "PP-14" in reply.params["text"]
    command("pack", "pack-3", "U_PACKER3")
    reply = slack.api.wait_for("response_url", response_id="pack-3", timeout=60)[0]
    assert reply.params["text"].startswith("No pack: name a forum")
    time.sleep(QUIET)
    assert slack.api.calls_to("conversations.open", users="U_PACKER2") == []
