"""The log runner while Redis is away: a follower that needs Redis waits and resumes, the
others go on, and committed batches' after-commit work is replayed in order afterwards."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import psycopg
import redis.exceptions

from burnblack import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from projections.projector.backoff import Backoff
from projections.projector.runner import AfterCommit, LogRunner
from projections.schema import ensure_schema
from tests.taxpayer import random_pan


class Outage:
    def __init__(self) -> None:
        self.down = True

    def check(self) -> None:
        if self.down:
            raise redis.exceptions.ConnectionError("Redis is down")


class Projection:
    """Needs no Redis to apply a batch; its after-commit work (an invalidation) does."""

    def __init__(self, name: str, outage: Outage) -> None:
        self.name = name
        self.outage = outage
        self.applied: list[int] = []
        self.after: list[int] = []

    def handle(self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]) -> AfterCommit:
        position = events[-1][0]
        self.applied.append(position)

        def after() -> None:
            self.outage.check()
            self.after.append(position)

        return after


class Reactor:
    """Needs Redis inside the batch (enqueueing): the batch rolls back while it is away."""

    def __init__(self, name: str, outage: Outage) -> None:
        self.name = name
        self.outage = outage
        self.enqueued: list[int] = []

    def handle(self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]) -> None:
        self.outage.check()
        self.enqueued += [p for p, _ in events]


def _wait(predicate: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_only_what_needs_redis_waits_and_nothing_is_lost(own_database: Settings) -> None:
    settings = own_database
    database_url, _ = settings.require_urls()
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_schema(conn)
    filings = wiring.filings_app(settings)
    outage = Outage()
    suffix = uuid.uuid4().hex[:6]
    projection = Projection(f"projection-{suffix}", outage)
    reactor = Reactor(f"reactor-{suffix}", outage)
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, filings),
        [projection, reactor],
        batch_size=1,
        idle_wait=0.05,
        backoff=Backoff(0.05, 0.1),
    )
    ctx = CommandContext(f"user-{uuid.uuid4()}")
    first = filings.start_filing(ctx, random_pan(), "2026-27").position
    thread = threading.Thread(target=runner.run)
    thread.start()
    try:
        # Starting a return appends more than one event (the filing, its PAN claim): wait
        # for the last of each command's events.
        _wait(lambda: first in projection.applied)
        second = filings.start_filing(ctx, random_pan(), "2026-27").position
        _wait(lambda: second in projection.applied)  # went on without Redis
        assert reactor.enqueued == [] and projection.after == []
        time.sleep(0.3)
        outage.down = False
        _wait(lambda: reactor.enqueued == projection.applied)
        _wait(lambda: projection.after == projection.applied)  # replayed, in order
        assert thread.is_alive()
    finally:
        runner.stop()
        thread.join(10)
        filings.close()
    applied = projection.applied
    assert applied == sorted(set(applied)) and applied[-1] == second  # each batch once
