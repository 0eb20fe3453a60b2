"""The API's reads of the stream table (`GET /api/v1/stream` replays from it)."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from projections.read_models.pooled import fetch_all, fetch_one


class StreamReplay:
    """The API's reads of the stream table (each one indexed)."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def after(self, owner_id: str, position: int, limit: int) -> list[tuple[int, str]]:
        """The user's messages after `position`, oldest first: (position, JSON)."""
        rows = await fetch_all(
            self._pool,
            "SELECT position, message FROM stream_messages "
            "WHERE owner_id = %s AND position > %s ORDER BY position LIMIT %s",
            (owner_id, position, limit),
        )
        return [(int(p), str(m)) for p, m in rows]

    async def head(self) -> int:
        """The last position written: every later message has a larger one (one follower
        writes the table, in log order)."""
        row = await fetch_one(self._pool, "SELECT max(position) FROM stream_messages")
        return int(row[0]) if row and row[0] is not None else 0

    async def pruned_through(self) -> int:
        row = await fetch_one(
            self._pool, "SELECT pruned_through FROM stream_retention WHERE name = 'stream'"
        )
        return int(row[0]) if row else 0
