"""Builds the pools, clients and applications every process needs, from Settings."""

from __future__ import annotations

from typing import Any

import redis
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool
from rq import Queue

from burnblack.settings import Settings
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from projections.cache import ReadCache
from projections.eventlog import StoredEventLog
from projections.queries import FilingQueries, ProjectionStatus

QUEUES = ("high", "default", "low")


def eventsourcing_env(database_url: str, pool_size: int = 10) -> dict[str, str]:
    """The `eventsourcing` library's settings for the PostgreSQL at DATABASE_URL."""
    params = conninfo_to_dict(database_url)
    return {
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
    return FilingsApplication(env=eventsourcing_env(database_url, settings.db_pool_size))


def accounts_app(settings: Settings) -> AccountsApplication:
    database_url, _ = settings.require_urls()
    return AccountsApplication(env=eventsourcing_env(database_url, settings.db_pool_size))


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


def event_log(app: FilingsApplication) -> StoredEventLog:
    recorder = app.recorder
    channel = getattr(recorder, "channel_name", f"{app.name}_events")
    return StoredEventLog(recorder, app.mapper, channel)


def read_cache(settings: Settings, client: redis.Redis) -> ReadCache:
    return ReadCache(client, ttl_seconds=settings.cache_ttl_seconds)


def queues(client: redis.Redis) -> dict[str, Queue]:
    return {name: Queue(name, connection=client) for name in QUEUES}


def filing_queries(pool: ConnectionPool[Any], cache: ReadCache) -> FilingQueries:
    return FilingQueries(pool, cache)


def projection_status(pool: ConnectionPool[Any]) -> ProjectionStatus:
    return ProjectionStatus(pool)
