"""Rate limits shared by every instance: `limits`' sliding-window counter on Redis.

Each route belongs to a class (route `opt["rate_limit"]`: standard, expensive, auth or
exempt). A logged-in caller is counted per user, anyone else per client address. The window
is kept by Redis itself (key TTLs inside one Lua script), so instances with skewed clocks
still share one count. Responses carry `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (IETF draft) and `RateLimit-Policy`; a refusal is a 429 problem with
`Retry-After`.

When Redis cannot be reached, the `auth` class fails closed (503: no unlimited password
guessing) and the others fail open (served without a limit), counted in metrics and shown
in readiness.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from api.problems import problem
from api.security.client_address import client_ip, rate_key
from api.security.config import RATE_LIMIT_OPT
from api.security.metrics import RATE_LIMIT_DECISIONS
from api.security.rejections import send_problem
from api.security.status import SecurityStatus

log = structlog.get_logger(__name__)


def limits_storage_uri(redis_url: str) -> str:
    """`limits`' async URI for a redis-py URL (`unix://` sockets included)."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window_seconds}",
        }


class StoreUnavailable(Exception):
    """The rate-limit store could not be asked."""


class RequestLimiter:
    def __init__(self, redis_url: str, limits: dict[str, str], status: SecurityStatus) -> None:
        self._storage = RedisStorage(
            limits_storage_uri(redis_url),
            implementation="redispy",
            key_prefix="bb:ratelimit",
            wrap_exceptions=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        self.items: dict[str, RateLimitItem] = {name: parse(spec) for name, spec in limits.items()}
        self.status = status

    async def hit(self, limit_class: str, identity: str) -> Decision:
        item = self.items[limit_class]
        if self.status.breaker_open:
            raise StoreUnavailable("recent failure")
        try:
            allowed = await self._limiter.hit(item, limit_class, identity)
            stats = await self._limiter.get_window_stats(item, limit_class, identity)
        except (StorageError, RedisError, OSError) as exc:
            self.status.failed("rate_limits", exc)
            # once per breaker period, not per request
            log.warning("rate_limit.store_unavailable", error=type(exc).__name__)
            raise StoreUnavailable(type(exc).__name__) from exc
        self.status.succeeded()
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed, item.amount, stats.remaining, reset, item.get_expiry())

    async def reset(self, limit_class: str, identity: str) -> None:
        await self._limiter.clear(self.items[limit_class], limit_class, identity)


def _identity(scope: Scope) -> str:
    session = scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    return f"user:{uid}" if uid else f"ip:{rate_key(client_ip(scope))}"


def _unlimited_path(scope: Scope) -> bool:
    """Probes and metrics scrapes are never limited."""
    return scope["path"].startswith(("/health/", "/metrics"))


def limit_class_of(scope: Scope) -> str:
    handler = scope.get("route_handler")
    opt: dict[str, Any] = getattr(handler, "opt", None) or {}
    return str(opt.get(RATE_LIMIT_OPT, "standard"))


class RateLimitMiddleware(ASGIMiddleware):
    """Runs inside the session middleware, so it knows who is logged in."""

    should_bypass_for_scope = staticmethod(_unlimited_path)

    def __init__(self, limiter: RequestLimiter) -> None:
        self.limiter = limiter

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limit_class = limit_class_of(scope)
        if scope["type"] != ScopeType.HTTP or limit_class == "exempt":
            await next_app(scope, receive, send)
            return
        try:
            decision = await self.limiter.hit(limit_class, _identity(scope))
        except StoreUnavailable:
            if limit_class == "auth":
                RATE_LIMIT_DECISIONS.labels(limit_class, "fail_closed").inc()
                refusal = problem(
                    503,
                    "auth-unavailable",
                    "Logging in is unavailable right now",
                    "the service that protects logins is unreachable; try again shortly",
                    headers={"Retry-After": "5"},
                )
                await send_problem(scope, receive, send, refusal)
                return
            RATE_LIMIT_DECISIONS.labels(limit_class, "fail_open").inc()
            await next_app(scope, receive, send)
            return
        headers = decision.headers()
        if not decision.allowed:
            RATE_LIMIT_DECISIONS.labels(limit_class, "limited").inc()
            retry_after = str(max(1, decision.reset_seconds))
            refusal = problem(
                429,
                "rate-limited",
                "Too many requests",
                f"the {limit_class} limit is {decision.limit} requests per "
                f"{decision.window_seconds} s; retry after {retry_after} s",
                headers={**headers, "Retry-After": retry_after},
                limit_class=limit_class,
            )
            await send_problem(scope, receive, send, refusal)
            return
        RATE_LIMIT_DECISIONS.labels(limit_class, "allowed").inc()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableScopeHeaders.from_message(message)
                for name, value in headers.items():
                    mutable.add(name, value)
            await send(message)

        await next_app(scope, receive, send_with_headers)
