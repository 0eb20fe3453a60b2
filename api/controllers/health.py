"""Liveness (the process answers), readiness (this instance can serve: its PostgreSQL and
Redis answer, and its stream's pub/sub reader is connected) and the metrics endpoint, which
also reports how far each log follower lags.

Readiness deliberately ignores the projector: a lagging or stopped projector is another
process's problem, and taking every API instance out of the load balancer for it would turn
slow read models into a full outage. Lag is `burnblack_projector_lag_events` instead, with
an alert (deploy/prometheus/alerts.yml).
"""

from __future__ import annotations

import os

import structlog
from litestar import Controller, Response, get
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from api.controllers.metrics import refresh_event_log_horizon
from api.dependencies import Operations, Pool, Security, Stream, SyncRedis
from api.schemas import Liveness, Readiness
from projections.projector.status import OperationsQueries

log = structlog.get_logger(__name__)

PROJECTOR_LAG = Gauge(
    "burnblack_projector_lag_events",
    "Events in the log not yet handled by each follower (projection or reactor)",
    ["follower"],
    multiprocess_mode="mostrecent",
)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live")
    async def live(self) -> Liveness:
        return Liveness("ok")

    @get("/ready", operation_id="ready", sync_to_thread=True)
    def ready(
        self, pool: Pool, sync_redis: SyncRedis, security: Security, stream_runtime: Stream
    ) -> Response[Readiness]:
        checks: dict[str, str] = {}
        try:
            with pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            checks["postgres"] = "ok"
        except Exception as exc:
            checks["postgres"] = f"failed: {type(exc).__name__}"
        status = security.status
        try:
            sync_redis.ping()
            checks["redis"] = "ok"
            status.succeeded()  # the security store is this same Redis: reachable again
        except Exception as exc:
            checks["redis"] = f"failed: {type(exc).__name__}"
        checks["security"] = status.readiness()
        # Live stream messages reach this instance only while its pub/sub reader runs.
        checks["stream"] = stream_runtime.backend.health()
        ok = all(v == "ok" for v in checks.values())
        return Response(
            Readiness(status="ok" if ok else "unavailable", checks=checks),
            status_code=200 if ok else 503,
        )


def refresh_projector_lag(operations: OperationsQueries) -> None:
    try:
        for f in operations.followers(timeout=2):
            PROJECTOR_LAG.labels(f.name).set(f.lag)
    except Exception as exc:  # metrics must answer even when PostgreSQL does not
        log.warning("metrics.projector_lag_failed", error=type(exc).__name__)


class MetricsController(PrometheusController):
    """Litestar's Prometheus endpoint, with the followers' lag read at scrape time."""

    @get(sync_to_thread=True)
    def get(self, operations: Operations) -> Response[bytes]:
        refresh_projector_lag(operations)
        refresh_event_log_horizon(operations)
        registry = REGISTRY
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ or "prometheus_multiproc_dir" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(
            generate_latest(registry),
            status_code=200,
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )
