"""The stream under 1,000 open sockets (issue 18), on real processes: two API instances (Granian,
one worker each), a projector and a worker. Commands go through instance A; every socket is
on instance B, so each message crosses the projector and Redis.

1. Latency from a command's commit to its message on the sockets, p95 over every delivery:
   measured from the moment the command's HTTP answer arrives (the commit happened before it
   was sent: the figure is, if anything, a little low); the same-run baseline is the
   command's own round trip (p95). Target: p95 < 50 ms. The request-to-message p95 (an
   upper bound of commit-to-message) is printed too.
2. Memory per idle socket: instance B's resident memory (Granian's processes) with 1,000
   sockets open and idle, less before they opened, over 1,000; the same-run baseline is the
   same measure on a bare Litestar WebSocket under the same Granian that only accepts and
   waits (benchmarks/_bare_ws.py). No target in the issue; ours is at most 2x the bare one.
3. Sockets open on B, read from its /metrics (burnblack_stream_sockets): 1,000.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

from benchmarks._report import emit
from tests.processes import ROOT, Platform, free_port
from tests.servers import test_servers
from tests.stream_client import cookie_header, ws_url
from tests.taxpayer import Taxpayer

SOCKETS = int(os.environ.get("BENCH_STREAM_SOCKETS", "1000"))
USERS = int(os.environ.get("BENCH_STREAM_USERS", "50"))
WRITES = int(os.environ.get("BENCH_STREAM_WRITES", "200"))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def rss(pid: int) -> int:
    """Resident bytes of a process and its children (Granian's main and its worker)."""
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])


def open_sockets_gauge(url: str) -> float:
    text = httpx.get(url + "/metrics", timeout=30).text
    found = re.findall(r"^burnblack_stream_sockets(?:\{[^}]*\})? ([\d.e+]+)$", text, re.M)
    return sum(float(v) for v in found)


async def bare_socket_kb() -> float:
    """Memory per idle socket of a Litestar WebSocket that does nothing, same Granian."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--port",
            str(port),
            "benchmarks._bare_ws:create_app",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"ws://127.0.0.1:{port}/ws"
        for _ in range(300):
            try:
                await (await connect(url)).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        before = rss(server.pid)
        opened: list[ClientConnection] = []
        for start in range(0, SOCKETS, 50):
            n = min(SOCKETS, start + 50) - start
            opened += await asyncio.gather(*(connect(url) for _ in range(n)))
        await asyncio.sleep(2)
        after = rss(server.pid)
        for ws in opened:
            await ws.close()
        return (after - before) / SOCKETS / 1024
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


class Sockets:
    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.waiting: dict[int, asyncio.Event] = {}
        self.per_user: dict[int, int] = {}
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, url: str, person: Taxpayer, user: int) -> ClientConnection:
        ws = await connect(ws_url(url), additional_headers=cookie_header(person.client), origin=url)
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        self.per_user[user] = self.per_user.get(user, 0) + 1
        self.tasks.append(asyncio.create_task(self._read(ws)))
        return ws

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            now = time.perf_counter()
            m = json.loads(raw)
            if m["type"] == "ping":
                await ws.send('{"type":"pong"}')
                continue
            position = int(m["position"])
            self.arrivals.setdefault(position, []).append(now)
            event = self.waiting.get(position)
            if event is not None:
                event.set()

    async def delivered(self, position: int, count: int, timeout: float = 10) -> list[float]:
        deadline = time.monotonic() + timeout
        while len(self.arrivals.get(position, [])) < count:
            event = self.waiting.setdefault(position, asyncio.Event())
            event.clear()
            if len(self.arrivals.get(position, [])) >= count:
                break
            try:
                await asyncio.wait_for(event.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                got = len(self.arrivals.get(position, []))
                raise RuntimeError(f"position {position}: {got} of {count} sockets") from None
        return self.arrivals[position]


async def measure(platform: Platform, people: list[list[object]]) -> None:
    a, b = platform.url(0), platform.url(1)
    api_b = platform.apis[1].proc
    assert api_b is not None
    before = rss(api_b.pid)
    sockets = Sockets()
    opened: list[ClientConnection] = []
    for start in range(0, SOCKETS, 50):
        batch = range(start, min(SOCKETS, start + 50))
        opened += await asyncio.gather(
            *(sockets.open(b, people[i % USERS][0], i % USERS) for i in batch)  # type: ignore[arg-type]
        )
    await asyncio.sleep(2)  # idle: whatever a new socket allocates lazily is allocated
    after = rss(api_b.pid)
    emit("stream", "open_sockets", open_sockets_gauge(b), float(SOCKETS), target=1.0)
    bare = await bare_socket_kb()
    emit("stream", "memory_per_idle_socket_kb", (after - before) / SOCKETS / 1024, bare, 2.0)

    commit_to_message: list[float] = []
    request_to_message: list[float] = []
    round_trips: list[float] = []
    for k in range(WRITES):
        user = k % USERS
        person = people[user]
        tp, fid, version = person[0], person[1], person[2]
        assert isinstance(tp, Taxpayer) and isinstance(version, int)
        sent = time.perf_counter()
        r = await asyncio.to_thread(
            tp.put, f"{a}/api/v1/filings/{fid}/income", version, {"salary": {"gross": 500_000 + k}}
        )
        answered = time.perf_counter()
        assert r.status_code == 200, r.text
        person[2] = r.json()["version"]
        round_trips.append(answered - sent)
        arrivals = await sockets.delivered(r.json()["position"], sockets.per_user[user])
        commit_to_message += [max(0.0, t - answered) for t in arrivals]
        request_to_message += [t - sent for t in arrivals]
    emit(
        "stream",
        "commit_to_message_p95_ms",
        p95(commit_to_message) * 1000,
        p95(round_trips) * 1000,
        target=50,
    )
    emit(
        "stream",
        "request_to_message_p95_ms",
        p95(request_to_message) * 1000,
        p95(round_trips) * 1000,
        target=50,
    )
    for ws in opened:
        await ws.close()
    for task in sockets.tasks:
        task.cancel()


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with test_servers() as servers, tempfile.TemporaryDirectory() as logs:
        platform = Platform(
            servers.database_url,
            servers.redis_url,
            Path(logs),
            api_count=2,
            env={"BURNBLACK_STREAM_MAX_PER_USER": str(SOCKETS)},
        )
        platform.start()
        try:
            people: list[list[object]] = []
            for _ in range(USERS):
                tp = Taxpayer(platform.url(0)).register_and_login()
                f = tp.start_filing()
                people.append([tp, f["id"], f["version"]])
            asyncio.run(measure(platform, people))
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
