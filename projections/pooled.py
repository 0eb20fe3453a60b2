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
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
                cur = await conn.execute(sql, params)
                row: tuple[Any, ...] | None = await cur.fetchone()
                return row
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")


async def fetch_all(
    pool: AsyncConnectionPool[Any], sql: Query, params: Any = None
) -> list[tuple[Any, ...]]:
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
                cur = await conn.execute(sql, params)
                rows: list[tuple[Any, ...]] = await cur.fetchall()
                return rows
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")


def sync_fetch_one(
    pool: ConnectionPool[Any], sql: Query, params: Any = None
) -> tuple[Any, ...] | None:
    for attempt in (1, 2):
        try:
            with pool.connection() as conn:
                row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
                return row
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")


def sync_fetch_all(pool: ConnectionPool[Any], sql: Query, params: Any = None) -> list[Any]:
    for attempt in (1, 2):
        try:
            with pool.connection() as conn:
                rows: list[Any] = conn.execute(sql, params).fetchall()
                return rows
        except psycopg.OperationalError as exc:
            if attempt == 2:
                raise
            log.info("read.retried", error=type(exc).__name__)
    raise AssertionError("unreachable")
