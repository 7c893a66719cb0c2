"""The Slack relay's network-free parts: Block Kit answers, message cleaning, guards, log redaction.

No network and no slack_bolt here, so all of it is cheap to test. Limits are Slack's: a section's
text is at most 3,000 characters, a message at most 50 blocks, a context block at most 10
elements, a button value at most 2,000 characters.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..types import Answer, Citation

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
CONTEXT_ELEMENTS = 10
BUTTON_VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000

VOTE_UP = "brief_vote_up"
VOTE_DOWN = "brief_vote_down"
ANSWER_BLOCK = "brief_answer"

DEDUPE_SECONDS = 3600.0
DEDUPE_SIZE = 10_000

APOLOGY = ("Sorry, I couldn't answer that just now. Please try again in a minute; "
           "if it keeps happening, tell the brief-bot maintainers.")
USAGE = ("Ask me a question about the briefing documents, for example "
         "`/brief how was the WCIT internet resolution adopted?`, or ask for a meeting pack: "
         "`/brief pack PP-14`")
PACK_BLOCK = "brief_pack"


def escape(text: str) -> str:
    """Slack's three control characters, as entities (document text must not become markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
_QUOTE = re.compile(r"^>[ \t]?(.*)$")
_LIST_ITEM = re.compile(r"^([ \t]*)[-*+][ \t]+(.*)$")
# Slack reads `*x*` as bold and `~x~` as struck through: a document's own asterisks and tildes
# become look-alikes that Slack leaves alone, so only the composer's bold is markup.
_LOOK_ALIKES = str.maketrans({"*": "\u2217", "~": "\u223c"})


def _inline(line: str) -> str:
    """`**bold**` as Slack's `*bold*`; every other asterisk and tilde as a look-alike."""
    parts = _BOLD.split(line)
    return "".join(f"*{part.translate(_LOOK_ALIKES)}*" if i % 2 else part.translate(_LOOK_ALIKES)
                   for i, part in enumerate(parts))


def to_mrkdwn(text: str) -> str:
    """The answer's light Markdown as Slack mrkdwn, with document text escaped.

    Only the composer's own markup survives as markup: `**bold**` and `#` headings become
    `*bold*`, list lines (`- item`) become bullets (`•`, `◦` when indented), and a line-leading
    `>` stays a quote; every other &, < and > is escaped, and other asterisks and tildes
    cannot start bold or strike-through.
    """
    out = []
    for line in text.split("\n"):
        quote = _QUOTE.match(line)
        if quote:
            line = quote.group(1)
        heading = _HEADING.match(line)
        if heading:
            line = f"**{heading.group(1)}**"
        item = _LIST_ITEM.match(line)
        if item:
            depth = len(item.group(1).expandtabs(4)) // 2
            line = "    " * depth + ("◦ " if depth else "• ") + item.group(2)
        line = _inline(escape(line))
        if quote:
            line = f"> {line}".rstrip()
        out.append(line)
    return "\n".join(out)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph, line, sentence or word ends."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut, at_line_end = limit, False
        for sep in ("\n\n", "\n", ". ", "; ", " "):
            at = window.rfind(sep)
            if at > limit // 3:
                at_line_end = sep.startswith("\n")
                cut = at + 1 if sep in (". ", "; ") else at
                break
        else:
            amp = window.rfind("&", limit - 6)  # never cut an entity such as &amp; in two
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        head, rest = rest[:cut].rstrip(), rest[cut:].strip()
        pieces.append(head)
        # A quote cut mid-line goes on as a quote in the next piece.
        if not at_line_end and head.split("\n")[-1].startswith(">") and rest:
            rest = "> " + rest
    if rest:
        pieces.append(rest)
    return pieces


def source_line(c: Citation) -> str:
    parts = [f"*[{c.n}]* {escape(c.title or c.source)}"]
    if c.section:
        parts.append(escape(c.section))
    state = ", ".join(x for x in (c.status, c.date) if x)
    if state:
        parts.append(escape(state))
    where = f"`{escape(c.source)}`" + (f" p. {c.page}" if c.page else "")
    parts.append(where)
    return " · ".join(parts)


def sources_block(citations: Sequence[Citation]) -> dict[str, Any]:
    """One context block: "Sources", then title · section · status, date · path per citation."""
    if not citations:
        lines = ["*Sources:* none cited"]
    else:
        lines = ["*Sources*"] + [source_line(c) for c in citations]
    elements: list[str] = []
    current = ""
    for line in lines:
        line = line[:SECTION_LIMIT]
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            elements.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        elements.append(current)
    if len(elements) > CONTEXT_ELEMENTS:
        elements = elements[:CONTEXT_ELEMENTS - 1] + ["… more sources not shown"]
    return {"type": "context", "block_id": "brief_sources",
            "elements": [{"type": "mrkdwn", "text": e} for e in elements]}


def vote_value(key: str, question: str, sources: Sequence[str]) -> str:
    """The button value: a short key to the remembered answer, plus enough to survive a restart
    (the question and cited paths), trimmed to Slack's 2,000 characters."""
    data: dict[str, Any] = {"k": key, "q": question, "s": list(sources)}
    value = json.dumps(data, ensure_ascii=False)
    if len(value) > BUTTON_VALUE_LIMIT:
        data["s"] = []
        room = BUTTON_VALUE_LIMIT - len(json.dumps({**data, "q": ""}, ensure_ascii=False)) - 8
        q = question
        while len(json.dumps(q, ensure_ascii=False)) > room:
            q = q[:max(0, len(q) - max(8, len(q) // 10))]
        data["q"] = q
        value = json.dumps(data, ensure_ascii=False)
    return value


def actions_block(key: str, question: str, sources: Sequence[str]) -> dict[str, Any]:
    value = vote_value(key, question, sources)
    return {"type": "actions", "block_id": "brief_feedback", "elements": [
        {"type": "button", "action_id": VOTE_UP, "value": value,
         "text": {"type": "plain_text", "text": ":+1: Helpful", "emoji": True}},
        {"type": "button", "action_id": VOTE_DOWN, "value": value,
         "text": {"type": "plain_text", "text": ":-1: Not helpful", "emoji": True}},
    ]}


def cited_sources(answer: Answer) -> list[str]:
    return list(dict.fromkeys(c.source for c in answer.citations))


def answer_messages(answer: Answer, *, key: str, question: str,
                    asked: str | None = None) -> list[dict[str, Any]]:
    """The reply as one or more messages ({"text", "blocks"}), each within Slack's limits.

    The answer goes in sections of at most 3,000 characters; the last message carries the
    sources and the vote buttons. `asked` (for /brief) shows the question above the answer.
    """
    sections = [{"type": "section", "block_id": f"{ANSWER_BLOCK}_{i}",
                 "text": {"type": "mrkdwn", "text": piece}}
                for i, piece in enumerate(split_text(to_mrkdwn(answer.text)) or ["…"])]
    head: list[dict[str, Any]] = []
    if asked:
        head = [{"type": "context", "block_id": "brief_question", "elements": [
            {"type": "mrkdwn", "text": f"*You asked:* {escape(asked)[:SECTION_LIMIT - 20]}"}]}]
    tail = [sources_block(answer.citations),
            actions_block(key, question, cited_sources(answer))]
    blocks = head + sections + tail
    batches: list[list[dict[str, Any]]] = []
    while len(blocks) > MAX_BLOCKS:
        # Never leave the sources and buttons alone without at least one answer section before.
        cut = min(MAX_BLOCKS, len(blocks) - len(tail) - 1)
        batches.append(blocks[:cut])
        blocks = blocks[cut:]
    batches.append(blocks)
    messages = []
    for batch in batches:
        text = "\n".join(b["text"]["text"] for b in batch if b["type"] == "section")
        if not text:
            text = "Sources and feedback"
        if len(text) > FALLBACK_LIMIT:
            text = text[:FALLBACK_LIMIT - 1].rstrip() + "…"
        messages.append({"text": text, "blocks": batch})
    return messages


def pack_messages(markdown: str) -> list[dict[str, Any]]:
    """A meeting pack's Markdown as messages ({"text", "blocks"}) within Slack's limits."""
    pieces = split_text(to_mrkdwn(markdown)) or ["…"]
    blocks = [{"type": "section", "block_id": f"{PACK_BLOCK}_{i}",
               "text": {"type": "mrkdwn", "text": piece}} for i, piece in enumerate(pieces)]
    messages = []
    for start in range(0, len(blocks), MAX_BLOCKS):
        batch = blocks[start:start + MAX_BLOCKS]
        text = "\n".join(b["text"]["text"] for b in batch)
        if len(text) > FALLBACK_LIMIT:
            text = text[:FALLBACK_LIMIT - 1].rstrip() + "…"
        messages.append({"text": text, "blocks": batch})
    return messages


def section_text(blocks: Sequence[Mapping[str, Any]]) -> str:
    """The answer text back out of a posted message's blocks (for a vote after a restart)."""
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks
                     if b.get("type") == "section"
                     and str(b.get("block_id", "")).startswith(ANSWER_BLOCK))


_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
# Slack's bold, italic and strike-through marks at the edges of words (not inside `a_b`).
_EMPHASIS = re.compile(r"(?<![\w*_~])[*_~]+(?=[^\s*_~])|(?<=[^\s*_~])[*_~]+(?![\w*_~])")
_QUOTE_MARK = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")


def clean_text(text: str, bot_user_id: str | None) -> str:
    """A Slack message as a plain question: mentions dropped (a user id is no word of the
    question, and an unknown word makes the bot doubt its evidence), channels as their names,
    links as their labels, bold, italic, strike-through, code and quote marks removed,
    entities decoded, whitespace collapsed."""

    def label(match: re.Match[str]) -> str:
        target, name = match.group(1), match.group(2)
        if target.startswith(("@", "!")):
            return " "
        if target.startswith("#"):
            return f" {name} " if name else " "
        return name or target

    text = unescape(_LINK.sub(label, text or ""))
    text = _QUOTE_MARK.sub("", text.replace("`", " "))
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and re.search(rf"<@{re.escape(user_id or '')}(\|[^>]*)?>",
                                       text or "") is not None


# --- logging: tokens never reach a log ------------------------------------------------------

_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
_TOKEN_FIELD = re.compile(r"""(["']token["']\s*:\s*["'])[^"']+""")
_secrets: set[str] = set()
_factory_lock = threading.Lock()
_factory_installed = False


def redact(text: str) -> str:
    text = _TOKEN.sub(lambda m: m.group(0).split("-", 1)[0] + "-***", text)
    text = _TOKEN_FIELD.sub(r"\1***", text)  # the legacy verification token in payloads
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """Masks Slack tokens (xoxb-, xoxp-, xapp-, ...) and known secrets in a record, in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is not ours to fix
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(extra_secrets: Iterable[str | None] = ()) -> None:
    """Redact every log record made in this process, whichever handler writes it.

    A filter on one logger misses its children's records, so the filter runs in the record
    factory, and also sits on the root logger's handlers.
    """
    global _factory_installed
    _secrets.update(s for s in extra_secrets if s and len(s) >= 8)
    the_filter = RedactingFilter()
    with _factory_lock:
        if not _factory_installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                the_filter.filter(record)
                return record

            logging.setLogRecordFactory(factory)
            _factory_installed = True
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(the_filter)


# --- guards ---------------------------------------------------------------------------------

class TTLSet:
    """Keys seen in the last `ttl` seconds, at most `size` of them (oldest dropped first)."""

    def __init__(self, ttl: float = DEDUPE_SECONDS, size: int = DEDUPE_SIZE) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, now: float | None = None) -> bool:
        """True if `key` is new (and remembers it); False if it was seen recently."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen and (len(self._seen) >= self.size
                                  or next(iter(self._seen.values())) < now - self.ttl):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class RateLimiter:
    """At most `per_minute` questions per user in any 60 s; the first refusal is announced."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute, self.window = per_minute, window
        self._hits: dict[str, deque[float]] = {}
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def check(self, user: str, now: float | None = None) -> str:
        """"ok" to answer, "notify" to say so once, "drop" to stay quiet."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > 10_000:
                for key in [k for k, q in self._hits.items() if not q or q[-1] < now - self.window]:
                    del self._hits[key]
            hits = self._hits.setdefault(user, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) < self.per_minute:
                hits.append(now)
                self._warned.discard(user)
                return "ok"
            if user in self._warned:
                return "drop"
            self._warned.add(user)
            return "notify"
