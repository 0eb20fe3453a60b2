"""Where each log follower stands: position, lag behind the log's head, last activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg

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
