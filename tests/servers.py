"""The PostgreSQL and Redis the tests talk to: the machine's own if reachable, else embedded.

Each test session gets a fresh database (dropped at the end) and a Redis database number
it flushes first, so runs never see each other's data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from projections.redis_keys import db_claim_key

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"


@dataclass(frozen=True)
class ServerUrls:
    database_url: str
    redis_url: str
    admin_database_url: str


def _reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


@contextlib.contextmanager
def _base_urls() -> Iterator[tuple[str, str, bool]]:
    pg = os.environ.get("BURNBLACK_TEST_DATABASE_URL")
    rd = os.environ.get("BURNBLACK_TEST_REDIS_URL")
    if pg and rd:
        yield pg, rd, False
        return
    if _reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379):
        yield LOCAL_PG, LOCAL_REDIS, False
        return
    from burnblack.embedded import embedded_services

    with (
        tempfile.TemporaryDirectory(prefix="bb-test-") as tmp,
        embedded_services(Path(tmp)) as urls,
    ):
        yield urls.database_url, urls.redis_url, True


@contextlib.contextmanager
def test_servers() -> Iterator[ServerUrls]:
    with _base_urls() as (admin_url, redis_base, embedded):
        name = f"bb_test_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        params = conninfo_to_dict(admin_url)
        params["dbname"] = name
        database_url = _as_url(params)
        import redis

        db = 0 if embedded else _claim_redis_db(redis_base, name, admin_url)
        redis_url = redis_base if embedded else f"{redis_base}/{db}"
        redis.Redis.from_url(redis_url).flushdb()
        try:
            yield ServerUrls(database_url, redis_url, admin_url)
        finally:
            if not embedded:
                redis.Redis.from_url(f"{redis_base}/0").delete(db_claim_key(db))
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _claim_redis_db(redis_base: str, owner: str, admin_url: str) -> int:
    """A Redis database number no other test session on this machine is using right now
    (the load test's own stack claims the same way: burnblack/loadtest/stack.py)."""
    import redis

    from burnblack.loadtest.stack import claim_spare_redis_db

    db = claim_spare_redis_db(redis.Redis.from_url(f"{redis_base}/0"), owner, admin_url)
    if db < 0:
        raise RuntimeError("every test Redis database is claimed by a live test session")
    return db


def _as_url(params: dict[str, object]) -> str:
    host = str(params.get("host", "127.0.0.1"))
    user = params.get("user", "postgres")
    dbname = params["dbname"]
    if host.startswith("/"):
        return f"postgresql://{user}:@/{dbname}?host={host}"
    port = params.get("port", 5432)
    return f"postgresql://{user}@{host}:{port}/{dbname}"
