"""Reads through a connection pool that survive a PostgreSQL restart.

The pools check a connection before handing it out (`check=`), but a connection can still die
between the check and the query (the server restarting at that moment). A read is safe to
repeat, so one that meets a dead connection (OperationalError: AdminShutdown, connection
closed...) is tried once more on a fresh connection; the pool discards the broken one.
"""

from __future__ import annotations

from typing import Any

import psycopg
import structlog
from psycopg_pool import AsyncConnectionPool, ConnectionPool

log = structlog.get_logger(__name__)

Query = str | bytes


async def fetch_one(
    pool: AsyncConnectionPool[Any], sql: Query, params: Any = None
) -> tuple[Any, ...] | None:
    return await _async_read(pool, sql, params, many=False)  # type: ignore[no-any-return]


async def fetch_all(
    pool: AsyncConnectionPool[Any], sql: Query, params: Any = None
) -> list[tuple[Any, ...]]:
    return await _async_read(pool, sql, params, many=True)  # type: ignore[no-any-return]


def sync_fetch_one(
    pool: ConnectionPool[Any], sql: Query, params: Any = None
) -> tuple[Any, ...] | None:
    return _sync_read(pool, sql, params, many=False)  # type: ignore[no-any-return]


def sync_fetch_all(pool: ConnectionPool[Any], sql: Query, params: Any = None) -> list[Any]:
    return _sync_read(pool, sql, params, many=True)  # type: ignore[no-any-return]


async def _async_read(pool: AsyncConnectionPool[Any], sql: Query, params: Any, many: bool) -> Any:
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
                cur = await conn.execute(sql, params)
                return await (cur.fetchall() if many else cur.fetchone())
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")


def _sync_read(pool: ConnectionPool[Any], sql: Query, params: Any, many: bool) -> Any:
    for attempt in (1, 2):
        try:
            with pool.connection() as conn:
                cur = conn.execute(sql, params)
                return cur.fetchall() if many else cur.fetchone()
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")
