"""What a request to the Events API endpoint must be before slack_bolt sees it.

slack_bolt answers 500, with a traceback, to a request it cannot read: a timestamp of 400 digits
(an `OverflowError` in slack_sdk's signature check), a signed body whose `event` is a string, a
JSON array nested 100,000 deep, an action id that is a list. Each of these is the sender's
fault, not the relay's: the gate reads headers and body the way slack_bolt will, with slack_bolt's
own parser and context extraction, checks the shapes its middleware and listeners take apart,
and refuses anything else with a `Refused` naming what was wrong (never quoting the body).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 fit in 10 digits until the year 2286
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """A request the gate answers itself: its HTTP status line and the reason to log."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def bad(reason: str) -> Refused:
    return Refused("400 Bad Request", reason)


def check_headers(timestamp: str, signature: str) -> None:
    """The signature headers: a time in seconds and a v0 signature, or `Refused`."""
    if not timestamp or not signature:
        raise Refused("401 Unauthorized", "not signed")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        raise bad("its timestamp is not a time")
    if not _SIGNATURE.fullmatch(signature):
        raise bad("its signature header is not a v0 signature")


def check_signature(verifier: Any, body: bytes, timestamp: str, signature: str) -> None:
    """slack_sdk's check (which raises on what it cannot read instead of saying no); a
    refusal says whether the signature was wrong or too old."""
    try:
        valid = verifier.is_valid(body, timestamp, signature)
    except (ValueError, TypeError, OverflowError, UnicodeError):
        raise bad("its signature could not be checked") from None
    if not valid:
        age = time.time() - int(timestamp)
        raise Refused("401 Unauthorized", f"{'stale' if abs(age) > 300 else 'bad'} signature, "
                                          f"sent {age:.0f} s ago")


# --- the body, as slack_bolt reads it -----------------------------------------------------------

_Id = str | None


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Named(_Shape):
    id: _Id = None


class _Event(_Shape):
    type: _Id = None
    user: str | _Named | None = None
    channel: str | _Named | None = None
    text: _Id = None
    ts: _Id = None
    thread_ts: _Id = None
    subtype: _Id = None
    bot_id: _Id = None
    channel_type: _Id = None


class _Action(_Shape):
    action_id: _Id = None
    block_id: _Id = None
    value: _Id = None
    type: _Id = None


class _Authorization(_Shape):
    enterprise_id: _Id = None
    team_id: _Id = None
    user_id: _Id = None
    is_enterprise_install: bool | None = None


class _Body(_Shape):
    """The parts of a request slack_bolt and the relay take apart, with the types Slack sends."""

    type: _Id = None
    token: _Id = None
    event_id: _Id = None
    trigger_id: _Id = None
    command: _Id = None
    text: _Id = None
    callback_id: _Id = None
    action_id: _Id = None
    response_url: _Id = None
    team_id: _Id = None
    user_id: _Id = None
    channel_id: _Id = None
    enterprise_id: _Id = None
    is_enterprise_install: bool | str | None = None
    event: _Event | None = None
    authorizations: list[_Authorization] | None = None
    actions: list[_Action] | None = None
    user: str | _Named | None = None
    channel: str | _Named | None = None
    team: str | _Named | None = None
    enterprise: str | _Named | None = None
    view: _Shape | None = None
    container: _Shape | None = None
    message: _Shape | None = None


def check_body(body: bytes, content_type: str) -> None:
    """The body as slack_bolt will parse it (its own parser), a JSON object or a form whose
    parts have the types Slack sends, and the context slack_bolt builds from it; or
    `Refused`."""
    from slack_bolt.context import BoltContext
    from slack_bolt.request.internals import build_context, parse_body

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("its body is not UTF-8") from None
    try:
        parsed = parse_body(text, content_type.split(";")[0] or None)
    except (ValueError, RecursionError, TypeError):
        raise bad("its body is not JSON or a form") from None
    if not isinstance(parsed, dict):
        raise bad("its body is not a JSON object")
    try:
        _Body.model_validate(parsed)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"])
        raise bad(f"its body has an unexpected {where!r}") from None
    except RecursionError:
        raise bad("its body is nested too deeply") from None
    try:
        build_context(BoltContext({"logger": logging.getLogger("slack_bolt.App")}), parsed)
    except Exception:  # noqa: BLE001 - whatever slack_bolt's own reading raises
        raise bad("slack_bolt cannot read its body") from None
