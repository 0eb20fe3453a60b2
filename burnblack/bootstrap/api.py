"""The API process's composition root: `run_api` starts Granian, which calls `create_app` in
each of its worker processes; that builds the process's clients, pools and services once
and hands them to the Litestar app, which injects them into handlers (api/dependencies.py).
"""

from __future__ import annotations

from typing import Any

from granian.constants import HTTPModes, Interfaces, Loops
from granian.server import Server
from litestar import Litestar
from psycopg_pool import AsyncConnectionPool

from api.app import create_app as create_litestar_app
from api.document_services import DocumentApi
from api.services import ApiServices
from burnblack.bootstrap import jobs, wiring
from burnblack.logs import configure_logging
from burnblack.metrics import capacity
from burnblack.settings import Settings
from burnblack.supervisor import die_with_parent
from commands.id_indexes import ensure_indexes
from commands.inspection import FilingInspection
from projections.erasure import ReadModelEraser
from projections.eventlog.chain_queries import ChainQueries
from projections.filing_history import FilingHistories
from projections.projector.status import OperationsQueries
from projections.schema import ensure_schema

APP_FACTORY = "burnblack.bootstrap.api:create_app"


def run_api(settings: Settings, host: str, port: int, workers: int) -> None:
    settings.require_urls()
    wiring.check_connection_budget(settings)
    Server(
        APP_FACTORY,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        # HTTP/1.1 only: nginx speaks it to its upstreams and browsers reach the API through
        # it; `auto` sniffs every new connection for an HTTP/2 preface. WebSockets stay on
        # (the stream, api/stream/socket.py).
        http=HTTPModes.http1,
        loop=Loops.uvloop,  # what `auto` picked; named so that a missing uvloop fails here
        # task_impl stays asyncio: Granian's Rust tasks (Python < 3.12) answered 500 on the
        # first sync handler here (anyio's worker threads need asyncio's current task).
        log_access=False,
        respawn_failed_workers=True,
    ).serve()


def create_app() -> Litestar:
    """Called by Granian in each of its worker processes."""
    # A server worker must not outlive its Granian main process: killed with SIGKILL, the
    # main cannot stop it, and the orphan would keep serving the port with the old code.
    die_with_parent()
    configure_logging()
    return create_litestar_app(api_services(Settings.from_env()))


def api_services(
    settings: Settings, read_pool: AsyncConnectionPool[Any] | None = None
) -> ApiServices:
    """Everything the API needs; tests may hand in their own read pool (e.g. to count queries).

    Per process: two event stores (filings, accounts), one sync pool (the sync handlers:
    health, documents, operations, erasure), one async read pool, one sync Redis client (the
    sync handlers, the rebuild queue) and one asyncio Redis client (everything async). The
    stream's pub/sub reader has a client of its own (api/stream/backend.py: no retries, so
    that a lost connection is noticed and re-subscribed) and `limits` keeps its storage's.
    """
    _, redis_url = settings.require_urls()
    filings = wiring.filings_app(settings)
    seal = wiring.read_model_seal(filings)
    accounts = wiring.accounts_app(settings)
    # Stores written before the blind indexes get them before the first request is served.
    ensure_indexes(filings, accounts)
    pool = wiring.pg_pool(settings, "api")
    with pool.connection() as conn:
        ensure_schema(conn)
    client = wiring.redis_client(settings)
    async_client = wiring.async_redis_client(settings)
    async_pool = read_pool or wiring.async_pg_pool(settings, "api-reads")
    _export_capacity(filings, accounts, pool, async_pool, client, async_client)

    def event_head() -> int:
        return filings.recorder.max_notification_id() or 0

    return ApiServices(
        filings=filings,
        accounts=accounts,
        reads=wiring.filing_reads(settings, async_pool, async_client, seal),
        positions=wiring.position_waiter(async_client),
        pool=pool,
        async_pool=async_pool,
        redis=client,
        async_redis=async_client,
        redis_url=redis_url,
        event_head=event_head,
        inspection=FilingInspection(filings),
        histories=FilingHistories(filings),
        operations=OperationsQueries(pool, event_head),
        rebuilds=jobs.JobQueues(jobs.queues(client)),
        chains=ChainQueries(pool, wiring.events_table(filings)),
        eraser=ReadModelEraser(pool, client),
        read_your_writes_timeout=settings.read_your_writes_timeout,
        security=settings.security,
        stream=settings.stream,
        documents=DocumentApi(
            service=wiring.documents_service(settings, filings),
            queries=wiring.document_queries(pool, client, seal),
            max_upload_bytes=settings.documents.max_upload_bytes,
        ),
    )


def _export_capacity(*parts: Any) -> None:
    """Pools and Redis clients into /metrics (burnblack/metrics.py), read when scraped."""
    filings, accounts, pool, async_pool, client, async_client = parts
    metrics = capacity()
    metrics.add_pool("api", pool)
    metrics.add_pool("api-reads", async_pool)
    for name, application in (("events-filings", filings), ("events-accounts", accounts)):
        events_pool = getattr(getattr(application.recorder, "datastore", None), "pool", None)
        if events_pool is not None:
            metrics.add_pool(name, events_pool)
    metrics.add_redis("api", client)
    metrics.add_redis("api-async", async_client)
