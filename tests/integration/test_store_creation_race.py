"""Processes starting together on a new database each create the event store's tables."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from burnblack.settings import Settings
from tests.processes import ROOT

_STARTER = """
import sys
from burnblack.bootstrap.wiring import filings_app
from burnblack.settings import Settings
sys.stdin.readline()  # all start at once, on the parent's word
filings_app(Settings.from_env(), pool_size=2).close()
"""


def test_processes_starting_together_on_a_new_database_all_start(
    own_database: Settings,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": own_database.database_url or "",
        "REDIS_URL": own_database.redis_url or "",
        "BURNBLACK_CIPHER_KEY": own_database.require_cipher_key(),
    }
    for _ in range(3):  # a fresh race each round: the tables are dropped in between
        starters = [
            subprocess.Popen(
                [sys.executable, "-c", _STARTER],
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=ROOT,
                text=True,
            )
            for _ in range(6)
        ]
        for p in starters:  # imports done by now or soon; the first write releases each
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in starters]
        assert all(code == 0 for code, _ in results), [err[-600:] for code, err in results if code]
        _drop_store(own_database.database_url or "")


def _drop_store(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall():
            conn.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE'.encode())
        for (name,) in conn.execute(
            "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype = 'c'"
        ).fetchall():
            conn.execute(f'DROP TYPE IF EXISTS "{name}" CASCADE'.encode())
