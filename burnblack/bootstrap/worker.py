"""The worker process's composition root: one Redis client, the queues, and the `JobContext`
every job receives (its event store and documents service, built on first use)."""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

import redis
import structlog

from burnblack import budget
from burnblack.bootstrap import jobs, operations, wiring
from burnblack.metrics import capacity, serve_metrics
from burnblack.settings import Settings
from burnblack.supervisor import children_die_with_me
from projections.projector.backoff import RECONNECTABLE, Backoff
from workers.context import JobContext, Progress
from workers.worker import BurnblackWorker, job_class

log = structlog.get_logger(__name__)


def job_context(settings: Settings, client: redis.Redis) -> JobContext:
    """What this process's jobs get: a single-threaded event store (one job at a time), the
    documents service on it, and projection rebuilds (on the process's Redis client)."""

    def rebuild(name: str, progress: Progress) -> dict[str, Any]:
        report = operations.rebuild(settings, name, progress, client=client)
        return operations.report_dict(report)

    return JobContext(
        filings=lambda: wiring.filings_app(settings, budget.SINGLE_THREADED_EVENTSTORE),
        documents=lambda app: wiring.documents_service(settings, app),
        rebuild=rebuild,
    )


def worker_options(settings: Settings) -> dict[str, int]:
    d = settings.documents
    return {
        "abandon_grace": d.worker_abandon_grace,
        "maintenance_interval": d.worker_maintenance_interval,
        "dequeue_seconds": min(10, d.worker_maintenance_interval),
    }


def run_worker(settings: Settings, queue_names: list[str], burst: bool = False) -> None:
    """Run an RQ worker until SIGTERM/SIGINT, whatever happens to Redis meanwhile.

    RQ's work loop quits on any Redis error (from its heartbeat or dequeue). Here a worker
    whose loop ended without being asked to stop is replaced by a fresh one (a new name and
    registration: the old one's keys may be gone with Redis' data) after an exponential
    backoff, so the process heals when Redis comes back."""
    wiring.check_connection_budget(settings)
    # RQ's scheduler is a forked child: it must not outlive a worker killed with SIGKILL.
    children_die_with_me()
    client = wiring.redis_client(settings)
    context = job_context(settings, client)
    # The queues and the worker share the job class that hands jobs their context: RQ makes
    # job instances on dequeue and in its registries' clean-up (a dead worker's job).
    bound = job_class(context)
    queues = jobs.queues(client, bound)
    capacity().add_redis("worker", client)
    capacity().add_queues(queues)
    serve_metrics(settings.metrics_port, settings.metrics_host)
    backoff = Backoff(settings.reconnect_first_delay, settings.reconnect_max_delay)
    stopping = threading.Event()

    def stop_between_loops(signum: int, _frame: FrameType | None) -> None:
        log.info("worker.stopping", signal=signum)
        stopping.set()

    while not stopping.is_set():
        started = time.monotonic()
        worker: BurnblackWorker | None = None
        try:
            # A SimpleWorker runs jobs in-process: our jobs are short and trusted, and a fork
            # per job costs more than the job (GUIDE.md). OCR runs tesseract in a child
            # process anyway. BurnblackWorker retries a dead worker's job within seconds, not
            # RQ's ten minutes.
            worker = BurnblackWorker(
                [queues[n] for n in queue_names],
                connection=client,
                job_class=bound,
                **worker_options(settings),
            )
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except RECONNECTABLE as exc:
            log.warning("worker.redis_lost", error=f"{type(exc).__name__}: {exc}")
        if (worker is not None and worker.stop_requested) or burst:
            break
        # Signals between two work loops stop the process, not just the loop.
        signal.signal(signal.SIGTERM, stop_between_loops)
        signal.signal(signal.SIGINT, stop_between_loops)
        if time.monotonic() - started > 60:
            backoff.reset()
        delay = backoff.next()
        log.warning("worker.restarting_loop", in_seconds=round(delay, 2))
        stopping.wait(delay)
    log.info("worker.stopped")
