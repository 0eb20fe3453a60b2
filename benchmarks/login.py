"""Logins per second through a real API process (Granian, one worker), against the bare
argon2 verification the login is built around, in the same run and with the same
concurrency (issue 16).

A login is one argon2id verification (about 0.1 s of a core) plus a lockout check, a
session written to Redis and the cookies: the ratio says what the request costs beyond the
hash. Target: >= 0.8 of the bare hash rate.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from benchmarks._report import emit, in_threads
from tests.processes import Platform
from tests.servers import test_servers
from tests.taxpayer import PASSWORD

SECONDS = float(os.environ.get("BENCH_LOGIN_SECONDS", "6"))
THREADS = int(os.environ.get("BENCH_LOGIN_THREADS", "4"))


def rate(work: Callable[[int], None], seconds: float = SECONDS, threads: int = THREADS) -> float:
    """Calls per second of `work(i)` from `threads` threads for `seconds`."""
    started = time.perf_counter()
    calls = in_threads(work, threads, seconds)
    return calls / (time.perf_counter() - started)


def main() -> None:
    hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
    stored = hasher.hash(PASSWORD)
    with test_servers() as servers, tempfile.TemporaryDirectory() as logs:
        platform = Platform(servers.database_url, servers.redis_url, Path(logs))
        platform.start()
        try:
            emails = [f"bench-login-{i}@example.com" for i in range(THREADS)]
            clients = [httpx.Client(base_url=platform.url(), timeout=30) for _ in emails]
            for client, email in zip(clients, emails, strict=True):
                r = client.post(
                    "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
                )
                assert r.status_code == 201, r.text

            def login(i: int) -> None:
                clients[i].cookies.clear()  # a new browser each time: no session, no CSRF
                r = clients[i].post(
                    "/api/v1/auth/login", json={"email": emails[i], "password": PASSWORD}
                )
                assert r.status_code == 200, r.text

            login(0)  # warm up
            logins = rate(login)
            bare = rate(lambda _i: hasher.verify(stored, PASSWORD))
            emit("login", "logins_per_second", logins, bare, target=0.8)
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
