"""The long-running processes: API server, RQ worker, projector."""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

import structlog
from granian.constants import Interfaces
from granian.server import Server
from psycopg_pool import PoolTimeout

from burnblack import budget, document_wiring, wiring
from burnblack.metrics import LagTracker, capacity, serve_metrics
from burnblack.settings import Settings
from burnblack.supervisor import children_die_with_me
from projections.projector.backoff import RECONNECTABLE, Backoff
from projections.projector.runner import LogRunner
from projections.reactors.computation import ComputationReactor
from projections.reactors.documents import DocumentReactor
from projections.reactors.reconciliation import Reconciler
from projections.read_models.filings.follower import FilingSummaryFollower
from projections.read_models.stream.projection import StreamFollower, StreamRetention
from projections.schema import ensure_schema
from workers import runtime
from workers.worker import BurnblackWorker

log = structlog.get_logger(__name__)

RECONNECTABLE_AT_START: tuple[type[BaseException], ...] = (*RECONNECTABLE, PoolTimeout)


def run_api(settings: Settings, host: str, port: int, workers: int) -> None:
    settings.require_urls()
    wiring.check_connection_budget(settings)
    Server(
        "burnblack.asgi:create_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
    ).serve()


def run_worker(settings: Settings, queue_names: list[str], burst: bool = False) -> None:
    """Run an RQ worker until SIGTERM/SIGINT, whatever happens to Redis meanwhile.

    RQ's work loop quits on any Redis error (from its heartbeat or dequeue). Here a worker
    whose loop ended without being asked to stop is replaced by a fresh one (a new name and
    registration: the old one's keys may be gone with Redis' data) after an exponential
    backoff, so the process heals when Redis comes back."""
    wiring.check_connection_budget(settings)
    runtime.configure(lambda: wiring.filings_app(settings, budget.SINGLE_THREADED_EVENTSTORE))
    runtime.configure_documents(lambda app: document_wiring.documents_service(settings, app))
    # RQ's scheduler is a forked child: it must not outlive a worker killed with SIGKILL.
    children_die_with_me()
    client = wiring.redis_client(settings)
    queues = wiring.queues(client)
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
                **document_wiring.worker_options(settings),
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


def run_projector(settings: Settings) -> None:
    """Follow the log until SIGTERM/SIGINT; PostgreSQL or Redis going away (also at start-up)
    is waited out with backoff, never a reason to exit."""
    database_url, _ = settings.require_urls()
    stopping = threading.Event()
    runner: LogRunner | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("projector.stopping", signal=signum)
        stopping.set()
        if runner is not None:
            runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = Backoff(settings.reconnect_first_delay, settings.reconnect_max_delay)
    while not stopping.is_set():
        try:
            pool = wiring.pg_pool(settings, "projector")
            try:
                with pool.connection(timeout=10) as conn:
                    ensure_schema(conn)
            finally:
                pool.close()
            break
        except RECONNECTABLE_AT_START as exc:
            delay = backoff.next()
            log.warning("projector.waiting_for_postgres", error=str(exc), retry_in=round(delay))
            stopping.wait(delay)
    if stopping.is_set():
        return
    wiring.check_connection_budget(settings)
    app = wiring.filings_app(settings, budget.SINGLE_THREADED_EVENTSTORE)
    # One quick retry: the runner waits out longer outages without holding up the read models.
    client = wiring.redis_client(settings, retries=1)
    computations = ComputationReactor(wiring.queues(client)["high"])
    document_followers = document_wiring.document_followers(
        settings, wiring.queues(client)["default"]
    )
    documents = next(f for f in document_followers if isinstance(f, DocumentReactor))
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, app),
        [
            # First: every follower reads and decrypts the batch on its own, so the message
            # would otherwise wait for all the others' transactions (2x the latency under
            # load, benchmarks/stream.py). A client reads the change it is told of with
            # `?min_position=<the message's position>` (read-your-writes).
            StreamFollower(client),
            FilingSummaryFollower(wiring.cache_invalidator(client, settings.cache_ttl_seconds)),
            computations,
            *document_followers,
        ],
        batch_size=settings.projector_batch_size,
        periodic=[
            Reconciler(
                client,
                computations,
                documents,
                after=settings.reconcile_after,
                interval=settings.reconcile_interval,
            ),
            StreamRetention(settings.stream_retention_seconds),
        ],
        backoff=Backoff(settings.reconnect_first_delay, settings.reconnect_max_delay),
    )
    if stopping.is_set():
        return
    lag = _lag_tracker(database_url, app)
    capacity().add_redis("projector", client)
    capacity().set_lag_source(lag.latest)
    serve_metrics(settings.metrics_port, settings.metrics_host)
    lag.start()
    log.info("projector.started")
    try:
        runner.run()
    finally:
        lag.stop()
    app.close()
    log.info("projector.stopped")


def _lag_tracker(database_url: str, app: object) -> LagTracker:
    """Samples the log head and the followers' positions on a connection of its own."""
    import psycopg

    from projections.projector.status import follower_statuses

    conn: list[psycopg.Connection[object]] = []
    recorder = app.recorder  # type: ignore[attr-defined]

    def connection() -> psycopg.Connection[object]:
        if not conn or conn[0].closed:
            conn[:] = [psycopg.connect(database_url, autocommit=True)]
        return conn[0]

    def head() -> int:
        return int(recorder.max_notification_id() or 0)

    def counted(head: int) -> dict[str, tuple[int, int]]:
        return {f.name: (f.position, f.lag) for f in follower_statuses(connection(), head)}

    return LagTracker(head, dict, counted=counted)
