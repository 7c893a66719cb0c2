"""Running the Slack relay: Socket Mode, or the HTTP Events API on a small threaded server.

    SLACK_APP_TOKEN=xapp-... SLACK_BOT_TOKEN=xoxb-... brief-bot slack           # Socket Mode
    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... brief-bot slack --http    # Events API

What the relay does with a message is `slack.relay` (its slack_bolt app, `slack.app`); this
module starts, serves and stops it.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

from ..config import Settings
from .app import api_base_url, build_app
from .format import install_log_redaction, redact
from .gate import Refused, bad, check_body, check_headers, check_signature
from .relay import EVENTS_PATH

log = logging.getLogger("brief_bot.slack")

MAX_BODY_BYTES = 1 << 20


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)


def _reply(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain")])
    return [text.encode()]


def wsgi_app(app: App, path: str = EVENTS_PATH) -> Callable[..., Any]:
    """slack_bolt's WSGI adapter behind a size limit and a gate, plus GET /health.

    The gate (`slack.gate`) answers what slack_bolt would fail on or log in full: a request
    without a valid, fresh signature gets 401, a header or body that cannot be read (a
    timestamp that is not a time, a body slack_bolt cannot take apart) 400; each with one log
    line naming the sender and the reason, never the body (slack_bolt logs the whole body, up
    to 1 MB each time, and answered such requests 500). Whatever slack_bolt still fails on is
    400 too: never a 500.
    """
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier

    handler = SlackRequestHandler(app, path=path)
    secret = getattr(getattr(app, "_brief_relay", None), "signing_secret", None)
    verifier = SignatureVerifier(secret) if secret else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/health" and environ.get("REQUEST_METHOD") == "GET":
            return _reply(start_response, "200 OK", "ok")
        client = environ.get("REMOTE_ADDR", "-")
        try:
            size = _content_length(environ)
        except Refused as refused:
            log.warning("request from %s refused: %s", client, refused.reason)
            return _reply(start_response, refused.status, "bad request")
        if size > MAX_BODY_BYTES:
            return _reply(start_response, "413 Payload Too Large", "too large")
        if verifier is None or environ.get("REQUEST_METHOD") != "POST":
            return _guarded(handler, environ, start_response, client, size)
        body = environ["wsgi.input"].read(size) if size > 0 else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        try:
            check_headers(timestamp, signature)
            check_signature(verifier, body, timestamp, signature)
            check_body(body, environ.get("CONTENT_TYPE") or "")
        except Refused as refused:
            log.warning("request from %s refused: %s (%d bytes)", client, refused.reason,
                        len(body))
            return _reply(start_response, refused.status, "invalid request"
                          if refused.status.startswith("401") else "bad request")
        environ["wsgi.input"] = io.BytesIO(body)
        return _guarded(handler, environ, start_response, client, len(body))

    return application


def _content_length(environ: dict[str, Any]) -> int:
    raw = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise bad("its Content-Length is not a size")
    return int(raw)


def _guarded(handler: Callable[..., Any], environ: dict[str, Any],
             start_response: Callable[..., Any], client: str, size: int) -> Any:
    """slack_bolt's handler, whose failures are the request's: 400 and one line, never 500."""
    started: list[str] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)
        if status.startswith("500"):
            log.warning("request from %s refused: slack_bolt could not handle it (%d bytes)",
                        client, size)
            status = "400 Bad Request"
        return start_response(status, headers, exc_info)

    try:
        return handler(environ, start)
    except Exception as exc:  # noqa: BLE001 - never a 500 and a traceback for a request
        log.warning("request from %s refused: slack_bolt failed on it (%s, %d bytes)", client,
                    type(exc).__name__, size)
        if started:
            raise  # the answer has begun: the server closes the connection
        return _reply(start_response, "400 Bad Request", "bad request")


def serve_http(app: App, host: str, port: int) -> _ThreadingWSGIServer:
    """A threaded HTTP server for the app (call `serve_forever()`; `shutdown()` to stop)."""
    return make_server(host, port, wsgi_app(app), server_class=_ThreadingWSGIServer,
                       handler_class=_QuietHandler)


def _configure_logging(log_level: str) -> None:
    level = log_level.upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=getattr(logging, level, logging.INFO),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:
        root.setLevel(getattr(logging, level, logging.INFO))


def _check_tokens(*, http: bool) -> str | None:
    """The tokens the chosen mode needs, from the environment (never logged): the app-level
    token for Socket Mode, or None over HTTP. Exits with one line naming what is missing."""
    app_token = os.environ.get("SLACK_APP_TOKEN")
    install_log_redaction([os.environ.get("SLACK_BOT_TOKEN"), app_token,
                           os.environ.get("SLACK_SIGNING_SECRET")])
    missing = [name for name, needed in (("SLACK_BOT_TOKEN", True),
                                         ("SLACK_SIGNING_SECRET", http),
                                         ("SLACK_APP_TOKEN", not http))
               if needed and not os.environ.get(name)]
    if missing:
        raise SystemExit(f"error: {' and '.join(missing)} not set; see docs/slack.md")
    if not http and not (app_token or "").startswith("xapp-"):
        raise SystemExit("error: SLACK_APP_TOKEN must be an app-level token (xapp-...)")
    return app_token


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the relay finishes what it is doing and stops."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def run_relay(settings: Settings, *, http: bool, host: str = "127.0.0.1",
              port: int = 3000) -> None:
    """Run until SIGINT/SIGTERM: Socket Mode by default, the HTTP Events API with `http`."""
    _configure_logging(settings.log_level)
    app_token = _check_tokens(http=http)

    from ..bot import BriefBot, BriefBotError

    try:
        bot = BriefBot(settings)
        app = build_app(settings.slack, bot=bot, http=http)  # auth.test: a bad token fails here
    except BriefBotError as exc:
        raise SystemExit(f"error: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - e.g. auth.test refused the token
        raise SystemExit(f"error: could not start the Slack app: {redact(str(exc))}") from None
    server = None
    if http:
        try:
            server = serve_http(app, host, port)
        except OSError as exc:
            raise SystemExit(f"error: cannot listen on {host}:{port}: {exc}") from None
    started = time.perf_counter()
    bot.warm_up()
    bot.ask("What is the ITU Council?")  # first-question costs (stores, caches) paid now
    log.info("model and index warm in %.0f ms", (time.perf_counter() - started) * 1000)

    stop = _stop_on_signals()
    if server is not None:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         name="slack-http", daemon=True).start()
        log.info("Slack relay listening on http://%s:%d%s (API %s)", host,
                 server.server_address[1], EVENTS_PATH, api_base_url(settings.slack))
        stop.wait()
        server.shutdown()
        server.server_close()
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, app_token=app_token)
        try:
            handler.connect()
        except Exception as exc:  # noqa: BLE001
            raise SystemExit(f"error: Socket Mode connection failed: {redact(str(exc))}") \
                from None
        log.info("Slack relay connected in Socket Mode (API %s)", api_base_url(settings.slack))
        stop.wait()
        handler.close()
    log.info("Slack relay stopped")
