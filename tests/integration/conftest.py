"""Fixtures shared by the integration tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from burnblack.settings import Settings
from tests.cipher import TEST_CIPHER_KEY
from tests.servers import ServerUrls


@pytest.fixture
def own_database(servers: ServerUrls) -> Iterator[Settings]:
    """A database of its own: a rebuild switches the live tables other tests read."""
    name = f"bb_rebuild_{secrets.token_hex(4)}"
    with psycopg.connect(servers.admin_database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    url = make_conninfo(servers.database_url, dbname=name)
    try:
        yield Settings.from_env(
            {
                "DATABASE_URL": url,
                "REDIS_URL": servers.redis_url,
                "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
                "BURNBLACK_DB_POOL_SIZE": "2",
            }
        )
    finally:
        with psycopg.connect(servers.admin_database_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE "{name}"'.encode())
