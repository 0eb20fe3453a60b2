"""ASGI entry point for the API server (Granian imports this in each worker process)."""

from __future__ import annotations

from litestar import Litestar

from api.app import create_app as create_litestar_app
from api.services import ApiServices
from burnblack import wiring
from burnblack.logs import configure_logging
from burnblack.settings import Settings
from projections.schema import ensure_schema


def create_app() -> Litestar:
    settings = Settings.from_env()
    configure_logging()
    _, redis_url = settings.require_urls()
    filings = wiring.filings_app(settings)
    accounts = wiring.accounts_app(settings)
    pool = wiring.pg_pool(settings, "api")
    with pool.connection() as conn:
        ensure_schema(conn)
    client = wiring.redis_client(settings)
    cache = wiring.read_cache(settings, client)
    services = ApiServices(
        filings=filings,
        accounts=accounts,
        queries=wiring.filing_queries(pool, cache),
        projection_status=wiring.projection_status(pool),
        pool=pool,
        redis=client,
        redis_url=redis_url,
        event_head=lambda: filings.recorder.max_notification_id() or 0,
        secure_cookies=settings.secure_cookies,
        session_max_age=settings.session_max_age,
        ready_max_projector_lag=settings.ready_max_projector_lag,
    )
    return create_litestar_app(services)
