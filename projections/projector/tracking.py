"""Where each log follower has got to, stored beside the rows it writes."""

from __future__ import annotations

from typing import Any

import psycopg


def ensure(conn: psycopg.Connection[Any], name: str) -> int:
    """The follower's position, its row made if it has none (once, when a runner takes the
    follower on: every batch after that only locks the row)."""
    conn.execute(
        "INSERT INTO projection_tracking (name, position) VALUES (%s, 0) "
        "ON CONFLICT (name) DO NOTHING",
        (name,),
    )
    row = conn.execute(
        "SELECT position FROM projection_tracking WHERE name = %s", (name,)
    ).fetchone()
    assert row is not None
    return int(row[0])


def lock_position(conn: psycopg.Connection[Any], name: str) -> int:
    """The follower's position, row-locked for the rest of this transaction; its row is
    made if it has none (`ensure`: a runner makes it when it takes the follower on)."""
    row = conn.execute(
        "SELECT position FROM projection_tracking WHERE name = %s FOR UPDATE", (name,)
    ).fetchone()
    if row is None:
        ensure(conn, name)
        row = conn.execute(
            "SELECT position FROM projection_tracking WHERE name = %s FOR UPDATE", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def advance(conn: psycopg.Connection[Any], name: str, position: int) -> None:
    conn.execute(
        "UPDATE projection_tracking SET position = %s, updated_at = now() WHERE name = %s",
        (position, name),
    )


def positions(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute("SELECT name, position FROM projection_tracking").fetchall()
    return {str(name): int(pos) for name, pos in rows}
