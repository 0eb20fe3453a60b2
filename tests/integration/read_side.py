"""An in-process API over the real PostgreSQL and Redis, with a read pool that counts queries,
and the real projector code run on demand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from litestar.testing import TestClient
from psycopg import AsyncCursor
from psycopg_pool import AsyncConnectionPool

from api.app import create_app
from burnblack.bootstrap import jobs, wiring
from burnblack.bootstrap.api import api_services
from burnblack.settings import Settings
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from domain.account import Role
from projections.projector.runner import LogRunner
from projections.reactors.computation import ComputationReactor
from projections.read_models.filings.follower import FilingSummaryFollower
from tests.taxpayer import PASSWORD, send_csrf_token

QUERIES: list[str] = []


class CountingCursor(AsyncCursor[Any]):
    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        QUERIES.append(str(query))
        return await super().execute(query, params, **kwargs)


@dataclass
class InProcess:
    settings: Settings
    client_factory: Any
    runner: LogRunner
    accounts: AccountsApplication
    filings: FilingsApplication

    def project(self) -> int:
        return self.runner.run_once()

    def user(self, role: Role = Role.TAXPAYER) -> tuple[httpx.Client, str]:
        email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.com"
        client = self.client_factory()
        send_csrf_token(client)
        r = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert r.status_code == 201, r.text
        uid = r.json()["id"]
        if role is not Role.TAXPAYER:
            from commands.context import CommandContext

            self.accounts.change_role(CommandContext("test-admin"), uuid.UUID(uid), role)
        r = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return client, uid


@contextmanager
def in_process(settings: Settings) -> Iterator[InProcess]:
    database_url, _ = settings.require_urls()
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        database_url,
        min_size=1,
        max_size=4,
        open=False,
        kwargs={"autocommit": True, "cursor_factory": CountingCursor},
    )
    services = api_services(settings, read_pool=pool)
    app = create_app(services)
    filings = services.filings
    client = wiring.redis_client(settings)
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, filings),
        [
            FilingSummaryFollower(
                wiring.cache_invalidator(client), wiring.read_model_seal(filings)
            ),
            ComputationReactor(jobs.JobQueues(jobs.queues(client)).compute_tax),
        ],
        batch_size=500,
    )
    with TestClient(app, base_url="http://testserver") as server:

        def client_factory() -> httpx.Client:
            # One app (one event loop, one pool) behind every user's own cookie jar.
            return httpx.Client(transport=server._transport, base_url="http://testserver")

        yield InProcess(settings, client_factory, runner, services.accounts, filings)
    filings.close()
    services.accounts.close()


@contextmanager
def counted() -> Iterator[list[str]]:
    start = len(QUERIES)
    seen: list[str] = []
    yield seen
    seen.extend(QUERIES[start:])
