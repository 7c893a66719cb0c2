"""The page's login: accounts and roles from `BRIEF_BOT_AUTH`, throttling of failed sign-ins,
and nothing but the login form for a visitor who has not signed in.

Gradio checks the passwords; `LoginGuard`, an ASGI middleware in front of it, counts each
`/login` attempt per account and per address before Gradio checks it, takes it back when Gradio
signs the user in (200), slows down failures and locks out past the limits, and strips the API
description Gradio embeds in the unauthenticated `/`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, NamedTuple

log = logging.getLogger("brief_bot.web")

ROLES = ("editor",)
# Failures are forgotten after this long without another; the lockout lasts `lockout_seconds`.
FAILURE_WINDOW_SECONDS = 3600.0
# Each failure answers a little later (doubling from this, up to the cap): a script guessing
# one password after another gets a few a second at most, a person's typo costs nothing felt.
FIRST_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Account(NamedTuple):
    user: str
    password: str
    role: str = ""


def parse_auth(spec: str | None) -> list[Account] | None:
    """`"alice:pw:editor,bob:pw2"` -> accounts; None when unset.

    A last `:part` that names a role (`editor`) is the role; otherwise it belongs to the
    password, so `alice:pw:1` is the password `pw:1`.
    """
    if not spec or not spec.strip():
        return None
    accounts = []
    for item in spec.split(","):
        if not item.strip():
            continue
        user, sep, rest = item.strip().partition(":")
        password, role = rest, ""
        head, colon, tail = rest.rpartition(":")
        if colon and tail.strip().lower() in ROLES:
            password, role = head, tail.strip().lower()
        if not sep or not user or not password:
            raise ValueError("BRIEF_BOT_AUTH takes user:password or user:password:editor, "
                             "separated by commas")
        accounts.append(Account(user, password, role))
    return accounts or None


def editors(accounts: list[Account] | None) -> frozenset[str]:
    return frozenset(a.user for a in accounts or [] if a.role == "editor")


@dataclass
class _Record:
    failures: int = 0  # attempts not known to have succeeded, those still being checked included
    last: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts sign-in attempts per account and per client address, before their password is
    checked: 50 guesses sent at once were all checked when failures were counted after.

    An attempt is counted when it arrives and taken back only when it succeeds. Once an
    account has `max_failures` counted (from any address), or an address `max_per_address`
    (for any user name), further attempts are refused without checking the password until
    `lockout_seconds` have passed, the right password included. User names that are not
    accounts are counted by their address only: there is nothing to guess for them, and a
    record each would let a flood of made-up names fill memory.
    """

    def __init__(self, *, max_failures: int = 5, max_per_address: int = 20,
                 lockout_seconds: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_failures < 1 or max_per_address < 1:
            raise ValueError("max_failures and max_per_address must be at least 1")
        if lockout_seconds < 0:
            raise ValueError("lockout_seconds must not be negative")
        self.max_failures = max_failures
        self.max_per_address = max_per_address
        self.lockout_seconds = lockout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], _Record] = {}

    def _get(self, kind: str, key: str, now: float) -> _Record:
        record = self._records.get((kind, key))
        expired = record is not None and (
            0 < record.locked_until <= now
            or (now - record.last > FAILURE_WINDOW_SECONDS and not record.locked_until))
        if record is None or expired:
            record = self._records[(kind, key)] = _Record()
        return record

    def _keys(self, account: str | None, address: str) -> list[tuple[str, str, int]]:
        keys = [("address", address, self.max_per_address)]
        if account is not None:
            keys.append(("account", account, self.max_failures))
        return keys

    def locked(self, account: str | None, address: str) -> float:
        """Seconds until this account and address may try again; 0 when they may now."""
        now = self._clock()
        with self._lock:
            waits = [self._get(kind, key, now).locked_until - now
                     for kind, key, _ in self._keys(account, address)]
        return max(0.0, *waits)

    def attempt(self, account: str | None, address: str) -> float:
        """Count an attempt, before its password is checked: 0 if it may be checked, else the
        seconds until this account or address may try again (it is not counted then)."""
        now = self._clock()
        with self._lock:
            if len(self._records) > 100_000:  # a flood of addresses (behind trusted proxies)
                self._records = {k: r for k, r in self._records.items() if r.locked_until > now}
            records = [(kind, key, limit, self._get(kind, key, now))
                       for kind, key, limit in self._keys(account, address)]
            wait = max((r.locked_until - now for *_, r in records), default=0.0)
            if wait > 0:
                return wait
            for kind, key, limit, record in records:
                record.failures += 1
                record.last = now
                if record.failures >= limit:
                    record.locked_until = now + self.lockout_seconds
                    log.warning("sign-in locked for %.0f s: %s %r after %d attempts that did not "
                                "succeed", self.lockout_seconds, kind, key, limit)
            return 0.0

    def failed(self, account: str | None, address: str) -> float:
        """An attempt failed (it was counted when it came): how long to hold the answer back."""
        now = self._clock()
        with self._lock:
            worst = max(self._get(kind, key, now).failures
                        for kind, key, _ in self._keys(account, address))
        return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** max(0, worst - 1))

    def succeeded(self, account: str | None, address: str) -> None:
        """A sign-in worked: that account's count is forgotten, and the address's takes this
        attempt back (its failures stay, or one valid account would let its owner guess at the
        others without end)."""
        now = self._clock()
        with self._lock:
            if account is not None:
                self._records.pop(("account", account), None)
            record = self._get("address", address, now)
            record.failures = max(0, record.failures - 1)
            if record.failures < self.max_per_address:
                record.locked_until = 0.0


def trust_forwarded_for(proxies: Sequence[str]) -> None:
    """Which connections' `X-Forwarded-For` uvicorn (Gradio's server) believes: those from
    `proxies`, none if empty. Its default trusts 127.0.0.1, so any local client, or anything
    behind a local proxy that passes the header on, could give itself a new address at each
    attempt and reset the per-address sign-in count. Call before the server starts."""
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(p.strip() for p in proxies if p.strip())


_API_INFO = re.compile(rb"window\.gradio_api_info\s*=\s*.*?;\s*</script>", re.S)


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _signed_in(scope: Scope) -> bool:
    """Whether the request carries a session cookie Gradio issued (its own check)."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    cookie_id = getattr(app, "cookie_id", None)
    if not tokens or not cookie_id:
        return False
    cookies = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                cookies.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie is no sign-in
                return False
    for key in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        morsel = cookies.get(key)
        if morsel is not None and morsel.value in tokens:
            return True
    return False


async def _form_user(scope: Scope, body: bytes) -> str:
    """The user name as the login form's handler reads it: FastAPI's form parsing (Starlette's,
    for both URL-encoded and multipart bodies), the last `username` field, stripped. A decoy
    `username=` inside a multipart part's name once counted as the user name here while Gradio
    checked another."""
    from starlette.requests import Request

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(dict(scope), replay).form()
    except Exception:  # noqa: BLE001 - a body Gradio cannot read either: no user name
        return ""
    try:
        value = form.get("username")
        return value.strip() if isinstance(value, str) else ""
    finally:
        await form.close()


class LoginGuard:
    """ASGI middleware in front of Gradio's app when a login is set (see the module docstring).

    Pass it to Gradio with `launch(app_kwargs={"middleware": [Middleware(LoginGuard,
    throttle=..., accounts=...)]}`. The client address is the connection's, or the one
    uvicorn took from `X-Forwarded-For` when the connection came from a proxy named in
    `forwarded_allow_ips` (`ui.app.launch`); nothing else trusts that header.
    """

    def __init__(self, app: ASGIApp, *, throttle: LoginThrottle,
                 accounts: frozenset[str]) -> None:
        if not isinstance(throttle, LoginThrottle):
            raise TypeError("throttle must be a LoginThrottle")
        if not isinstance(accounts, frozenset) or not all(isinstance(a, str) for a in accounts):
            raise TypeError("accounts must be a frozenset of user names")
        self.app = app
        self.throttle = throttle
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "").rstrip("/")
        method = scope.get("method", "GET")
        if path == "/login" and method == "POST":
            await self._login(scope, receive, send)
        elif path == "" and method in ("GET", "HEAD") and not _signed_in(scope):
            await self._login_page(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > 64 * 1024:
                await _reply(send, 413, {"detail": "Sign-in request too large."})
                return
            if not message.get("more_body"):
                break
        user = await _form_user(scope, bytes(body))
        # Only account names are counted by name, and logged: anything else a client sends
        # (a password typed into the name box, a made-up name) stays out of the log.
        account = user if user in self.accounts else None
        shown = repr(account) if account else "(not an account)"
        address = _client_address(scope)
        wait = self.throttle.attempt(account, address)  # counted before the password is checked
        if wait > 0:
            log.warning("sign-in refused while locked: user %s from %s (%.0f s left)", shown,
                        address, wait)
            await _reply(send, 429, {"detail": "Too many failed sign-ins. Try again in "
                                               f"{max(1, round(wait / 60))} min."},
                         retry_after=wait)
            return
        status: list[int] = []
        held: list[Message] = []
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            held.append(message)

        await self.app(scope, replay, capture)
        if status and status[0] == 200:
            self.throttle.succeeded(account, address)
            log.info("signed in: %s from %s", shown, address)
        else:  # refused, or a body the form could not read: it stays counted
            delay = self.throttle.failed(account, address)
            log.warning("failed sign-in: user %s from %s", shown, address)
            await asyncio.sleep(delay)
        for message in held:
            await send(message)

    async def _login_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Gradio's page for a visitor who is not signed in, minus the API description (the
        endpoints, their parameters and the filter choices) that it embeds."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return
        body = _API_INFO.sub(b'window.gradio_api_info = {"named_endpoints": {}, '
                             b'"unnamed_endpoints": {}};</script>', b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if scope.get("method") != "HEAD":
            headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope.get("method") == "HEAD" else body})


async def _reply(send: Send, status: int, payload: dict[str, Any],
                 retry_after: float | None = None) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, int(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
