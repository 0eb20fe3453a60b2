"""Several projectors: one active per read model; kill it mid-batch and another takes over
with no event lost or applied twice."""

from __future__ import annotations

import os
import signal
import threading
import time

import psycopg
import pytest

from burnblack.bootstrap import wiring
from burnblack.seed import seed_filings
from tests.e2e.read_side_helpers import read_models_match_the_log, settings_for, wait_quiet
from tests.processes import Platform, Process

pytestmark = pytest.mark.e2e


def active_projector_pid(database_url: str) -> int | None:
    """The process holding the filing_summary lock, from its connection's application_name."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT DISTINCT a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND a.application_name LIKE 'burnblack-projector-%%'"
        ).fetchall()
    pids = {int(r[0].rsplit("-", 1)[1]) for r in rows}
    assert len(pids) <= 1, f"two active projectors: {pids}"
    return pids.pop() if pids else None


def lag(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT coalesce(max(notification_id), 0) FROM filings_events) - "
            "coalesce((SELECT position FROM projection_tracking WHERE name = 'filing_summary'), 0)"
        ).fetchone()
    return int(row[0]) if row else 0


def test_killing_the_active_projector_mid_batch_loses_and_repeats_nothing(
    platform: Platform,
) -> None:
    url = platform.env["DATABASE_URL"]
    standby = Process("projector-b", ["projector"], platform.env, platform.log_dir)
    standby.start()
    try:
        deadline = time.monotonic() + 20
        while (first := active_projector_pid(url)) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert first is not None
        app = wiring.filings_app(settings_for(platform.env))
        writer = threading.Thread(
            target=lambda: seed_filings(app, 1500, seed=99, batch=50), name="writer"
        )
        writer.start()
        # Kill the active projector while it is busy (events waiting, a batch in flight).
        deadline = time.monotonic() + 60
        while lag(url) < 100 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        deadline = time.monotonic() + 30
        while (second := active_projector_pid(url)) in (None, first):
            assert time.monotonic() < deadline, "no projector took over"
            time.sleep(0.1)
        takeover = time.monotonic() - killed_at
        writer.join()
        app.close()
        wait_quiet(platform.env)
        assert second != first
        print(f"standby took over {takeover:.1f}s after the kill")
        assert read_models_match_the_log(url) == []
    finally:
        standby.stop()
        platform.projector.stop()
        platform.projector.start()  # leave the module's platform as it was
