"""The builders of every pool, client and application, from Settings. Only the process roots
beside this module (api, worker, projector, operations) and the CLI tools call them: each root
builds what its process needs once and hands it down."""

from __future__ import annotations

from typing import Any

import psycopg
import redis
import redis.exceptions
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from psycopg_pool import base as psycopg_pool_base
from redis.asyncio import BlockingConnectionPool as AsyncBlockingConnectionPool
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from api.security.status import PoolExhausted
from burnblack import budget
from burnblack.document_settings import DocumentSettings
from burnblack.keys import CIPHER_TOPIC, MAPPER_TOPIC
from burnblack.settings import Settings
from commands.accounts import AccountsApplication
from commands.adapters.document_files import UploadLimits
from commands.blobs import BlobStore, LocalBlobStore
from commands.documents import DocumentsService
from commands.field_seal import field_seal
from commands.filings import FilingsApplication
from projections.cache.invalidation import CacheInvalidator
from projections.cache.read_cache import ReadCache
from projections.consistency import PositionWaiter
from projections.eventlog.reader import StoredEventLog
from projections.read_models.documents.queries import DocumentQueries
from projections.read_models.filings.queries import FilingReads
from projections.read_models.sealing import FieldSeal, Unsealed

APPLICATION_RECORDER_TOPIC = "burnblack.eventstore:HorizonRecorder"


def eventsourcing_env(
    database_url: str,
    pool_size: int = 10,
    cipher_key: str | None = None,
    old_cipher_keys: tuple[str, ...] = (),
) -> dict[str, str]:
    """The `eventsourcing` library's settings for the PostgreSQL at DATABASE_URL; with a
    cipher (master) key, every stored event's state is encrypted (AES-GCM) with its owner's
    data key before it is written (commands/keyring.py)."""
    params = conninfo_to_dict(database_url)
    cipher = (
        {
            "CIPHER_TOPIC": CIPHER_TOPIC,
            "MAPPER_TOPIC": MAPPER_TOPIC,
            "CIPHER_KEY": cipher_key,
            "OLD_CIPHER_KEYS": ",".join(old_cipher_keys),
        }
        if cipher_key
        else {}
    )
    return {
        **cipher,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        # Appends without the library's table lock (burnblack/eventstore.py, docs/event-log.md).
        "APPLICATION_RECORDER_TOPIC": APPLICATION_RECORDER_TOPIC,
        # A transaction left open holds back every follower's horizon: bound the idle ones.
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        # One connection at start, growing to `pool_size` on demand: the library's pool keeps
        # POSTGRES_POOL_SIZE open from the start (its min_size), which held most of
        # max_connections idle (issue 16).
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": str(max(0, pool_size - 1)),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }


def pool_sizes(settings: Settings) -> budget.PoolSizes:
    return budget.PoolSizes(
        settings.db_pool_size, settings.db_read_pool_size, settings.eventstore_pool_size
    )


def check_connection_budget(settings: Settings) -> None:
    """At a process's start: the deployment's pools must fit in max_connections."""
    database_url, _ = settings.require_urls()
    budget.check_at_start(
        pool_sizes(settings),
        settings.deployment,
        lambda: psycopg.connect(database_url, connect_timeout=5, autocommit=True),
    )


def filings_app(settings: Settings, pool_size: int | None = None) -> FilingsApplication:
    """`pool_size`: the event store's most connections (default: the API's); single-threaded
    processes (worker, projector, tools) pass `budget.SINGLE_THREADED_EVENTSTORE`."""
    database_url, _ = settings.require_urls()
    cap_pool_reconnect_delay()
    size = pool_size or settings.eventstore_pool_size
    app = FilingsApplication(
        env=eventsourcing_env(
            database_url, size, settings.require_cipher_key(), settings.old_cipher_keys
        ),
        index_key=settings.require_index_key(),
    )
    return app


def read_model_seal(app: FilingsApplication) -> FieldSeal:
    """What seals the read models' personal fields: the filings' owners' own data keys
    (projections/read_models/sealing.py), or nothing without a cipher."""
    return field_seal(app.mapper.cipher) or Unsealed()


def accounts_app(settings: Settings, pool_size: int | None = None) -> AccountsApplication:
    database_url, _ = settings.require_urls()
    cap_pool_reconnect_delay()
    size = pool_size or pool_sizes(settings).accounts_pool_size
    return AccountsApplication(
        env=eventsourcing_env(
            database_url, size, settings.require_cipher_key(), settings.old_cipher_keys
        ),
        index_key=settings.require_index_key(),
    )


# Redis restarted or a pooled connection dropped: reconnect and retry a few times, backing off
# (about 1.5 s in all), before the caller sees the error. Idle connections are pinged before
# reuse after `health_check_interval` seconds. The long-running loops (projector, worker)
# wait out longer outages themselves (projections/projector/backoff.py).
REDIS_RETRY_ON = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
REDIS_HEALTH_CHECK_SECONDS = 10
# No `CLIENT SETINFO` when connecting: Redis before 7.2 refuses it, and under load (1,000
# users, issue 16) its refusal surfaced as the reply to a request's own command on a fresh
# connection (ResponseError "unknown subcommand 'SETINFO'", answered 503). Two round trips
# fewer per new connection too.
REDIS_CONNECTION = {"driver_info": None}


def redis_client(settings: Settings, retries: int = 4) -> redis.Redis:
    """`retries`: the projector, which backs off on its own, asks for fewer."""
    _, redis_url = settings.require_urls()
    return redis.Redis.from_url(
        redis_url,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries),
        retry_on_error=REDIS_RETRY_ON,
        **REDIS_CONNECTION,
    )


def cap_pool_reconnect_delay(first: float = 0.25, cap: float = 2.0) -> None:
    """psycopg_pool retries a failed connection after 1 s, doubling without a limit until its
    reconnect timeout: after a minute's outage a pool would wait about another minute before
    trying PostgreSQL again, and requests would time out meanwhile. Start sooner, and never
    wait more than `cap` seconds between attempts. (`AttemptWithBackoff` is internal: if it
    changes, the pool keeps its own behaviour.)"""
    attempt = getattr(psycopg_pool_base, "AttemptWithBackoff", None)
    if attempt is None or getattr(attempt, "_burnblack_capped", False):
        return
    original = attempt.update_delay

    def update_delay(self: Any, now: float) -> None:
        original(self, now)
        self.delay = min(self.delay, cap)

    attempt.INITIAL_DELAY = first
    attempt.update_delay = update_delay
    attempt._burnblack_capped = True


def pg_pool(settings: Settings, name: str) -> ConnectionPool[Any]:
    database_url, _ = settings.require_urls()
    cap_pool_reconnect_delay()
    return ConnectionPool(
        database_url,
        min_size=1,
        max_size=settings.db_pool_size,
        name=name,
        open=True,
        kwargs={"autocommit": True},
        # A connection that died with a PostgreSQL restart is noticed and replaced when it
        # is handed out, not by the request that would have used it.
        check=ConnectionPool.check_connection,
    )


def events_table(app: FilingsApplication) -> str:
    return str(getattr(app.recorder, "events_table_name", f"{app.name}_events"))


def event_log(settings: Settings, app: FilingsApplication) -> StoredEventLog:
    database_url, _ = settings.require_urls()
    table = events_table(app)
    channel = getattr(app.recorder, "channel_name", table)
    return StoredEventLog(database_url, table, app.mapper, channel)


_blocking_get_connection = getattr(
    AsyncBlockingConnectionPool.get_connection,
    "__wrapped__",
    AsyncBlockingConnectionPool.get_connection,
)


class _AsyncPool(AsyncBlockingConnectionPool):
    """redis-py 8 wraps `get_connection` in a check for deprecated arguments (it inspects
    the call's arguments on every command: a tenth of a cached read's Redis CPU, issue 16).
    Called without arguments, as the client does, it never warns: the function it wraps
    does the same work. A wait for a free connection that runs out raises `PoolExhausted`
    (overload) rather than the `ConnectionError` Redis being down also raises."""

    async def get_connection(self) -> Any:  # type: ignore[override]
        try:
            return await _blocking_get_connection(self)
        except RedisConnectionError as exc:
            if isinstance(exc.__cause__, TimeoutError):  # asyncio's timeout on the wait
                raise PoolExhausted(
                    f"no pooled Redis connection free within {self.timeout} s"
                ) from exc
            raise


def async_redis_client(settings: Settings) -> AsyncRedis:
    """The API process's one asyncio client: sessions, rate limits, lockout, idempotency,
    stream leases, the read cache and read-your-writes. A burst waits up to
    `redis_pool_timeout` for a pooled connection instead of failing at once with
    MaxConnectionsError (503s at 1,000 users in issue 16)."""
    _, redis_url = settings.require_urls()
    return AsyncRedis(
        connection_pool=_AsyncPool.from_url(
            redis_url,
            max_connections=settings.security.redis_max_connections,
            timeout=settings.security.redis_pool_timeout,
            # Short: every request's session and rate limit go through this client.
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
            # Requests wait: a short retry, not the worker loops' long one.
            retry=AsyncRetry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=REDIS_RETRY_ON,
            **REDIS_CONNECTION,
        )
    )


def async_pg_pool(settings: Settings, name: str) -> AsyncConnectionPool[Any]:
    """Opened by the caller inside its event loop (`await pool.open()`)."""
    database_url, _ = settings.require_urls()
    cap_pool_reconnect_delay()
    return AsyncConnectionPool(
        database_url,
        min_size=1,
        max_size=settings.db_read_pool_size,
        name=name,
        open=False,
        kwargs={"autocommit": True},
        check=AsyncConnectionPool.check_connection,
    )


def filing_reads(
    settings: Settings, pool: AsyncConnectionPool[Any], client: AsyncRedis, seal: FieldSeal
) -> FilingReads:
    return FilingReads(pool, ReadCache(client, ttl_seconds=settings.cache_ttl_seconds), seal)


def position_waiter(client: AsyncRedis) -> PositionWaiter:
    return PositionWaiter(client)


def cache_invalidator(client: redis.Redis, ttl_seconds: int = 300) -> CacheInvalidator:
    """`ttl_seconds`: how long a tombstone outlives the entry it replaced (the cache's TTL)."""
    return CacheInvalidator(client, "filing_summary", ttl_seconds)


def upload_limits(d: DocumentSettings) -> UploadLimits:
    return UploadLimits(
        max_bytes=d.max_upload_bytes, max_pixels=d.max_pixels, max_pages=d.max_pages
    )


def blob_store(settings: Settings) -> BlobStore:
    d = settings.documents
    if d.s3_bucket:
        from commands.adapters.s3_blobs import S3BlobStore

        return S3BlobStore(
            d.s3_bucket,
            prefix=d.s3_prefix,
            endpoint_url=d.s3_endpoint,
            region=d.s3_region,
            access_key=d.s3_access_key,
            secret_key=d.s3_secret_key,
        )
    return LocalBlobStore(d.documents_dir)


def documents_service(settings: Settings, app: FilingsApplication) -> DocumentsService:
    return DocumentsService(app, blob_store(settings), upload_limits(settings.documents))


def document_queries(
    pool: ConnectionPool[Any], client: redis.Redis, seal: FieldSeal
) -> DocumentQueries:
    return DocumentQueries(pool, client, seal)
