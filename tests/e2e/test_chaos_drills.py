"""Chaos drills: faults on servers and processes the test owns, healed with nobody stepping in.

Two API instances, a worker and a projector run on a private PostgreSQL and a private Redis
(tests/chaos.py); the drills kill and restart those, never the machine's servers. Each drill
prints how long the platform took to heal. docs/healing.md describes every fault.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from rq.job import Job

from burnblack.bootstrap import wiring
from commands.context import CommandContext
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from tests.chaos import (
    PrivatePostgres,
    PrivateRedis,
    WriteStream,
    alive,
    children,
    cmdline,
    kill,
    logged_in,
    missing_writes,
    needs_redis_server,
    private_servers,
    ready,
    wait_until,
)
from tests.documents.client import event_count
from tests.e2e.read_side_helpers import read_models_match_the_log, settings_for, wait_caught_up
from tests.processes import ROOT, TEST_SECURITY_ENV, Platform, free_port
from tests.taxpayer import Taxpayer, random_pan

pytestmark = [pytest.mark.e2e, needs_redis_server]

FAST_HEALING = {
    "BURNBLACK_RECONCILE_AFTER": "2",
    "BURNBLACK_RECONCILE_INTERVAL": "1",
    "BURNBLACK_RECONNECT_FIRST_DELAY": "0.2",
    "BURNBLACK_RECONNECT_MAX_DELAY": "2",
    # Read by the code before issue 13, which took every instance out when the projector
    # lagged this far; ignored since.
    "BURNBLACK_READY_MAX_PROJECTOR_LAG": "5",
}


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """Not pytest's tmp_path: other pytest sessions on this machine prune its numbered
    folders, and a PostgreSQL whose data folder vanishes cannot restart."""
    path = Path(tempfile.mkdtemp(prefix="bb-chaos-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def servers_(folder: Path) -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    with private_servers(folder) as s:
        yield s


@pytest.fixture(scope="module")
def platform(servers_: tuple[PrivatePostgres, PrivateRedis], folder: Path) -> Iterator[Platform]:
    pg, rd = servers_
    logs = folder / "logs"
    logs.mkdir()
    p = Platform(pg.url, rd.url, logs, api_count=2, env=FAST_HEALING)
    p.start()
    try:
        yield p
    finally:
        p.stop()


def _all_alive(platform: Platform) -> list[str]:
    return [p.name for p in platform.processes if p.proc is None or p.proc.poll() is not None]


def _pid(platform: Platform, name: str) -> int:
    proc = next(p for p in platform.processes if p.name == name).proc
    assert proc is not None
    return proc.pid


def _in_read_model(database_url: str, filing_id: uuid.UUID) -> bool:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM filing_summary WHERE filing_id = %s", (filing_id,))
        return row.fetchone() is not None


def test_readiness_ignores_a_stopped_projector_but_not_its_own_redis(
    platform: Platform, servers_: tuple[PrivatePostgres, PrivateRedis]
) -> None:
    _, rd = servers_
    me = Taxpayer(platform.url(0)).register_and_login()
    platform.projector.stop()
    try:
        for _ in range(4):  # 8 events the projector has not seen
            fid = me.start_filing("2026-27")["id"]
            r = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 500_000}})
            assert r.is_success, r.text
        for i in range(2):
            r = httpx.get(platform.url(i) + "/health/ready", timeout=5)
            assert r.status_code == 200, r.text
            assert set(r.json()["checks"]) == {"postgres", "redis", "security", "stream"}
        metrics = httpx.get(platform.url(0) + "/metrics", timeout=5).text
        lag = [
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith('burnblack_projector_lag_events{follower="filing_summary"}')
        ]
        assert lag and lag[0] >= 8, metrics[-2000:]

        rd.kill()  # this instance's Redis is down: it cannot serve
        took = wait_until(lambda: not ready(platform.url(0)), 10, "unready without Redis")
        print(f"unready {took:.1f}s after Redis went down")
        rd.start()
        took = wait_until(lambda: ready(platform.url(0)) and ready(platform.url(1)), 15, "ready")
        print(f"ready again {took:.1f}s after Redis came back (empty)")
    finally:
        platform.projector.start()
    wait_caught_up(platform.env["DATABASE_URL"], timeout=30)
    assert _all_alive(platform) == []


def test_redis_restarted_empty_while_a_computation_is_queued(
    platform: Platform, servers_: tuple[PrivatePostgres, PrivateRedis]
) -> None:
    """The job dies with Redis' data; worker and projector ride out the outage and the sweep
    re-enqueues the job, so the return still ends computed, once."""
    pg, rd = servers_
    me = Taxpayer(platform.url(0)).register_and_login()
    fid = me.start_filing("2026-27")["id"]
    v = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 1_500_000}}).json()
    stream = WriteStream([platform.url(0), platform.url(1)])
    stream.start()
    worker = _pid(platform, "worker")
    kill(worker, signal.SIGSTOP)  # the job must still be queued when Redis dies
    try:
        r = me.post(f"/api/v1/filings/{fid}/computations", v["version"])
        assert r.status_code == 202, r.text
        job_id = f"tax-{fid}-{r.json()['version']}"
        client = redis.Redis.from_url(rd.url)
        wait_until(lambda: Job.exists(job_id, connection=client), 20, "job enqueued")
        rd.kill()
    finally:
        kill(worker, signal.SIGCONT)  # it wakes up to a Redis that is gone
    # While Redis is away, writes that reach the log (here straight through the application)
    # still reach the read models: the reactor waits, the projection does not.
    app = wiring.filings_app(settings_for(platform.env))
    try:
        ctx = CommandContext(f"user-{uuid.uuid4()}")
        during = app.start_filing(ctx, random_pan(), "2026-27")
        income = IncomeDeclaration(age=40, salary=Salary(gross=2_000_000))
        v2 = app.declare_income(ctx, during.aggregate_id, during.version, income).version
        app.request_computation(ctx, during.aggregate_id, v2, dt.date.today())
        after = app.start_filing(ctx, random_pan(), "2026-27")  # behind the reactor's event
    finally:
        app.close()
    took = wait_until(lambda: _in_read_model(pg.url, after.aggregate_id), 5, "projected")
    print(f"read model updated {took:.1f}s after a write, Redis still down")
    time.sleep(max(0.0, 3 - took))
    rd.start()  # back, empty: the job and every session are gone
    back = time.monotonic()
    me = logged_in(platform.url(1), me.email)
    print(f"logged in {time.monotonic() - back:.1f}s after Redis came back empty")
    doc = me.wait_for(fid, lambda d: d["status"] == "computed", timeout=40)
    healed = time.monotonic() - back
    print(f"return computed {healed:.1f}s after Redis came back empty")
    assert doc["computation"]["new"]["total_tax"] > 0
    # The computation requested during the outage: enqueued by the reactor once it resumed.
    wait_until(lambda: event_count(pg.url, str(during.aggregate_id), "TaxComputed") == 1, 30, "c")
    wait_until(lambda: ready(platform.url(0)) and ready(platform.url(1)), 15, "ready")
    time.sleep(1)  # writes keep flowing once recovered
    recovered = time.monotonic()
    time.sleep(2)
    stream.stop()

    assert _all_alive(platform) == [], platform.logs()
    assert event_count(pg.url, fid, "TaxComputed") == 1
    assert "reconcile.reenqueued" in platform.projector.log_path.read_text(errors="replace")
    assert stream.server_errors_after(recovered) == []
    assert missing_writes(pg.url, stream.acknowledged) == []
    assert len(stream.acknowledged) > 0
    wait_caught_up(pg.url, timeout=30)
    assert read_models_match_the_log(pg.url) == []


def test_postgres_restart_gives_no_server_errors(
    platform: Platform, servers_: tuple[PrivatePostgres, PrivateRedis]
) -> None:
    pg, _ = servers_
    me = Taxpayer(platform.url(0)).register_and_login()
    fid = me.start_filing("2026-27")["id"]
    clients = [me.client, logged_in(platform.url(1), me.email).client]
    routes = [
        "/health/ready",
        "/api/v1/auth/me",
        f"/api/v1/filings/{fid}",
        "/api/v1/filings",
        f"/api/v1/filings/{fid}/documents",
        f"/api/v1/filings/{fid}/history",
    ]

    def sweep() -> list[tuple[str, int, float]]:
        answers = []
        for c in clients:
            for route in routes:
                started = time.monotonic()
                r = c.get(route, headers={"X-Min-Position": "0"})
                answers.append((route, r.status_code, time.monotonic() - started))
        return answers

    assert all(status == 200 for _, status, _ in sweep())  # every pool has connections now
    stream = WriteStream([platform.url(0), platform.url(1)])
    stream.start()
    time.sleep(1)
    pg.restart()
    took = wait_until(lambda: ready(platform.url(0)) and ready(platform.url(1)), 15, "ready")
    recovered = time.monotonic()
    print(f"both instances ready {took:.1f}s after PostgreSQL restarted")
    answers = []
    while time.monotonic() - recovered < 4:
        answers += sweep()
    stream.stop()
    errors = [a for a in answers if a[1] >= 500]
    assert errors == [], errors
    slowest = max(a[2] for a in answers)
    print(f"{len(answers)} reads after the restart, slowest {slowest:.2f}s, no 5xx")
    assert slowest < 5
    assert stream.server_errors_after(recovered) == []
    assert missing_writes(pg.url, stream.acknowledged) == []
    assert _all_alive(platform) == [], platform.logs()
    wait_caught_up(pg.url, timeout=30)
    assert read_models_match_the_log(pg.url) == []


def test_a_worker_killed_with_sigkill_takes_its_scheduler_with_it(platform: Platform) -> None:
    worker = _pid(platform, "worker")
    # RQ's scheduler is the worker's forked child (it takes the scheduler lock at start).
    wait_until(lambda: children(worker), 20, "the worker's scheduler child")
    scheduler = children(worker)[0]
    kill(worker)  # the worker alone, not its process group
    took = wait_until(lambda: not alive(scheduler), 10, "the scheduler exits with its worker")
    print(f"scheduler exited {took:.1f}s after its worker was killed")
    platform.worker.stop()
    platform.worker.start()


def test_burnblack_up_restarts_a_killed_child(
    servers_: tuple[PrivatePostgres, PrivateRedis], folder: Path
) -> None:
    pg, rd = servers_
    port = free_port()
    log = folder / "up.log"
    env = {
        **TEST_SECURITY_ENV,
        **FAST_HEALING,
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": pg.url,
        "REDIS_URL": rd.url,
        "PYTHONUNBUFFERED": "1",
    }
    env = {**os.environ, **env}
    up = subprocess.Popen(
        [sys.executable, "-m", "burnblack", "up", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        took = wait_until(lambda: ready(url), 60, "burnblack up ready")
        print(f"burnblack up ready in {took:.1f}s")

        def child(role: str) -> int | None:
            found = [c for c in children(up.pid) if f"burnblack {role}" in cmdline(c)]
            return found[0] if found else None

        for role in ("worker", "projector", "api"):
            first = child(role)
            assert first is not None, log.read_text()
            grandchildren = children(first)  # the RQ scheduler, the API's server worker
            kill(first)
            took = wait_until(
                lambda r=role, f=first: child(r) not in (None, f), 20, f"{role} restarted"
            )
            print(f"{role} restarted {took:.1f}s after kill -9")
            wait_until(
                lambda g=grandchildren: not any(alive(p) for p in g),
                10,
                f"the killed {role}'s children exit with it",
            )
        # The killed API's server worker died with it (it held the port): the new one serves.
        took = wait_until(lambda: ready(url), 30, "the restarted API serves")
        print(f"API serving again {took:.1f}s after its restart")
        assert up.poll() is None, log.read_text()
        text = log.read_text()
        assert "worker exited with -9" in text and "worker restarted" in text, text[-3000:]
    finally:
        os.killpg(up.pid, signal.SIGINT)  # Ctrl-C
        stopping = time.monotonic()
        code = up.wait(30)
        print(f"burnblack up stopped {time.monotonic() - stopping:.1f}s after Ctrl-C")
    assert code == 0, log.read_text()[-3000:]
