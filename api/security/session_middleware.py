"""Loads the caller's session from Redis and guards state-changing requests against CSRF.

- No cookie: anonymous (`request.session == {}`); nothing is read or written in Redis.
- A cookie that names no live session (forged, expired, revoked): anonymous, and the
  response clears the cookies.
- A live session: `request.session` holds `uid`, `role`, `email` (and any extra keys a
  handler stores with `request.set_session`, saved back under the same id).
- CSRF: an unsafe request (POST, PUT, PATCH, DELETE) that carries a live session must send
  the session's token in `X-CSRF-Token` (the web client reads it from the `bb_csrf`
  cookie). The token lives in the server-side session, so a cookie planted from a sibling
  domain cannot forge it. Endpoints that take a password (`opt["credentials"]`) accept
  only JSON, which a cross-site form cannot send: no login CSRF.
- One round trip: with the rate limiter given, the session is read in the same Redis script
  that takes the caller's rate-limit entry (`RequestLimiter.with_session`). With `read_ahead`
  given, the same script also reads the cache entries the route will read for the session's
  user (`ReadAhead`), so a cached read costs one round trip in all (issue 16).
- Redis unreachable: the request continues anonymously and handlers that need a login
  answer 503 instead of 401 (see `api.guards`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from litestar._parsers import parse_cookie_string
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from api.problems import json_only, problem
from api.security.config import CREDENTIALS_OPT, SecurityConfig
from api.security.cookies import cleared_cookies, header_values
from api.security.metrics import CSRF_REJECTIONS
from api.security.rate_limits import (
    LIMIT_DECISION,
    RequestLimiter,
    StoreUnavailable,
    anonymous_identity,
    limit_class_of,
    limited,
)
from api.security.rejections import send_problem
from api.security.sessions import RESERVED, SessionRecord, SessionStore
from api.security.status import SecurityStatus

log = structlog.get_logger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_ID = "bb.session_id"
SESSION_RECORD = "bb.session_record"
SESSION_UNAVAILABLE = "bb.session_unavailable"
SESSION_HANDLED = "bb.session_handled"
"""Set by handlers that issue or end sessions themselves (login, logout)."""


def _state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {})


def mark_session_handled(scope: Scope) -> None:
    _state(scope)[SESSION_HANDLED] = True


def current_session(scope: Scope) -> tuple[str, SessionRecord] | None:
    state = _state(scope)
    record = state.get(SESSION_RECORD)
    if isinstance(record, SessionRecord):
        return str(state[SESSION_ID]), record
    return None


def session_unavailable(scope: Scope) -> bool:
    return bool(_state(scope).get(SESSION_UNAVAILABLE))


def request_cookie(scope: Scope, name: str) -> str | None:
    """A cookie of the request, parsed as `ASGIConnection.cookies` does (its first Cookie
    header, Litestar's own cached parser) without building a connection and its headers
    on every request (issue 16)."""
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            return parse_cookie_string(value.decode("latin-1")).get(name) or None
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@dataclass(frozen=True)
class ReadAhead:
    """What a route will read for the caller: key parts around the session's uid (see
    `RequestLimiter.with_session`), and where the values read go once the session is
    accepted (never for a session that was not)."""

    parts: tuple[str, ...]
    deliver: Callable[[dict[str, bytes | None]], None]


ReadAheadPlanner = Callable[[Scope], ReadAhead | None]


@dataclass(eq=False)
class SessionMiddleware(ASGIMiddleware):
    store: SessionStore
    config: SecurityConfig
    status: SecurityStatus
    limiter: RequestLimiter | None = None
    read_ahead: ReadAheadPlanner | None = None

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def _load_with_limit(
        self, scope: Scope, session_id: str | None
    ) -> tuple[bytes | None, Callable[[], None] | None]:
        """Reads the session and takes the rate-limit entry in one round trip (the rate-limit
        middleware inside then uses the decision); raises StoreUnavailable as either would.
        Returns the stored session and what hands the entries read ahead to the route."""
        assert self.limiter is not None
        limit_class = limit_class_of(scope)
        key = self.store.key_of(session_id) if session_id else None
        plan = self.read_ahead(scope) if self.read_ahead is not None and key else None
        raw, decision, ahead = await self.limiter.with_session(
            key,
            self.store.idle_seconds,
            limit_class,
            anonymous_identity(scope),
            plan.parts if plan is not None else (),
        )
        _state(scope)[LIMIT_DECISION] = (limit_class, decision)
        if plan is None or not ahead:
            return raw, None
        return raw, lambda: plan.deliver(ahead)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session_id = request_cookie(scope, self.config.session_cookie)
        record: SessionRecord | None = None
        stale_cookie = False
        loaded: dict[str, Any] = {}
        together = self.limiter is not None and limited(scope)
        if together:
            try:
                raw, deliver = await self._load_with_limit(scope, session_id)
            except StoreUnavailable:
                together = False  # each on its own, each failing as it does alone
            else:
                if session_id:
                    try:
                        record = await self.store.accept(session_id, raw)
                    except (RedisError, OSError) as exc:
                        self.status.failed("sessions", exc)
                        _state(scope)[SESSION_UNAVAILABLE] = True
                    else:
                        stale_cookie = record is None
                        if record is not None and deliver is not None:
                            deliver()
        if session_id and not together:
            try:
                record = await self.store.load(session_id)
            except (RedisError, OSError) as exc:
                self.status.failed("sessions", exc)
                _state(scope)[SESSION_UNAVAILABLE] = True
            else:
                stale_cookie = record is None
        if record is not None and session_id is not None:
            loaded = record.as_scope()
            _state(scope)[SESSION_ID] = session_id
            _state(scope)[SESSION_RECORD] = record
        scope["session"] = dict(loaded)
        if scope["type"] == ScopeType.HTTP and scope["method"] not in SAFE_METHODS:
            try:
                self._check_unsafe(ASGIConnection(scope), record)
            except ProblemDetailsException as exc:
                await send_problem(scope, receive, send, exc)
                return
        if session_id is None:
            # Nothing to save or clear: sessions are only ever created by logging in, and the
            # login handler sets its own cookies.
            await next_app(scope, receive, send)
            return

        async def send_after(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._after(scope, message, session_id, record, loaded, stale_cookie)
            await send(message)

        await next_app(scope, receive, send_after)

    def _check_unsafe(
        self, connection: ASGIConnection[Any, Any, Any, Any], record: SessionRecord | None
    ) -> None:
        handler = connection.scope.get("route_handler")
        opt: dict[str, Any] = getattr(handler, "opt", None) or {}
        if opt.get(CREDENTIALS_OPT) and not _is_json(connection.headers.get("content-type", "")):
            raise json_only()
        if record is None:
            return
        sent = connection.headers.get(self.config.csrf_header, "")
        if not sent or not hmac.compare_digest(sent.encode(), record.csrf.encode()):
            CSRF_REJECTIONS.inc()
            raise problem(
                403,
                "csrf-failed",
                "Missing or wrong CSRF token",
                f"send the value of the {self.config.csrf_cookie} cookie as "
                f"{self.config.csrf_header} with every request that changes something",
                field=self.config.csrf_header,
            )

    async def _after(
        self,
        scope: Scope,
        message: Message,
        session_id: str | None,
        record: SessionRecord | None,
        loaded: dict[str, Any],
        stale_cookie: bool,
    ) -> None:
        if _state(scope).get(SESSION_HANDLED):
            return
        current = scope.get("session")
        if record is not None and session_id is not None:
            try:
                if current is Empty or current is None:
                    await self.store.delete(session_id, record.uid)
                    stale_cookie = True
                elif isinstance(current, dict) and current != loaded:
                    record.extra = {k: v for k, v in current.items() if k not in RESERVED}
                    await self.store.save(session_id, record)
            except (RedisError, OSError) as exc:
                self.status.failed("sessions", exc)
                log.warning("session.write_back_failed", error=type(exc).__name__)
        if stale_cookie:
            headers = MutableScopeHeaders.from_message(message)
            for value in header_values(cleared_cookies(self.config)):
                headers.add("set-cookie", value)
