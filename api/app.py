"""The Litestar application: every plugin and middleware configured in this one place."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi import OpenAPIConfig
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis as AsyncRedis

from api.controllers.auth import AuthController
from api.controllers.filings import FilingsController
from api.controllers.health import HealthController
from api.controllers.tax import TaxController
from api.problems import INTERNAL_ERROR_HANDLERS, problem_details_plugin
from api.services import ApiServices

MAX_BODY_BYTES = 256 * 1024


def create_app(svc: ApiServices) -> Litestar:
    session_store = RedisStore(
        AsyncRedis.from_url(svc.redis_url), namespace="bb:sessions", handle_client_shutdown=True
    )
    sessions = ServerSideSessionConfig(
        key="bb_session",
        store="sessions",
        max_age=svc.session_max_age,
        httponly=True,
        samesite="lax",
        secure=svc.secure_cookies,
        renew_on_access=True,
    )
    return Litestar(
        route_handlers=[AuthController, FilingsController, HealthController, TaxController],
        middleware=[sessions.middleware],
        stores={"sessions": session_store},
        plugins=[problem_details_plugin()],
        exception_handlers=INTERNAL_ERROR_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Burnblack",
            version="1.0.0",
            path="/schema",
            description="Indian income-tax returns: file, compute, submit. "
            "Errors are RFC 9457 problem documents.",
        ),
        request_max_body_size=MAX_BODY_BYTES,
        state=State({"services": svc}),
        debug=False,
    )
