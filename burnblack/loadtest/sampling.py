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


# How often the process lists are looked up again (a chaos restart makes new processes):
# each look-up reads every /proc/<pid>/stat of the machine, which cost the load generator
# more than reading its few processes' times every second (about 10 % of its CPU when done
# every 10 s, once per process tree and once per name).
RESCAN_SECONDS = 30.0


@dataclass
class _Scan:
    at: float
    children: dict[int, list[int]]  # ppid -> pids
    by_name: dict[str, list[int]]


_scan: _Scan | None = None
_procs: dict[int, psutil.Process] = {}


def _machine_scan(force: bool = False) -> _Scan:
    """Every process's parent and name, from one walk of /proc (kept RESCAN_SECONDS)."""
    global _scan
    if _scan is None or force or time.monotonic() - _scan.at > RESCAN_SECONDS:
        children: dict[int, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        for p in psutil.process_iter(["name", "ppid"]):
            children.setdefault(p.info["ppid"] or 0, []).append(p.pid)
            by_name.setdefault(p.info["name"] or "", []).append(p.pid)
            _procs.setdefault(p.pid, p)
        _scan = _Scan(time.monotonic(), children, by_name)
    return _scan


def _process(pid: int) -> psutil.Process | None:
    found = _procs.get(pid)
    if found is None:
        with contextlib.suppress(psutil.Error):
            found = _procs[pid] = psutil.Process(pid)
    return found


def _tree_pids(pid: int) -> list[int]:
    children = _machine_scan().children
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each of these processes that still runs."""
    out: dict[int, float] = {}
    for pid in pids:
        proc = _process(pid)
        if proc is None:
            continue
        try:
            times = proc.cpu_times()
        except psutil.Error:
            _procs.pop(pid, None)
            continue
        out[pid] = times.user + times.system
    return out


def _tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of a process and its descendants, per process."""
    return _cpu_of(_tree_pids(pid))


def _named_cpu(names: tuple[str, ...]) -> dict[int, float]:
    """CPU seconds of every process with one of these names, per process."""
    by_name = _machine_scan().by_name
    return _cpu_of([pid for n in names for pid in by_name.get(n, ())])


@dataclass
class CpuSampler:
    """CPU per process (with its children: Granian's workers, nginx's) in % of one core;
    PostgreSQL and Redis are every process of that name on the machine, and, when
    `database_pids` is given (the own stack), PostgreSQL's processes serving the stack's
    database alone: on a shared machine the machine's PostgreSQL line mostly measures
    whatever else runs.

    Differences are taken per process, so a process that ends between two samples (a
    connection closed) takes none of the others' CPU with it."""

    pids: dict[str, int]
    database_pids: Callable[[], list[int]] | None = None
    points: list[dict[str, Any]] = field(default_factory=list)
    _last: tuple[float, dict[str, dict[int, float]]] | None = None
    _backends: tuple[float, list[int]] = (0.0, [])

    def _database_backends(self) -> list[int]:
        if self.database_pids is None:
            return []
        at, pids = self._backends
        if time.monotonic() - at > 5:
            with contextlib.suppress(Exception):
                pids = self.database_pids()
            self._backends = (time.monotonic(), pids)
        return pids

    def _read(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, pid in self.pids.items():
            out[name] = _tree_cpu(pid)
        # Itself only: the stack's processes are its children and are counted above.
        mine = psutil.Process(os.getpid()).cpu_times()
        out["load generator"] = {os.getpid(): mine.user + mine.system}
        out["postgres (machine)"] = _named_cpu(("postgres", "postmaster"))
        out["redis (machine)"] = _named_cpu(("redis-server",))
        if self.database_pids is not None:
            out["postgres (this database)"] = _cpu_of(self._database_backends())
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
                        k: round(100 * _grown(before.get(k, {}), v) / elapsed, 1)
                        for k, v in cpu.items()
                    },
                }
            )
        self._last = (now, cpu)


def _grown(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds used between two readings by the processes present in both."""
    return sum(max(0.0, v - before[pid]) for pid, v in now.items() if pid in before)


def database_backends(database_url: str) -> Callable[[], list[int]]:
    """The PostgreSQL processes serving one database (client backends, autovacuum): their
    pids from pg_stat_activity, on a connection of its own."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    dbname = str(conninfo_to_dict(database_url).get("dbname", ""))
    held: dict[str, Any] = {}

    def pids() -> list[int]:
        conn = held.get("pg")
        if conn is None or conn.closed:
            conn = held["pg"] = psycopg.connect(database_url, autocommit=True, connect_timeout=3)
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (dbname,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    return pids
