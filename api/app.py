"""The Litestar application: every plugin and middleware configured in this one place."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from api.controllers.admin import UserAdminController
from api.controllers.audit import AuditController
from api.controllers.audit_chain import AuditChainController
from api.controllers.auth import AuthController
from api.controllers.documents import document_controllers
from api.controllers.erasure import ErasureController
from api.controllers.filing_search import FilingSearchController
from api.controllers.filings import FilingsController
from api.controllers.health import HealthController, MetricsController
from api.controllers.operations import OperationsController
from api.controllers.pan_admin import PanAdminController
from api.controllers.tax import TaxController
from api.dependencies import dependencies
from api.idempotency import IdempotencyMiddleware
from api.openapi_truth import tell_the_truth
from api.problems import INTERNAL_ERROR_HANDLERS, problem_details_plugin
from api.reading import read_ahead_planner
from api.security import services as security_services
from api.security.edge import move_guards_to_the_edge
from api.services import ApiServices
from api.stream import runtime as stream_runtime
from api.stream.socket import stream
from api.strict_input import check_json_body

MAX_BODY_BYTES = 256 * 1024


def _lifecycle(svc: ApiServices) -> tuple[list[Any], list[Any]]:
    async def open_read_pool() -> None:
        await svc.async_pool.open()

    async def close_read_pool() -> None:
        await svc.async_pool.close()

    async def close_redis() -> None:
        await svc.async_redis.aclose()

    return [open_read_pool], [close_read_pool, close_redis]


def create_app(svc: ApiServices) -> Litestar:
    # Sessions, CSRF, rate limits and lockout: in Redis, shared by every instance.
    security = security_services.build_security(svc.security, svc.redis_url, svc.async_redis)
    on_startup, on_shutdown = _lifecycle(svc)
    # The stream's channels plugin (its Redis backend survives restarts: api/stream/backend.py).
    live = stream_runtime.build_stream(
        svc.stream,
        svc.stream_replay,
        svc.redis_url,
        security.redis,
        security.sessions,
        svc.event_head,
    )
    app = Litestar(
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        dependencies=dependencies(svc, security, live),
        route_handlers=[
            AuditController,
            AuditChainController,
            AuthController,
            ErasureController,
            FilingsController,
            FilingSearchController,
            HealthController,
            OperationsController,
            PanAdminController,
            MetricsController,
            TaxController,
            UserAdminController,
            stream,
            *(document_controllers(svc.documents.max_body_bytes) if svc.documents else []),
        ],
        # Request metrics, client address, session and CSRF, rate limits and idempotency,
        # as one middleware (api/security/edge.py); a cached read's entry is read in the
        # session's round trip (api/reading.py).
        middleware=security.middleware(
            IdempotencyMiddleware(security.redis), read_ahead_planner(svc.reads)
        ),
        plugins=[problem_details_plugin(), live.plugin],
        exception_handlers=INTERNAL_ERROR_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Burnblack",
            version="1.0.0",
            path="/schema",
            description="Indian income-tax returns: file, compute, submit. "
            "Errors are RFC 9457 problem documents. Real-time updates: the WebSocket "
            "`GET /api/v1/stream` (OpenAPI does not describe WebSockets; see docs/stream.md).",
        ),
        request_max_body_size=MAX_BODY_BYTES,
        before_request=check_json_body,  # every JSON body: media type, depth, caps, types
        debug=False,
    )
    # Problem documents, request bodies and caps in the OpenAPI document.
    tell_the_truth(app, text_routes=frozenset({"/metrics"}))
    move_guards_to_the_edge(app)  # guards without a copy of the handler per call
    return app
