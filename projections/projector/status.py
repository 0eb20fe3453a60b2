"""Where each log follower stands: position, lag behind the log's head, last activity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from projections.eventlog.horizon import HORIZON_AGE_SQL

LAG_COUNT_CAP = 1_000_000
"""Lags are counted up to this (readiness polls them): a larger lag is reported as this."""


@dataclass(frozen=True)
class FollowerStatus:
    name: str
    position: int
    lag: int
    updated_at: dt.datetime


def follower_statuses(
    conn: psycopg.Connection[Any], head: int, events_table: str = "filings_events"
) -> list[FollowerStatus]:
    """Lag is counted in events: positions are not dense (a transaction takes a block of
    them, projections/eventlog/horizon.py), so `head - position` would not be a number of events."""
    rows = conn.execute(
        "SELECT t.name, t.position, t.updated_at, "
        f"(SELECT count(*) FROM (SELECT FROM {events_table} e "
        "WHERE e.notification_id > t.position AND e.notification_id <= %s "
        f"LIMIT {LAG_COUNT_CAP}) behind) "
        "FROM projection_tracking t ORDER BY t.name",
        (head,),
    ).fetchall()
    return [FollowerStatus(str(n), int(p), int(lag), u) for n, p, u, lag in rows]


class OperationsQueries:
    """The operator's reads: where the followers stand and which read-model version is live."""

    def __init__(
        self, pool: ConnectionPool[Any], head: Callable[[], int], projection: str = "filing_summary"
    ) -> None:
        self._pool = pool
        self._head = head
        self._projection = projection

    def followers(self, timeout: float | None = None) -> list[FollowerStatus]:
        head = self._head()
        with self._pool.connection(timeout=timeout) as conn:
            return follower_statuses(conn, head)

    def horizon(self, timeout: float | None = None) -> tuple[float, int] | None:
        """The event log's horizon: age in seconds and transactions (projections/horizon.py)."""
        with self._pool.connection(timeout=timeout) as conn:
            row = conn.execute(HORIZON_AGE_SQL).fetchone()
        return (float(row[0]), int(row[1])) if row is not None else None

    def projections(self) -> dict[str, Any]:
        """The log's head, every follower, and the live read model's version."""
        head = self._head()
        with self._pool.connection() as conn:
            followers = follower_statuses(conn, head)
            row = conn.execute(
                "SELECT version, switched_at FROM read_model_version WHERE name = %s",
                (self._projection,),
            ).fetchone()
        return {
            "head": head,
            "followers": [
                {
                    "name": f.name,
                    "position": f.position,
                    "lag": f.lag,
                    "updated_at": f.updated_at.isoformat(),
                }
                for f in followers
            ],
            "read_models": {
                self._projection: {
                    "version": row[0] if row else 1,
                    "switched_at": row[1].isoformat() if row else None,
                }
            },
        }
