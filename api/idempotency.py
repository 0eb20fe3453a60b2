"""`Idempotency-Key` on POSTs: a retry within 24 h gets the first answer, not a second effect.

Every POST by a logged-in user may carry the header (routes opt out with `opt` `idempotency:
False`: logging in and out). Per user and key, Redis holds the first successful (2xx)
response: status, headers (no cookies) and body, with a digest of the request (method, path,
body) so a key reused for another request is refused (422). A duplicate that arrives while
the first is still running waits for its answer (up to `WAIT_SECONDS`, else 409). Responses
that are not 2xx are not kept: the client may fix the request and retry with the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.problems import problem
from api.security.rejections import send_problem
from projections.redis_keys import idempotency_key

log = structlog.get_logger(__name__)

IDEMPOTENCY_OPT = "idempotency"
HEADER = "idempotency-key"
KEEP_SECONDS = 24 * 3600
PENDING_SECONDS = 60
WAIT_SECONDS = 10.0
MAX_BODY_BYTES = 12 * 1024 * 1024  # above the upload limit and its multipart envelope


class _Stored(msgspec.Struct, frozen=True):
    fingerprint: str
    status: int = 0  # 0: the first request is still running
    headers: list[tuple[bytes, bytes]] = []
    body: bytes = b""


_encode = msgspec.msgpack.encode
_decode = msgspec.msgpack.Decoder(_Stored).decode


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _user(scope: Scope) -> str | None:
    session = scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    return str(uid) if uid else None


def _applies(scope: Scope) -> bool:
    if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
        return False
    handler = scope.get("route_handler")
    opt: dict[str, Any] = getattr(handler, "opt", None) or {}
    return bool(opt.get(IDEMPOTENCY_OPT, True))


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is over MAX_BODY_BYTES."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that has nothing more to send
        raise AssertionError("unreachable")

    return receive


async def _replay(send: Send, stored: _Stored) -> None:
    headers = [*stored.headers, (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body, "more_body": False})


class IdempotencyMiddleware(ASGIMiddleware):
    """Inside the session middleware (it needs the user), outside the handlers."""

    def __init__(self, client: Redis) -> None:
        self.redis = client

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        raw_key = _header(scope, HEADER.encode())
        uid = _user(scope)
        if raw_key is None or uid is None or not _applies(scope):
            await next_app(scope, receive, send)
            return
        if not 1 <= len(raw_key) <= 255 or not raw_key.isascii():
            await send_problem(
                scope,
                receive,
                send,
                problem(
                    400,
                    "validation",
                    "The request is not valid",
                    "Idempotency-Key must be 1 to 255 ASCII characters",
                    field="Idempotency-Key",
                ),
            )
            return
        body = await _read_body(receive)
        if body is None:
            await send_problem(
                scope, receive, send, problem(413, "too-large", "Content Too Large", "")
            )
            return
        digest = hashlib.sha256()
        method = str(scope.get("method", ""))
        for part in (method.encode(), scope["path"].encode(), body):
            digest.update(hashlib.sha256(part).digest())
        fingerprint = digest.hexdigest()
        key = idempotency_key(uid, hashlib.sha256(raw_key).hexdigest())
        try:
            stored = await self._claim_or_wait(key, fingerprint)
        except RedisError as exc:  # without the store, run the request as if no key was sent
            log.warning("idempotency.unavailable", error=type(exc).__name__)
            await next_app(scope, _replaying(body), send)
            return
        if stored is not None:
            if stored.fingerprint != fingerprint:
                refusal = problem(
                    422,
                    "idempotency-key-reused",
                    "This Idempotency-Key was used for another request",
                    "use a new key for a new request",
                    field="Idempotency-Key",
                )
            elif stored.status == 0:
                refusal = problem(
                    409,
                    "idempotency-key-in-use",
                    "A request with this Idempotency-Key is still running",
                    "retry shortly",
                    headers={"Retry-After": "1"},
                    field="Idempotency-Key",
                )
            else:
                await _replay(send, stored)
                return
            await send_problem(scope, receive, send, refusal)
            return
        await self._run_and_keep(scope, body, send, next_app, key, fingerprint)

    async def _claim_or_wait(self, key: str, fingerprint: str) -> _Stored | None:
        """None: this request runs (it holds the key). Else what is stored under the key
        (still pending after WAIT_SECONDS: status 0)."""
        pending = _encode(_Stored(fingerprint))
        if await self.redis.set(key, pending, nx=True, ex=PENDING_SECONDS):
            return None
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            raw = await self.redis.get(key)
            if raw is None:  # the first attempt failed and let go of the key: run this one
                if await self.redis.set(key, pending, nx=True, ex=PENDING_SECONDS):
                    return None
                continue
            stored = _decode(raw if isinstance(raw, bytes) else raw.encode())
            if stored.status or stored.fingerprint != fingerprint:
                return stored
            if time.monotonic() >= deadline:
                return stored
            await asyncio.sleep(0.05)

    async def _run_and_keep(
        self,
        scope: Scope,
        body: bytes,
        send: Send,
        next_app: ASGIApp,
        key: str,
        fingerprint: str,
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (bytes(k), bytes(v))
                    for k, v in message.get("headers", [])
                    if bytes(k).lower() != b"set-cookie"
                ]
            elif message["type"] == "http.response.body" and 200 <= status < 300:
                chunks.append(bytes(message.get("body", b"")))
            await send(message)

        kept = False
        try:
            await next_app(scope, _replaying(body), capture)
            if 200 <= status < 300:
                stored = _Stored(fingerprint, status, headers, b"".join(chunks))
                await self.redis.set(key, _encode(stored), ex=KEEP_SECONDS)
                kept = True
        finally:
            if not kept:
                try:
                    await self.redis.delete(key)
                except RedisError as exc:  # the pending mark expires by itself
                    log.warning("idempotency.release_failed", error=type(exc).__name__)
