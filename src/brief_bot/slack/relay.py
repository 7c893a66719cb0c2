"""The Slack door: app mentions, DMs and `/brief`, answered in threads with sources.

    SLACK_APP_TOKEN=xapp-... SLACK_BOT_TOKEN=xoxb-... brief-bot slack           # Socket Mode
    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... brief-bot slack --http    # Events API

All answering goes through `BriefBot.ask`; this module only decides whether, where and how to
reply. Every request is acknowledged at once (slack_bolt lazy listeners) and answered after,
once: event and trigger ids are remembered across restarts (`feedback.SeenStore`). Signatures
and timestamps are checked in front of slack_bolt (`slack.serve.wsgi_app`) and again by it. The
Web API base URL is `settings.slack_api_url`, so the whole relay can run against a stand-in
server.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from slack_sdk import WebClient

from ..bot import BriefBotError
from ..config import SlackSettings
from ..feedback import FeedbackStore, SeenStore
from ..pack import Pack
from ..pack.docx import pack_docx
from ..pack.markdown import render_markdown
from ..types import Answer, Filters
from .format import (
    APOLOGY,
    USAGE,
    VOTE_UP,
    RateLimiter,
    TTLSet,
    answer_messages,
    cited_sources,
    clean_text,
    escape,
    mentions,
    pack_messages,
    section_text,
)

log = logging.getLogger("brief_bot.slack")

EVENTS_PATH = "/slack/events"
GUEST_CACHE_SECONDS = 600.0
HISTORY_TURNS = 10
RATE_LIMITED = ("You're asking faster than I can answer well: the limit is {n} questions a "
                "minute. Please wait a moment and ask again.")
NOT_HERE = "I'm not enabled in this channel. Try a direct message{where}."


class Asker(Protocol):
    def ask(self, question: str, history: Any = (),
            filters: Filters | Mapping[str, Any] | None = None) -> Answer: ...

    def pack(self, forum: str, *, audience: str = "internal") -> Pack: ...


# "/brief pack PP-14": a meeting pack rather than an answer.
PACK_COMMAND = re.compile(r"^pack\b[\s:]*(?P<forum>.*)$", re.I | re.S)


# --- state ------------------------------------------------------------------------------------

class AnswerMemory:
    """Recent answers by short key, for the vote buttons (bounded; values also carry the question
    and sources, so a vote after a restart still records)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, question: str, answer: Answer) -> str:
        key = secrets.token_urlsafe(8)
        with self._lock:
            self._items[key] = {"question": question, "answer": answer.text,
                                "sources": cited_sources(answer)}
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return key

    def get(self, key: str | None) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(key or "")


# --- the relay --------------------------------------------------------------------------------

def _is_dm(channel: str, channel_type: str | None = None) -> bool:
    return channel_type == "im" or channel.startswith("D")


class Relay:
    """Policy and work behind the listeners; one per app."""

    def __init__(self, settings: SlackSettings, bot: Asker) -> None:
        self.settings = settings
        self.bot = bot
        self.allowed = set(settings.slack_allowed_channels)
        self.internal = set(settings.slack_internal_channels)
        # Event ids and /brief trigger ids already handled, across restarts.
        self.seen = SeenStore(settings.feedback_db)
        self.messages = TTLSet()
        self.votes = TTLSet()
        self.limiter = RateLimiter(settings.slack_rate_per_minute)
        self.memory = AnswerMemory()
        self.feedback = FeedbackStore(settings.feedback_db)
        self._ask_lock = threading.Lock()
        self._guests: dict[str, tuple[bool, float]] = {}
        self.signing_secret: str | None = None  # checked in front of slack_bolt (slack.serve)

    # ---- policy

    def channel_allowed(self, channel: str, is_dm: bool) -> bool:
        """DMs are always answered; channels only when listed (or when no list is set)."""
        return is_dm or not self.allowed or channel in self.allowed

    def is_guest(self, client: WebClient, user: str) -> bool:
        """Guests (and anyone users.info cannot vouch for) never see internal documents."""
        cached = self._guests.get(user)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            info = client.users_info(user=user)["user"]
            guest = bool(info.get("is_restricted") or info.get("is_ultra_restricted")
                         or info.get("is_bot") or info.get("deleted"))
        except Exception as exc:  # noqa: BLE001 - fail closed: public documents only
            log.warning("users.info for %s failed (%s); answering from public documents",
                        user, type(exc).__name__)
            return True
        self._guests[user] = (guest, time.monotonic() + GUEST_CACHE_SECONDS)
        return guest

    def filters_for(self, client: WebClient, channel: str, is_dm: bool,
                    user: str) -> Filters:
        if channel in self.internal:
            return Filters()
        if is_dm and not self.is_guest(client, user):
            return Filters()
        return Filters.parse({"audience": "public"})

    def not_here(self) -> str:
        """Where else to ask: allowed channels, never the internal ones (their ids, and that
        they exist, are not for everyone)."""
        public = sorted(self.allowed - self.internal)
        return NOT_HERE.format(where=", or ask in " + ", ".join(f"<#{c}>" for c in public)
                               if public else "")

    def ask(self, question: str, history: list[dict[str, str]],
            filters: Filters) -> Answer:
        with self._ask_lock:  # one question at a time: the model and stores are shared
            return self.bot.ask(question, history, filters)

    # ---- incoming messages

    @staticmethod
    def from_bot(message: Mapping[str, Any], bot_user_id: str | None,
                 bot_id: str | None = None) -> bool:
        return bool(message.get("bot_id") or message.get("bot_profile")
                    or message.get("subtype") == "bot_message"
                    or (bot_user_id and message.get("user") == bot_user_id)
                    or (bot_id and message.get("bot_id") == bot_id))

    def history(self, client: WebClient, channel: str, thread_ts: str, ts: str,
                is_dm: bool, bot_user_id: str | None, bot_id: str | None) -> list[dict[str, str]]:
        """Earlier turns of the thread, oldest first, as {"role", "content"} messages.

        In channels only the thread's first message and messages that mention the bot count as
        questions; in a DM every message from the person does.
        """
        try:
            reply = client.conversations_replies(channel=channel, ts=thread_ts, limit=100)
        except Exception as exc:  # noqa: BLE001 - answer without history rather than not at all
            log.warning("conversations.replies failed in %s (%s: %s); answering without history",
                        channel, type(exc).__name__, exc)
            return []
        turns: list[dict[str, str]] = []
        for message in reply.get("messages") or []:
            if _ts_value(message.get("ts")) >= _ts_value(ts):
                continue
            text = message.get("text") or ""
            if self.from_bot(message, bot_user_id, bot_id):
                own = (message.get("user") == bot_user_id
                       or (bot_id and message.get("bot_id") == bot_id))
                if own and text:
                    turns.append({"role": "assistant", "content": text})
                continue
            if message.get("subtype"):
                continue
            if is_dm or message.get("ts") == thread_ts or mentions(text, bot_user_id):
                question = clean_text(text, bot_user_id)
                if question:
                    turns.append({"role": "user", "content": question})
        return turns[-HISTORY_TURNS:]

    def on_event(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                 context: Mapping[str, Any]) -> None:
        """An app_mention, or a message in a DM: answer in its thread."""
        event_id = body.get("event_id", "-")
        bot_user_id, bot_id = context.get("bot_user_id"), context.get("bot_id")
        channel, user = event.get("channel") or "", event.get("user") or ""
        ts = event.get("ts") or ""
        is_dm = _is_dm(channel, event.get("channel_type"))
        if event.get("type") == "message" and not is_dm:
            return  # channel messages arrive as app_mention when they are for the bot
        if self.from_bot(event, bot_user_id, bot_id) or not user or not ts:
            return
        if event.get("subtype") not in (None, "thread_broadcast", "file_share"):
            return  # edits, deletions, joins ...
        if not self.channel_allowed(channel, is_dm):
            log.info("event %s: channel %s is not in slack_allowed_channels; ignored",
                     event_id, channel)
            return
        if not self.messages.add(f"{channel}:{ts}"):
            return  # the same message as app_mention and message.im: answer it once
        thread_ts = event.get("thread_ts") or ts
        verdict = self.limiter.check(user)
        if verdict != "ok":
            if verdict == "notify":
                log.info("event %s: user %s is over the rate limit", event_id, user)
                self._quietly(client.chat_postEphemeral, channel=channel, user=user,
                              thread_ts=thread_ts,
                              text=RATE_LIMITED.format(n=self.settings.slack_rate_per_minute))
            return
        question = clean_text(event.get("text") or "", bot_user_id)
        started = time.perf_counter()
        try:
            if not question:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=USAGE)
                return
            history: list[dict[str, str]] = []
            if event.get("thread_ts") and event["thread_ts"] != ts:
                history = self.history(client, channel, thread_ts, ts, is_dm, bot_user_id,
                                       bot_id)
            answer = self.ask(question, history, self.filters_for(client, channel, is_dm, user))
            key = self.memory.put(question, answer)
            for message in answer_messages(answer, key=key, question=question):
                client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                        unfurl_links=False, unfurl_media=False, **message)
            log.info("event %s: answered in %s (%d citations, %.0f ms)", event_id, channel,
                     len(answer.citations), (time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - the user gets an apology, the log the detail
            log.error("event %s: answering failed: %s: %s", event_id, type(exc).__name__,
                      _one_line(exc), exc_info=log.isEnabledFor(logging.DEBUG))
            self._quietly(client.chat_postMessage, channel=channel, thread_ts=thread_ts,
                          text=APOLOGY)

    # ---- /brief

    def ack_command(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        if (command.get("text") or "").strip():
            ack()
        else:
            ack(text=USAGE)

    def on_command(self, command: dict[str, Any], respond: Callable[..., Any],
                   client: WebClient, context: Mapping[str, Any]) -> None:
        question = clean_text(command.get("text") or "", context.get("bot_user_id"))
        if not question:
            return
        channel, user = command.get("channel_id") or "", command.get("user_id") or ""
        is_dm = _is_dm(channel) or command.get("channel_name") == "directmessage"
        try:
            if not self.channel_allowed(channel, is_dm):
                respond(response_type="ephemeral", text=self.not_here())
                return
            verdict = self.limiter.check(user)
            if verdict != "ok":
                if verdict == "notify":
                    respond(response_type="ephemeral",
                            text=RATE_LIMITED.format(n=self.settings.slack_rate_per_minute))
                return
            filters = self.filters_for(client, channel, is_dm, user)
            wanted = PACK_COMMAND.match(question)
            if wanted:
                self.send_pack(wanted.group("forum"), filters, respond, client, user)
                return
            answer = self.ask(question, [], filters)
            key = self.memory.put(question, answer)
            for message in answer_messages(answer, key=key, question=question, asked=question):
                respond(response_type="ephemeral", replace_original=False, **message)
        except Exception as exc:  # noqa: BLE001
            log.error("/brief from %s in %s failed: %s: %s", user, channel,
                      type(exc).__name__, _one_line(exc), exc_info=log.isEnabledFor(logging.DEBUG))
            self._quietly(respond, response_type="ephemeral", text=APOLOGY)

    def send_pack(self, forum: str, filters: Filters, respond: Callable[..., Any],
                  client: WebClient, user: str) -> None:
        """`/brief pack FORUM`: the pack in a direct message to the user, with its Word file
        attached; a refusal or a decline as a private reply where they asked. Public packs
        (no internal documents) wherever an answer would be public only."""
        audience = "public" if filters.audience else "internal"
        try:
            with self._ask_lock:
                pack = self.bot.pack(forum, audience=audience)
        except BriefBotError as exc:
            respond(response_type="ephemeral", text=f"No pack: {escape(str(exc))}")
            return
        if pack.declined:
            respond(response_type="ephemeral", text=escape(pack.notice))
            return
        dm = client.conversations_open(users=user)["channel"]["id"]
        for message in pack_messages(render_markdown(pack)):
            client.chat_postMessage(channel=dm, unfurl_links=False, unfurl_media=False,
                                    **message)
        slug = re.sub(r"[^a-z0-9]+", "-", pack.forum.lower()).strip("-") or "forum"
        client.files_upload_v2(channel=dm, file=pack_docx(pack), title=pack.title,
                               filename=f"meeting-pack-{slug}.docx",
                               initial_comment="The pack as a Word document.")
        respond(response_type="ephemeral", text=f"I've sent you the *{escape(pack.title)}* "
                f"({audience} documents) in a direct message, with the Word file attached.")
        log.info("/brief pack %r for %s: %d sections, %d sources, %s", pack.forum, user,
                 len(pack.sections), len(pack.sources), audience)

    # ---- votes

    def on_vote(self, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                respond: Callable[..., Any]) -> None:
        vote = 1 if action.get("action_id") == VOTE_UP else -1
        user = (body.get("user") or {}).get("id", "")
        try:
            value = json.loads(action.get("value") or "{}")
        except ValueError:
            value = {}
        key = str(value.get("k") or "")
        record = self.memory.get(key) or {
            "question": str(value.get("q") or ""),
            "answer": section_text((body.get("message") or {}).get("blocks") or []),
            "sources": [str(s) for s in value.get("s") or []]}
        if not self.votes.add(f"{user}:{key}:{vote}"):
            return  # a double click
        try:
            self.feedback.add(vote=vote, question=record["question"], answer=record["answer"],
                              sources=record["sources"], channel="slack", user=user)
        except Exception as exc:  # noqa: BLE001
            log.error("storing a Slack vote from %s failed: %s: %s", user,
                      type(exc).__name__, _one_line(exc))
            return
        log.info("vote %+d from %s stored", vote, user)
        thanks = "Thanks, your feedback is recorded" + (
            "." if vote > 0 else ": the maintainers review every thumbs down.")
        if body.get("response_url"):
            self._quietly(respond, response_type="ephemeral", replace_original=False,
                          text=thanks)
        else:
            channel = (body.get("channel") or {}).get("id")
            message = body.get("message") or {}
            if channel:
                self._quietly(client.chat_postEphemeral, channel=channel, user=user, text=thanks,
                              thread_ts=message.get("thread_ts") or message.get("ts"))

    @staticmethod
    def _quietly(call: Callable[..., Any], **kwargs: Any) -> None:
        try:
            call(**kwargs)
        except Exception as exc:  # noqa: BLE001
            log.error("posting to Slack failed: %s: %s", type(exc).__name__, _one_line(exc))


def _ts_value(ts: Any) -> float:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return float("inf")


def _one_line(exc: BaseException) -> str:
    return " | ".join(part.strip() for part in str(exc).splitlines() if part.strip())[:2000]
