"""Liveness (the process answers) and readiness (it can do its job: PostgreSQL, Redis, lag)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from api.context import services
from api.schemas import Liveness, Readiness
from api.security.services import security
from projections.status import follower_statuses


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live")
    async def live(self) -> Liveness:
        return Liveness("ok")

    @get("/ready", operation_id="ready", sync_to_thread=True)
    def ready(self, request: Request[Any, Any, Any]) -> Response[Readiness]:
        svc = services(request)
        checks: dict[str, str] = {}
        lag: dict[str, int] = {}
        try:
            with svc.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            checks["postgres"] = "ok"
        except Exception as exc:
            checks["postgres"] = f"failed: {type(exc).__name__}"
        try:
            svc.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"failed: {type(exc).__name__}"
        checks["security"] = security(request).status.readiness()
        if checks["postgres"] == "ok":
            try:
                head = svc.event_head()
                with svc.pool.connection(timeout=2) as conn:
                    lag = {f.name: f.lag for f in follower_statuses(conn, head)}
                worst = max(lag.values(), default=0)
                checks["projector"] = (
                    "ok"
                    if lag and worst <= svc.ready_max_projector_lag
                    else ("no projector has run yet" if not lag else f"lagging {worst} events")
                )
            except Exception as exc:
                checks["projector"] = f"failed: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return Response(
            Readiness(status="ok" if ok else "unavailable", checks=checks, projector_lag=lag),
            status_code=200 if ok else 503,
        )
