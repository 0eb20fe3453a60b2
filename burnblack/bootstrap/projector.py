"""The projector process's composition root: one event store (single-threaded), one Redis
client, the followers (read models, stream, reactors) and the periodic sweeps, run by one
`LogRunner`. The reactors enqueue through `JobQueues` (burnblack/bootstrap/jobs.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from types import FrameType

import structlog
from psycopg_pool import PoolTimeout

from burnblack import audit_keys, budget
from burnblack.bootstrap import jobs, wiring
from burnblack.metrics import LagTracker, capacity, serve_metrics
from burnblack.settings import Settings
from projections.eventlog.daily_seal import DailySeal
from projections.projector.backoff import RECONNECTABLE, Backoff
from projections.projector.runner import LogRunner
from projections.reactors.computation import ComputationReactor
from projections.reactors.documents import DocumentReactor
from projections.reactors.reconciliation import Reconciler
from projections.read_models.documents.projection import DocumentStatusFollower
from projections.read_models.filings.follower import FilingSummaryFollower
from projections.read_models.stream.projection import StreamFollower, StreamRetention
from projections.schema import ensure_schema

log = structlog.get_logger(__name__)

RECONNECTABLE_AT_START: tuple[type[BaseException], ...] = (*RECONNECTABLE, PoolTimeout)


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
    seal = wiring.read_model_seal(app)
    # One quick retry: the runner waits out longer outages without holding up the read models.
    client = wiring.redis_client(settings, retries=1)
    d = settings.documents
    enqueue = jobs.JobQueues(jobs.queues(client), d.job_timeout, d.retry_intervals)
    computations = ComputationReactor(enqueue.compute_tax)
    documents = DocumentReactor(enqueue.read_document)
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, app),
        [
            # First: every follower reads and decrypts the batch on its own, so the message
            # would otherwise wait for all the others' transactions (2x the latency under
            # load, benchmarks/stream.py). A client reads the change it is told of with
            # `?min_position=<the message's position>` (read-your-writes).
            StreamFollower(client),
            FilingSummaryFollower(
                wiring.cache_invalidator(client, settings.cache_ttl_seconds), seal
            ),
            computations,
            DocumentStatusFollower(seal),
            documents,
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
            *_daily_seal(settings, f"{app.name.lower()}_events"),
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


def _daily_seal(settings: Settings, table: str) -> list[DailySeal]:
    """The daily root, sealed by the projector (off with BURNBLACK_AUDIT_SEAL_INTERVAL=0).
    Without a signing key (production, not configured) the projections still run: the
    missing key is logged and `burnblack audit seal` remains the way to seal."""
    if settings.audit_seal_interval <= 0:
        return []
    try:
        key = audit_keys.signing_key(
            os.environ, settings.data_dir, settings.environment == "production"
        )
    except audit_keys.AuditKeyError as exc:
        log.warning("projector.no_daily_seal", error=str(exc))
        return []
    return [
        DailySeal(
            table,
            audit_keys.public_bytes(key.public_key()),
            key.sign,
            today=lambda: dt.datetime.now(dt.UTC).date(),  # the clock, read at the edge
            interval=settings.audit_seal_interval,
        )
    ]


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
