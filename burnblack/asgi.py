"""ASGI entry point for the API server (Granian imports this in each worker process)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from psycopg_pool import AsyncConnectionPool

from api.app import create_app as create_litestar_app
from api.document_services import DocumentApi
from api.security import services as security_services
from api.services import ApiServices
from burnblack import document_wiring, wiring
from burnblack.logs import configure_logging
from burnblack.metrics import capacity
from burnblack.settings import Settings
from burnblack.supervisor import die_with_parent
from commands.id_indexes import ensure_indexes
from projections.schema import ensure_schema


def create_app() -> Litestar:
    """Called by Granian in each of its worker processes."""
    # A server worker must not outlive its Granian main process: killed with SIGKILL, the
    # main cannot stop it, and the orphan would keep serving the port with the old code.
    die_with_parent()
    configure_logging()
    svc = api_services(Settings.from_env())
    app = create_litestar_app(svc)
    capacity().add_redis("security", app.state[security_services.STATE_KEY].redis)
    return app


def api_services(
    settings: Settings, read_pool: AsyncConnectionPool[Any] | None = None
) -> ApiServices:
    """Everything the API needs; tests may hand in their own read pool (e.g. to count queries)."""
    _, redis_url = settings.require_urls()
    filings = wiring.filings_app(settings)
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
    return ApiServices(
        filings=filings,
        accounts=accounts,
        reads=wiring.filing_reads(settings, async_pool, async_client),
        positions=wiring.position_waiter(async_client),
        pool=pool,
        async_pool=async_pool,
        redis=client,
        redis_url=redis_url,
        event_head=lambda: filings.recorder.max_notification_id() or 0,
        secure_cookies=settings.secure_cookies,
        session_max_age=settings.session_max_age,
        read_your_writes_timeout=settings.read_your_writes_timeout,
        security=settings.security,
        stream=settings.stream,
        documents=DocumentApi(
            service=document_wiring.documents_service(settings, filings),
            queries=document_wiring.document_queries(pool, client),
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
