"""The event log's horizon on `/metrics`, read at scrape (docs/event-log.md)."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request
from prometheus_client import Gauge

from api.context import services
from projections.eventlog.horizon import HORIZON_AGE_SQL

log = structlog.get_logger(__name__)

HORIZON_AGE = Gauge(
    "burnblack_event_log_horizon_age_seconds",
    "How long the oldest transaction still running (cluster-wide) has held the event log's "
    "horizon: followers read nothing appended after it began until it ends",
    multiprocess_mode="max",
)
HORIZON_TRANSACTIONS = Gauge(
    "burnblack_event_log_horizon_transactions",
    "Transaction ids between the horizon and the next id to be assigned",
    multiprocess_mode="max",
)


def refresh_event_log_horizon(request: Request[Any, Any, Any]) -> None:
    try:
        with services(request).pool.connection(timeout=2) as conn:
            row = conn.execute(HORIZON_AGE_SQL).fetchone()
        if row is not None:
            HORIZON_AGE.set(float(row[0]))
            HORIZON_TRANSACTIONS.set(int(row[1]))
    except Exception as exc:  # the rest of the metrics are still worth answering
        log.warning("metrics.horizon_unavailable", error=type(exc).__name__)
