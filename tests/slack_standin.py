"""Stand-ins for Slack on 127.0.0.1: the Web API (HTTP, with files_upload_v2's upload URLs) and the
Socket Mode WebSocket server.

The relay's real slack_bolt / slack_sdk code talks to these; tests read what it sent.

    api = SlackStandin().start()          # api.url == "http://127.0.0.1:PORT/api/"
    ws = SocketModeStandin().start()      # api.ws_url = ws.url makes apps.connections.open
    ...                                   # hand the relay that address
    post = api.wait_for("chat.postMessage", thread_ts="123.456")[0]
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0STANDIN"
APP_ID = "A0STANDIN"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    def matches(self, **want: Any) -> bool:
        return all(self.params.get(k) == v for k, v in want.items())

    @property
    def token(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth else str(self.params.get("token", ""))


def _decode(value: Any) -> Any:
    """Form fields that hold JSON (blocks, attachments) decoded, like Slack reads them."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class SlackStandin:
    """A Slack Web API look-alike that records every call and answers like Slack."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.replies: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.failures: dict[tuple[str, str], dict[str, Any]] = {}
        self.ws_url: str | None = None
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes sent to its upload URL
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # ---- life cycle

    def start(self) -> SlackStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._handle()

            def do_POST(self) -> None:  # noqa: N802
                self._handle()

            def _handle(self) -> None:
                url = urlsplit(self.path)
                params: dict[str, Any] = dict(parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if url.path.startswith("/upload/"):  # files_upload_v2's step 2: the bytes
                    file_id = url.path.removeprefix("/upload/")
                    with standin._cond:
                        standin.uploads[file_id] = raw
                    standin.record(Call("upload", {"file_id": file_id, "size": len(raw)}, {}))
                    self._send(200, f"OK - {len(raw)}")
                    return
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update({k: _decode(v) for k, v in parse_qsl(raw.decode())})
                headers = {k.lower(): v for k, v in self.headers.items()}
                if url.path.startswith("/api/"):
                    method = url.path.removeprefix("/api/")
                elif url.path.startswith("/response/"):
                    method = "response_url"
                    params["response_id"] = url.path.removeprefix("/response/")
                else:
                    self._send(404, {"ok": False, "error": "unknown_path"})
                    return
                body = standin.answer(method, params)
                standin.record(Call(method, params, headers))
                self._send(200, body)

            def _send(self, status: int, body: dict[str, Any] | str) -> None:
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8"
                                 if not isinstance(body, str) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                         name="slack-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # ---- behaviour

    def fail_next(self, method: str, channel: str, response: dict[str, Any]) -> None:
        """The next `method` call for `channel` gets this (not ok) response."""
        with self._cond:
            self.failures[(method, channel)] = response

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any] | str:
        channel = str(params.get("channel", ""))
        with self._cond:
            failure = self.failures.pop((method, channel), None)
        if failure is not None:
            return failure
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://standin.slack.com/", "team": "Standin",
                    "user": "brief-bot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "apps.connections.open":
            if not self.ws_url:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.ws_url}
        if method == "chat.postMessage":
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID,
                                "text": params.get("text", ""), "ts": ts,
                                "thread_ts": params.get("thread_ts")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.replies":
            messages = self.replies.get((channel, str(params.get("ts", ""))), [])
            return {"ok": True, "messages": messages, "has_more": False,
                    "response_metadata": {"next_cursor": ""}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', '')}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")}
                                          for f in files if isinstance(f, dict)]}
        if method == "users.info":
            user = str(params.get("user", ""))
            info = {"id": user, "name": user.lower(), "is_restricted": False,
                    "is_ultra_restricted": False, "is_bot": False, "deleted": False}
            info.update(self.users.get(user, {}))
            return {"ok": True, "user": info}
        if method == "response_url":
            return "ok"
        return {"ok": True}

    # ---- reading what happened

    def record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def calls_to(self, method: str, **want: Any) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and c.matches(**want)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0,
                 where: Callable[[Call], bool] | None = None, **want: Any) -> list[Call]:
        """The matching calls once there are at least `count` of them (AssertionError if not)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and c.matches(**want)
                         and (where is None or where(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [(c.method, c.params.get("channel")) for c in self.calls[-10:]]
                    raise AssertionError(f"{count} x {method} {want} not seen in {timeout} s; "
                                         f"last calls: {recent}")
                self._cond.wait(min(left, 0.2))


class SocketModeStandin:
    """A Socket Mode server: says hello on connect, sends queued envelopes, records the acks."""

    def __init__(self) -> None:
        self.acks: list[tuple[float, dict[str, Any]]] = []
        self.sent: dict[str, float] = {}
        self.connections = 0
        self._outbox: queue.Queue[str] = queue.Queue()
        self._cond = threading.Condition()
        self._server: Any = None

    def start(self) -> SocketModeStandin:
        from websockets.sync.server import serve

        self._server = serve(self._session, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, name="socket-standin",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4().hex}&app_id={APP_ID}"

    def _session(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        with self._cond:
            self.connections += 1
            self._cond.notify_all()
        try:
            ws.send(json.dumps({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "standin", "build_number": 1,
                                               "approximate_connection_time": 3600},
                                "connection_info": {"app_id": APP_ID}}))
            while True:
                try:
                    while True:
                        ws.send(self._outbox.get_nowait())
                except queue.Empty:
                    pass
                try:
                    message = ws.recv(timeout=0.05)
                except TimeoutError:
                    continue
                data = json.loads(message)
                if "envelope_id" in data:
                    with self._cond:
                        self.acks.append((time.monotonic(), data))
                        self._cond.notify_all()
        except ConnectionClosed:
            return

    def wait_connected(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connections == 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the relay never connected to the Socket Mode stand-in")
                self._cond.wait(min(left, 0.2))

    def send_event(self, body: dict[str, Any], *, retry_attempt: int = 0) -> str:
        """Send an events_api envelope; returns its envelope id."""
        envelope_id = str(uuid.uuid4())
        self.sent[envelope_id] = time.monotonic()
        self._outbox.put(json.dumps({
            "envelope_id": envelope_id, "payload": body, "type": "events_api",
            "accepts_response_payload": False, "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else ""}))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> tuple[float, dict[str, Any]]:
        """(seconds from send to ack, the ack message)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for at, data in self.acks:
                    if data.get("envelope_id") == envelope_id:
                        return at - self.sent[envelope_id], data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id} in {timeout} s")
                self._cond.wait(min(left, 0.2))
