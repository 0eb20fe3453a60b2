"""Capacity metrics every process exports (the API at /metrics, the worker and projector on
`BURNBLACK_METRICS_PORT`): connection pools, Redis clients, RQ queues, projection lag.

They are read when scraped (a custom collector), not kept up to date on the hot path:
`psycopg_pool`'s `get_stats()` and redis-py's pool bookkeeping cost nothing until asked.

| metric | labels | meaning |
|---|---|---|
| `burnblack_db_pool_connections` | pool, state | `in_use`, `idle`, `max`, `waiting` |
| `burnblack_db_pool_utilisation` | pool | in use / max, 0..1, at the scrape |
| `burnblack_db_pool_usage_seconds_total` | pool | connection-seconds lent out (rate / max) |
| `burnblack_db_pool_wait_seconds_total` | pool | seconds requests waited for a connection |
| `burnblack_redis_connections` | client, state | `in_use`, `idle`, `max` |
| `burnblack_rq_queue_depth` | queue | jobs waiting |
| `burnblack_rq_oldest_job_age_seconds` | queue | how long the head of the queue has waited |
| `burnblack_projection_lag_events` | follower | log head minus the follower's position |
| `burnblack_projection_lag_seconds` | follower | age of the oldest event not yet handled |

Job wait and duration are histograms observed by the worker (`workers/worker.py`); cache
hits and misses are `burnblack_read_cache_requests_total` (`projections/cache/read_cache.py`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = structlog.get_logger(__name__)


class CapacityCollector(Collector):
    """Pools and clients registered by the composition root, read at scrape time."""

    def __init__(self) -> None:
        self._pools: dict[str, Any] = {}
        self._redis: dict[str, Any] = {}
        self._queues: dict[str, Any] = {}
        self._lag: Callable[[], dict[str, tuple[int, float]]] | None = None
        self._lock = threading.Lock()

    def add_pool(self, name: str, pool: Any) -> None:
        with self._lock:
            self._pools[name] = pool

    def add_redis(self, name: str, client: Any) -> None:
        with self._lock:
            self._redis[name] = client

    def add_queues(self, queues: dict[str, Any]) -> None:
        with self._lock:
            self._queues.update(queues)

    def set_lag_source(self, source: Callable[[], dict[str, tuple[int, float]]]) -> None:
        self._lag = source

    def describe(self) -> Iterable[Any]:
        return []  # collected lazily; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self._lock:
            pools = dict(self._pools)
            clients = dict(self._redis)
            queues = dict(self._queues)
        conns = GaugeMetricFamily(
            "burnblack_db_pool_connections",
            "PostgreSQL pool connections by state",
            labels=["pool", "state"],
        )
        util = GaugeMetricFamily(
            "burnblack_db_pool_utilisation",
            "PostgreSQL pool connections in use over the pool's maximum",
            labels=["pool"],
        )
        usage = CounterMetricFamily(
            "burnblack_db_pool_usage_seconds",
            "Connection-seconds the pool has lent out (rate / max = utilisation)",
            labels=["pool"],
        )
        waited = CounterMetricFamily(
            "burnblack_db_pool_wait_seconds",
            "Seconds requests have waited for a pool connection",
            labels=["pool"],
        )
        for name, pool in pools.items():
            stats = pool.get_stats()
            usage.add_metric([name], stats.get("usage_ms", 0) / 1000)
            waited.add_metric([name], stats.get("requests_wait_ms", 0) / 1000)
            in_use, idle, most, waiting = pool_numbers(pool)
            for state, value in (
                ("in_use", in_use),
                ("idle", idle),
                ("max", most),
                ("waiting", waiting),
            ):
                conns.add_metric([name, state], value)
            util.add_metric([name], in_use / most if most else 0.0)
        yield conns
        yield util
        yield usage
        yield waited
        redis_conns = GaugeMetricFamily(
            "burnblack_redis_connections",
            "Redis client pool connections by state",
            labels=["client", "state"],
        )
        for name, client in clients.items():
            pool = client.connection_pool
            in_use = len(getattr(pool, "_in_use_connections", ()))
            idle = len(getattr(pool, "_available_connections", ()))
            most = getattr(pool, "max_connections", 0) or 0
            redis_conns.add_metric([name, "in_use"], in_use)
            redis_conns.add_metric([name, "idle"], idle)
            redis_conns.add_metric([name, "max"], most)
        yield redis_conns
        if queues:
            depth = GaugeMetricFamily(
                "burnblack_rq_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"]
            )
            oldest = GaugeMetricFamily(
                "burnblack_rq_oldest_job_age_seconds",
                "How long the job at the head of an RQ queue has waited (0 when empty)",
                labels=["queue"],
            )
            for name, queue in queues.items():
                try:
                    depth.add_metric([name], queue.count)
                    oldest.add_metric([name], oldest_job_age(queue))
                except Exception:  # Redis down: the scrape still answers
                    continue
            yield depth
            yield oldest
        if self._lag is not None:
            events = GaugeMetricFamily(
                "burnblack_projection_lag_events",
                "Events in the log a follower has not handled yet",
                labels=["follower"],
            )
            seconds = GaugeMetricFamily(
                "burnblack_projection_lag_seconds",
                "How long the oldest event a follower has not handled has waited",
                labels=["follower"],
            )
            for follower, (lag, age) in self._lag().items():
                events.add_metric([follower], lag)
                seconds.add_metric([follower], age)
            yield events
            yield seconds


def oldest_job_age(queue: Any) -> float:
    """Seconds the job at the head of the queue has waited. A wait histogram observed when
    jobs start says nothing while no job starts (a worker busy with a long job)."""
    jobs = queue.get_jobs(0, 1)
    enqueued = jobs[0].enqueued_at if jobs else None
    if enqueued is None:
        return 0.0
    if enqueued.tzinfo is None:
        enqueued = enqueued.replace(tzinfo=dt.UTC)
    return max(0.0, float((dt.datetime.now(dt.UTC) - enqueued).total_seconds()))


def pool_numbers(pool: Any) -> tuple[int, int, int, int]:
    """(in use, idle, max, waiting) of a psycopg_pool pool (sync or async)."""
    stats = pool.get_stats()
    size = int(stats.get("pool_size", 0))
    idle = int(stats.get("pool_available", 0))
    most = int(stats.get("pool_max", getattr(pool, "max_size", 0)))
    return max(0, size - idle), idle, most, int(stats.get("requests_waiting", 0))


CAPACITY = CapacityCollector()
_registered = False
_register_lock = threading.Lock()


def capacity() -> CapacityCollector:
    """The process's collector, registered with prometheus_client's default registry once."""
    global _registered
    with _register_lock:
        if not _registered:
            REGISTRY.register(CAPACITY)
            _registered = True
    return CAPACITY


def serve_metrics(port: int | None, host: str = "127.0.0.1") -> None:
    """Expose this process's metrics over HTTP (worker, projector); no-op without a port."""
    if not port:
        return
    capacity()
    start_http_server(port, addr=host)
    log.info("metrics.serving", host=host, port=port)


@dataclass(eq=False)
class LagTracker:
    """Projection lag in events and seconds, sampled from the log head and follower positions.

    The seconds are measured, not read from event times (those are encrypted): the tracker
    remembers when it saw each head, and a follower's lag is the age of the first head it
    saw beyond the follower's position.
    """

    head: Callable[[], int]
    positions: Callable[[], dict[str, int]]
    interval: float = 0.25
    clock: Callable[[], float] = time.monotonic
    # Positions are not dense (docs/event-log.md): where `counted` is given, it gives each
    # follower's position and events behind the head in one read, instead of `positions`
    # and `head - position`.
    counted: Callable[[int], dict[str, tuple[int, int]]] | None = None
    _seen: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=4096), init=False)
    _latest: dict[str, tuple[int, float]] = field(default_factory=dict, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)

    def sample(self) -> dict[str, tuple[int, float]]:
        now = self.clock()
        head = self.head()
        if not self._seen or self._seen[-1][1] != head:
            self._seen.append((now, head))
        if self.counted is not None:
            both = self.counted(head)
            positions = {name: position for name, (position, _) in both.items()}
            counted = {name: lag for name, (_, lag) in both.items()}
        else:
            positions, counted = self.positions(), {}
        result: dict[str, tuple[int, float]] = {}
        for follower, position in positions.items():
            lag = counted.get(follower, max(0, head - position))
            waited = 0.0
            if lag:
                first = next((t for t, h in self._seen if h > position), now)
                waited = now - first
            result[follower] = (lag, waited)
        # Forget heads every follower has passed.
        slowest = min(positions.values(), default=head)
        while len(self._seen) > 1 and self._seen[1][1] <= slowest:
            self._seen.popleft()
        self._latest = result
        return result

    def latest(self) -> dict[str, tuple[int, float]]:
        return dict(self._latest)

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception as exc:  # the database is away: keep the last numbers
                log.debug("metrics.lag_sample_failed", error=str(exc))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="lag-tracker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
