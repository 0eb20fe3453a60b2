"""Builds the pools, clients and applications every process needs, from Settings."""

from __future__ import annotations

from typing import Any

import redis
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from redis.asyncio import BlockingConnectionPool as AsyncBlockingConnectionPool
from redis.asyncio import Redis as AsyncRedis
from rq import Queue

from burnblack.keys import CIPHER_TOPIC
from burnblack.settings import Settings
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from projections.cache import ReadCache
from projections.consistency import PositionWaiter
from projections.eventlog import StoredEventLog
from projections.invalidation import CacheInvalidator
from projections.reads import FilingReads

QUEUES = ("high", "default", "low")


def eventsourcing_env(
    database_url: str, pool_size: int = 10, cipher_key: str | None = None
) -> dict[str, str]:
    """The `eventsourcing` library's settings for the PostgreSQL at DATABASE_URL; with a
    cipher key, every stored event's state is encrypted (AES-GCM) before it is written."""
    params = conninfo_to_dict(database_url)
    cipher = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": cipher_key} if cipher_key else {}
    return {
        **cipher,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }


def filings_app(settings: Settings) -> FilingsApplication:
    database_url, _ = settings.require_urls()
    return FilingsApplication(
        env=eventsourcing_env(database_url, settings.db_pool_size, settings.require_cipher_key())
    )


def accounts_app(settings: Settings) -> AccountsApplication:
    database_url, _ = settings.require_urls()
    return AccountsApplication(
        env=eventsourcing_env(database_url, settings.db_pool_size, settings.require_cipher_key())
    )


def redis_client(settings: Settings) -> redis.Redis:
    _, redis_url = settings.require_urls()
    return redis.Redis.from_url(
        redis_url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


def pg_pool(settings: Settings, name: str) -> ConnectionPool[Any]:
    database_url, _ = settings.require_urls()
    return ConnectionPool(
        database_url,
        min_size=1,
        max_size=settings.db_pool_size,
        name=name,
        open=True,
        kwargs={"autocommit": True},
    )


def event_log(settings: Settings, app: FilingsApplication) -> StoredEventLog:
    database_url, _ = settings.require_urls()
    table = getattr(app.recorder, "events_table_name", f"{app.name}_events")
    channel = getattr(app.recorder, "channel_name", table)
    return StoredEventLog(database_url, table, app.mapper, channel)


def async_redis_client(settings: Settings) -> AsyncRedis:
    """A burst waits up to `redis_pool_timeout` for a pooled connection instead of failing
    at once with MaxConnectionsError (503s at 1,000 users in issue 16)."""
    _, redis_url = settings.require_urls()
    return AsyncRedis(
        connection_pool=AsyncBlockingConnectionPool.from_url(
            redis_url,
            max_connections=settings.security.redis_max_connections,
            timeout=settings.security.redis_pool_timeout,
            socket_timeout=5,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
    )


def async_pg_pool(settings: Settings, name: str) -> AsyncConnectionPool[Any]:
    """Opened by the caller inside its event loop (`await pool.open()`)."""
    database_url, _ = settings.require_urls()
    return AsyncConnectionPool(
        database_url,
        min_size=1,
        max_size=settings.db_pool_size,
        name=name,
        open=False,
        kwargs={"autocommit": True},
    )


def filing_reads(
    settings: Settings, pool: AsyncConnectionPool[Any], client: AsyncRedis
) -> FilingReads:
    return FilingReads(pool, ReadCache(client, ttl_seconds=settings.cache_ttl_seconds))


def position_waiter(client: AsyncRedis) -> PositionWaiter:
    return PositionWaiter(client)


def cache_invalidator(client: redis.Redis, ttl_seconds: int = 300) -> CacheInvalidator:
    """`ttl_seconds`: how long a tombstone outlives the entry it replaced (the cache's TTL)."""
    return CacheInvalidator(client, "filing_summary", ttl_seconds)


def queues(client: redis.Redis) -> dict[str, Queue]:
    return {name: Queue(name, connection=client) for name in QUEUES}
