"""Every request's cross-cutting work as one middleware: request metrics, the client's
address, the session (with CSRF), the rate limit and, for POSTs, idempotency.

They were five Litestar middlewares, outermost first in this same order. Each layer cost a
wrapper call, its bypass checks and, for some, a `Request` or `ASGIConnection` built anew on
every request: about a third of `/health/live`'s CPU (issue 16, profiled with py-spy). Here
the chain is built once per route (Litestar builds each route's middleware stack at start)
and each step calls the next directly. What each step does, and its tests, are unchanged:
`client_address`, `session_middleware`, `rate_limits`, `api.idempotency`.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from api.security.client_address import resolve_scope
from api.security.config import IPNetwork
from api.security.rate_limits import RateLimitMiddleware, unlimited_path
from api.security.request_metrics import RequestMetrics
from api.security.session_middleware import SessionMiddleware

MEASURED = frozenset({ScopeType.HTTP, ScopeType.WEBSOCKET})
UNMEASURED_PREFIX = "/metrics"
"""Scrapes are not counted in the request metrics (as Litestar's `exclude=["^/metrics"]`)."""


class EdgeMiddleware(ASGIMiddleware):
    def __init__(
        self,
        trusted_proxies: tuple[IPNetwork, ...],
        session: SessionMiddleware,
        limits: RateLimitMiddleware,
        idempotency: ASGIMiddleware | None = None,
        metrics: RequestMetrics | None = None,
    ) -> None:
        self.trusted_proxies = trusted_proxies
        self.session = session
        self.limits = limits
        self.idempotency = idempotency
        self.metrics = metrics or RequestMetrics()

    def __call__(self, app: ASGIApp) -> ASGIApp:
        """The chain for one route, whose handler is `app`."""
        trusted = self.trusted_proxies
        session, limits, idempotency, metrics = (
            self.session,
            self.limits,
            self.idempotency,
            self.metrics,
        )

        async def after_limits(scope: Scope, receive: Receive, send: Send) -> None:
            if (
                idempotency is not None
                and scope["type"] == ScopeType.HTTP
                and scope["method"] == "POST"
            ):
                await idempotency.handle(scope, receive, send, app)
            else:
                await app(scope, receive, send)

        async def after_session(scope: Scope, receive: Receive, send: Send) -> None:
            if unlimited_path(scope):
                await after_limits(scope, receive, send)
            else:
                await limits.handle(scope, receive, send, after_limits)

        async def secured(scope: Scope, receive: Receive, send: Send) -> None:
            resolve_scope(scope, trusted)
            await session.handle(scope, receive, send, after_session)

        async def edge(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] not in MEASURED:
                await app(scope, receive, send)
            elif scope["path"].startswith(UNMEASURED_PREFIX):
                await secured(scope, receive, send)
            else:
                await metrics.measure(scope, receive, send, secured)

        return edge

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await self(next_app)(scope, receive, send)
