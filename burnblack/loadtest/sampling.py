"""What a load test watches while it runs: locust's stats per second, the platform's own
/metrics, and the CPU of every process. Plain data out, for `report.py`."""

from __future__ import annotations

import contextlib
import os
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

KEEP = (
    "burnblack_db_pool_",
    "burnblack_redis_connections",
    "burnblack_read_cache_requests",
    "burnblack_rq_",
    "burnblack_projection_lag_",
)

Series = dict[str, float]  # "name{label=value,...}" -> value


def series_key(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={labels[k]}" for k in sorted(labels))
    return f"{name}{{{inner}}}"


def parse_key(key: str) -> tuple[str, dict[str, str]]:
    name, _, rest = key.partition("{")
    labels = dict(p.split("=", 1) for p in rest.rstrip("}").split(",") if "=" in p)
    return name, labels


_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> Series:
    """The samples of the metrics the report reads, from Prometheus' text format.

    Only lines of those metrics are parsed (a full parse of an API's /metrics every
    second cost the load generator more CPU than the users it drives)."""
    out: Series = {}
    for line in text.splitlines():
        if not line.startswith(KEEP):
            continue
        head, _, value = line.rpartition(" ")
        name, brace, rest = head.partition("{")
        labels = dict(_LABEL.findall(rest)) if brace else {}
        try:
            out[series_key(name.strip(), labels)] = float(value)
        except ValueError:
            continue
    return out


def scrape(url: str, timeout: float = 3.0) -> Series | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return parse_metrics(r.read().decode())
    except (OSError, ValueError):
        return None


def entry_snapshot(entry: Any) -> dict[str, Any]:
    """A locust StatsEntry as plain data (response times are {ms: count})."""
    return {
        "name": entry.name,
        "method": entry.method,
        "requests": int(entry.num_requests),
        "failures": int(entry.num_failures),
        "response_times": {int(k): int(v) for k, v in entry.response_times.items()},
        "total_ms": float(entry.total_response_time),
        "max_ms": float(entry.max_response_time or 0),
    }


def stats_snapshot(stats: Any) -> dict[str, Any]:
    return {
        "endpoints": [entry_snapshot(e) for e in stats.entries.values()],
        "errors": [
            {
                "method": e.method,
                "name": e.name,
                "error": str(e.error),
                "occurrences": int(e.occurrences),
            }
            for e in stats.errors.values()
        ],
    }


@dataclass
class StatsSampler:
    """Per-second windows of every endpoint: requests, failures and the response-time
    histogram of the window (differences of locust's cumulative numbers)."""

    points: list[dict[str, Any]] = field(default_factory=list)
    _previous: dict[tuple[str, str], tuple[int, int, dict[int, int]]] = field(default_factory=dict)

    def reset(self) -> None:
        self._previous = {}
        self.points = []

    def sample(self, stats: Any, t: float, users: int) -> dict[str, Any]:
        endpoints: dict[str, dict[str, Any]] = {}
        for key, entry in list(stats.entries.items()):
            requests, failures = int(entry.num_requests), int(entry.num_failures)
            times = dict(entry.response_times)
            before = self._previous.get(key, (0, 0, {}))
            if requests < before[0]:  # stats were reset
                before = (0, 0, {})
            window = {
                ms: n - before[2].get(ms, 0) for ms, n in times.items() if n > before[2].get(ms, 0)
            }
            self._previous[key] = (requests, failures, times)
            endpoints[f"{entry.method} {entry.name}" if entry.method else entry.name] = {
                "requests": requests - before[0],
                "failures": failures - before[1],
                "response_times": window,
            }
        point = {"t": round(t, 2), "users": users, "endpoints": endpoints}
        self.points.append(point)
        return point


@dataclass
class MetricsSampler:
    """Scrapes every process's /metrics; keeps each scrape (time, target, series)."""

    targets: dict[str, str]
    points: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0
    servers: Callable[[], Series] | None = None  # the servers' own numbers (own stack)

    def sample(self, t: float) -> None:
        scraped: dict[str, Series] = {}
        for name, url in self.targets.items():
            got = scrape(url)
            if got is None:
                self.failures += 1
            else:
                scraped[name] = got
        if self.servers is not None:
            try:
                scraped["servers"] = self.servers()
            except Exception:
                self.failures += 1
        self.points.append({"t": round(t, 2), "targets": scraped})


def server_sampler(database_url: str, redis_url: str) -> Callable[[], Series]:
    """Connections at PostgreSQL (this database, all, the limit) and Redis (clients): the
    servers are shared with whatever else runs on the machine, and their limits are too."""
    import psycopg
    import redis
    from psycopg.conninfo import conninfo_to_dict

    dbname = str(conninfo_to_dict(database_url).get("dbname", ""))
    # Connected now, before the load: at max_connections a new connection would be refused.
    held: dict[str, Any] = {
        "pg": psycopg.connect(database_url, autocommit=True, connect_timeout=3),
        "redis": redis.Redis.from_url(redis_url, socket_timeout=3),
    }

    def sample() -> Series:
        conn = held.get("pg")
        if conn is None or conn.closed:
            conn = held["pg"] = psycopg.connect(database_url, autocommit=True, connect_timeout=3)
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE datname = %s), count(*), "
            "current_setting('max_connections')::int FROM pg_stat_activity "
            "WHERE backend_type = 'client backend'",
            (dbname,),
        ).fetchone()
        client = held.get("redis")
        if client is None:
            client = held["redis"] = redis.Redis.from_url(redis_url, socket_timeout=3)
        info = client.info("clients")
        assert row is not None
        return {
            series_key("server_pg_connections", {"scope": "this database"}): float(row[0]),
            series_key("server_pg_connections", {"scope": "all databases"}): float(row[1]),
            series_key("server_pg_connections", {"scope": "max_connections"}): float(row[2]),
            series_key("server_redis_clients", {}): float(info.get("connected_clients", 0)),
        }

    return sample


_trees: dict[int, tuple[float, list[psutil.Process]]] = {}


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants (the tree is looked up every 10 s:
    finding children walks all of /proc)."""
    found = _trees.get(pid)
    if found is None or time.monotonic() - found[0] > 10:
        procs: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        found = (time.monotonic(), procs)
        _trees[pid] = found
    return _cpu_seconds(found[1])


def _cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            times = p.cpu_times()
            total += times.user + times.system
    return total


_named: dict[tuple[str, ...], tuple[float, list[psutil.Process]]] = {}


def _named_cpu(names: tuple[str, ...]) -> float:
    """CPU seconds of every process with one of these names (the list is refreshed every
    10 s: walking /proc every second costs more than reading a few processes)."""
    found = _named.get(names)
    if found is None or time.monotonic() - found[0] > 10:
        procs = []
        for p in psutil.process_iter(["name"]):
            with contextlib.suppress(psutil.Error):
                if p.info["name"] in names:
                    procs.append(p)
        found = (time.monotonic(), procs)
        _named[names] = found
    return _cpu_seconds(found[1])


@dataclass
class CpuSampler:
    """CPU per process (with its children: Granian's workers, nginx's) in % of one core;
    PostgreSQL and Redis are every process of that name on the machine."""

    pids: dict[str, int]
    points: list[dict[str, Any]] = field(default_factory=list)
    _last: tuple[float, dict[str, float]] | None = None

    def _read(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, pid in self.pids.items():
            out[name] = _tree_cpu(pid)
        # Itself only: the stack's processes are its children and are counted above.
        mine = psutil.Process(os.getpid()).cpu_times()
        out["load generator"] = mine.user + mine.system
        out["postgres (machine)"] = _named_cpu(("postgres", "postmaster"))
        out["redis (machine)"] = _named_cpu(("redis-server",))
        return out

    def sample(self, t: float) -> None:
        now, cpu = time.monotonic(), self._read()
        machine = psutil.cpu_percent(interval=None)
        if self._last is not None:
            then, before = self._last
            elapsed = max(1e-6, now - then)
            self.points.append(
                {
                    "t": round(t, 2),
                    "machine_percent": machine,
                    "process_percent": {
                        k: round(100 * max(0.0, v - before.get(k, v)) / elapsed, 1)
                        for k, v in cpu.items()
                    },
                }
            )
        self._last = (now, cpu)
