"""The slack_bolt app around a `Relay`: each event, command and click handled once, acknowledged
at once and answered after (lazy listeners), against the Web API base URL the settings name."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from ..config import SlackSettings
from .format import VOTE_DOWN, VOTE_UP, install_log_redaction
from .relay import Asker, Relay

log = logging.getLogger("brief_bot.slack")


def _retry_num(req: Any) -> str | None:
    """Slack's retry count for a redelivered event (Socket Mode sends "0" for a first try)."""
    values = req.headers.get("x-slack-retry-num") or []
    return values[0] if values and values[0] not in ("", "0") else None


def _request_key(body: Any) -> str | None:
    """What makes a request the same request again: an event's id, or the trigger id Slack
    gives every command invocation and button click."""
    if not isinstance(body, dict):
        return None
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        kind = "command" if body.get("command") else str(body.get("type") or "request")
        return f"{kind}:{body['trigger_id']}"
    return None


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Hide slack_bolt's start-up warning that SLACK_BOT_TOKEN is unused: our client holds it."""
    return "`token` will be unused" not in record.getMessage()


def build_app(settings: SlackSettings, *, bot: Asker, client: WebClient | None = None,
              http: bool = False) -> App:
    """The slack_bolt app: listeners for mentions, DMs, /brief and the vote buttons.

    Tokens come from the environment (SLACK_BOT_TOKEN; SLACK_SIGNING_SECRET with `http`). The
    Web API client talks to `settings.slack_api_url`. Constructing the app calls auth.test.
    """
    signing_secret = os.environ.get("SLACK_SIGNING_SECRET") or None
    if http and not signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is not set (needed for --http)")
    if client is None:
        token = os.environ.get("SLACK_BOT_TOKEN")
        if not token:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        client = WebClient(token=token, base_url=api_base_url(settings), timeout=15)
    install_log_redaction([client.token, signing_secret, os.environ.get("SLACK_APP_TOKEN")])
    logging.getLogger("slack_bolt.App").addFilter(_not_token_skipped)
    app = App(client=client, signing_secret=signing_secret or "", name="brief-bot",
              request_verification_enabled=http, process_before_response=False)
    relay = Relay(settings, bot)
    relay.signing_secret = signing_secret if http else None
    app._brief_relay = relay  # type: ignore[attr-defined] - for tests and run_relay

    @app.middleware
    def drop_repeats(req: Any, body: dict[str, Any], next_: Callable[[], BoltResponse]) -> Any:
        """Handle each event, command and click once: Slack redelivers an event it thinks was
        missed (also to a relay that restarted meanwhile), and a captured signed request can be
        replayed within the signature's five minutes."""
        key = _request_key(body)
        if key and not relay.seen.add(key):
            log.info("%s: repeat delivery (retry %s) dropped", key, _retry_num(req) or "-")
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        if key and _retry_num(req):
            log.info("%s: first seen as Slack retry %s", key, _retry_num(req))
        return next_()

    def ack_now(ack: Callable[..., None]) -> None:
        ack()

    app.event("app_mention")(ack=ack_now, lazy=[relay.on_event])
    app.event("message")(ack=ack_now, lazy=[relay.on_event])
    app.command("/brief")(ack=relay.ack_command, lazy=[relay.on_command])
    app.action(VOTE_UP)(ack=ack_now, lazy=[relay.on_vote])
    app.action(VOTE_DOWN)(ack=ack_now, lazy=[relay.on_vote])
    return app


def api_base_url(settings: SlackSettings) -> str:
    url = settings.slack_api_url.strip()
    return url if url.endswith("/") else url + "/"
