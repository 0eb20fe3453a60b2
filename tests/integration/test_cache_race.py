"""The read-through cache never goes back in time: a miss that loaded a filing before the
projector committed a change, and stores after the projector invalidated the entry, must not
put the old version back (real PostgreSQL and Redis, the real projector code)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from projections.cache.read_cache import ReadCache
from projections.projector.runner import LogRunner
from projections.read_models.filings.follower import FilingSummaryFollower
from projections.read_models.filings.queries import FilingReads
from projections.redis_keys import MODEL_VERSION_KEY, filing_key
from projections.schema import ensure_schema
from tests.taxpayer import random_pan


class SlowPool(AsyncConnectionPool[Any]):
    """Hands back its connection only once `gate` is set: the load has read the row and is
    slow to return it (GC pause, busy event loop...)."""

    loaded: asyncio.Event
    gate: asyncio.Event

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[AsyncConnection[Any]]:  # type: ignore[override]
        async with super().connection(timeout) as conn:
            yield conn
        self.loaded.set()
        await self.gate.wait()


def test_a_slow_miss_never_stores_a_value_older_than_the_invalidation(
    app_settings: Settings,
) -> None:
    database_url, _ = app_settings.require_urls()
    filings = wiring.filings_app(app_settings)
    seal = wiring.read_model_seal(filings)
    pool = wiring.pg_pool(app_settings, "race")
    with pool.connection() as conn:
        ensure_schema(conn)
    pool.close()
    client = wiring.redis_client(app_settings)
    runner = LogRunner(
        database_url,
        wiring.event_log(app_settings, filings),
        [FilingSummaryFollower(wiring.cache_invalidator(client), seal)],
        batch_size=500,
    )
    owner = f"user-{uuid.uuid4()}"
    ctx = CommandContext(owner)
    started = filings.start_filing(ctx, random_pan(), "2026-27")
    runner.run_once()
    # The projector put the new filing in the cache; its entry expires (TTL), so the next
    # read misses and loads from the database.
    version = int(client.get(MODEL_VERSION_KEY) or 1)  # type: ignore[arg-type]
    client.delete(filing_key(version, owner, started.aggregate_id))

    async def race() -> tuple[int | None, int | None]:
        slow = SlowPool(database_url, min_size=1, max_size=2, open=False)
        fast = AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False)
        await slow.open()
        await fast.open()
        slow.loaded, slow.gate = asyncio.Event(), asyncio.Event()
        redis = wiring.async_redis_client(app_settings)
        try:
            slow_reads = FilingReads(slow, ReadCache(redis), seal)
            reads = FilingReads(fast, ReadCache(redis), seal)
            miss = asyncio.create_task(slow_reads.summary(owner, started.aggregate_id))
            # it has read version 1 and not stored it yet (a hit would never get here)
            await asyncio.wait_for(slow.loaded.wait(), 60)
            income = IncomeDeclaration(age=35, salary=Salary(gross=1_200_000))
            await asyncio.to_thread(
                filings.declare_income, ctx, started.aggregate_id, started.version, income
            )
            await asyncio.to_thread(runner.run_once)  # commit + invalidation
            slow.gate.set()
            late = await miss
            fresh = await reads.summary(owner, started.aggregate_id)
            return (late.version if late else None, fresh.version if fresh else None)
        finally:
            await redis.aclose()
            await slow.close()
            await fast.close()

    try:
        late, fresh = asyncio.run(race())
    finally:
        filings.close()
        client.close()
    assert late == started.version  # the slow reader answered what it read...
    assert fresh == started.version + 1  # ...but did not put it back over the newer one
