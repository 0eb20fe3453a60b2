"""Every request's cross-cutting work as one middleware: request metrics, the client's
address, the session (with CSRF), the rate limit and, for POSTs, idempotency.

They were five Litestar middlewares, outermost first in this same order. Each layer cost a
wrapper call, its bypass checks and, for some, a `Request` or `ASGIConnection` built anew on
every request: about a third of `/health/live`'s CPU (issue 16, profiled with py-spy). Here
the chain is built once per route (Litestar builds each route's middleware stack at start)
and each step calls the next directly. The routes' guards run here too, last
(`move_guards_to_the_edge`). What each step does, and its tests, are unchanged:
`client_address`, `session_middleware`, `rate_limits`, `api.idempotency`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send

from api.security.client_address import resolve_scope
from api.security.config import IPNetwork
from api.security.rate_limits import RateLimitMiddleware, unlimited_path
from api.security.rejections import send_problem
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

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if await _run_guards(scope, receive, send):
                await app(scope, receive, send)

        async def after_limits(scope: Scope, receive: Receive, send: Send) -> None:
            if (
                idempotency is not None
                and scope["type"] == ScopeType.HTTP
                and scope["method"] == "POST"
            ):
                await idempotency.handle(scope, receive, send, guarded)
            else:
                await guarded(scope, receive, send)

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


GUARDS_OPT = "bb.edge_guards"
"""A route handler's guards, run by the edge middleware (`move_guards_to_the_edge`)."""


def move_guards_to_the_edge(app: Litestar) -> None:
    """Every HTTP route's guards run in the edge middleware instead of Litestar's route.

    Litestar calls each guard with `copy(route_handler)`, a fresh copy of the handler per guard
    per request (`BaseRouteHandler.authorize_connection`): about 4 % of a cached read's CPU
    (py-spy, issue 16). Our guards never look at the handler, so the edge runs them with the
    handler itself, at the same point (after the limits and idempotency, before the handler)
    and with the same problem documents. The guards stay declared on the controllers (OpenAPI's
    401/403 read them: `api.openapi_truth`); only who calls them changes. Run after every
    route is registered."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            guards = handler.resolve_guards()
            if guards:
                handler.opt = {**handler.opt, GUARDS_OPT: tuple(guards)}
                # Litestar authorises a connection only when this list is not empty.
                handler._resolved_guards = []


def guards_of(handler: BaseRouteHandler) -> tuple[Any, ...]:
    """A handler's guards, wherever they run (Litestar's route or the edge)."""
    return tuple(handler.resolve_guards()) or tuple(handler.opt.get(GUARDS_OPT, ()))


async def _run_guards(scope: Scope, receive: Receive, send: Send) -> bool:
    """False when a guard refused the request (its problem already sent)."""
    handler = scope.get("route_handler")
    guards = handler.opt.get(GUARDS_OPT) if handler is not None else None
    if not guards:
        return True
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope, receive, send)
    try:
        for guard in guards:
            await guard(connection, handler)
    except ProblemDetailsException as exc:
        # Sent here, as a route would answer it, so the request metrics see the status.
        await send_problem(scope, receive, send, exc)
        return False
    return True
