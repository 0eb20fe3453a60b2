"""Where each log follower stands: position, lag behind the log's head, last activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg


@dataclass(frozen=True)
class FollowerStatus:
    name: str
    position: int
    lag: int
    updated_at: dt.datetime


def follower_statuses(conn: psycopg.Connection[Any], head: int) -> list[FollowerStatus]:
    rows = conn.execute(
        "SELECT name, position, updated_at FROM projection_tracking ORDER BY name"
    ).fetchall()
    return [FollowerStatus(str(n), int(p), max(0, head - int(p)), u) for n, p, u in rows]
