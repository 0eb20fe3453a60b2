"""The long-running processes: API server, RQ worker, projector."""

from __future__ import annotations

import signal
from types import FrameType

import structlog
from granian.constants import Interfaces
from granian.server import Server

from burnblack import document_wiring, wiring
from burnblack.metrics import LagTracker, capacity, serve_metrics
from burnblack.settings import Settings
from projections.followers import ComputationReactor, FilingSummaryFollower
from projections.runner import LogRunner
from projections.schema import ensure_schema
from workers import runtime
from workers.worker import BurnblackWorker

log = structlog.get_logger(__name__)


def run_api(settings: Settings, host: str, port: int, workers: int) -> None:
    settings.require_urls()
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
    runtime.configure(lambda: wiring.filings_app(settings))
    runtime.configure_documents(lambda app: document_wiring.documents_service(settings, app))
    client = wiring.redis_client(settings)
    queues = wiring.queues(client)
    capacity().add_redis("worker", client)
    capacity().add_queues(queues)
    serve_metrics(settings.metrics_port, settings.metrics_host)
    # A SimpleWorker runs jobs in-process: our jobs are short and trusted, and a fork per job
    # costs more than the job (GUIDE.md). OCR runs tesseract in a child process anyway.
    # BurnblackWorker retries a dead worker's job within seconds, not RQ's ten minutes.
    worker = BurnblackWorker(
        [queues[n] for n in queue_names],
        connection=client,
        **document_wiring.worker_options(settings),
    )
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def run_projector(settings: Settings) -> None:
    database_url, _ = settings.require_urls()
    app = wiring.filings_app(settings)
    pool = wiring.pg_pool(settings, "projector")
    with pool.connection() as conn:
        ensure_schema(conn)
    pool.close()
    client = wiring.redis_client(settings)
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, app),
        [
            FilingSummaryFollower(wiring.cache_invalidator(client, settings.cache_ttl_seconds)),
            ComputationReactor(wiring.queues(client)["high"]),
            *document_wiring.document_followers(settings, wiring.queues(client)["default"]),
        ],
        batch_size=settings.projector_batch_size,
    )

    lag = _lag_tracker(database_url, app)
    capacity().add_redis("projector", client)
    capacity().set_lag_source(lag.latest)
    serve_metrics(settings.metrics_port, settings.metrics_host)
    lag.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("projector.stopping", signal=signum)
        lag.stop()
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("projector.started")
    runner.run()
    app.close()
    log.info("projector.stopped")


def _lag_tracker(database_url: str, app: object) -> LagTracker:
    """Samples the log head and the followers' positions on a connection of its own."""
    import psycopg

    from projections.status import follower_statuses

    conn: list[psycopg.Connection[object]] = []
    recorder = app.recorder  # type: ignore[attr-defined]

    def connection() -> psycopg.Connection[object]:
        if not conn or conn[0].closed:
            conn[:] = [psycopg.connect(database_url, autocommit=True)]
        return conn[0]

    def head() -> int:
        return int(recorder.max_notification_id() or 0)

    def positions() -> dict[str, int]:
        return {f.name: f.position for f in follower_statuses(connection(), 0)}

    return LagTracker(head, positions)
