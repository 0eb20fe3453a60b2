"""What a round of the log runner costs: followers at one position share one read of the
log, a follower with nothing new opens no transaction, and the followers' transactions
commit asynchronously (derived rows, redone from the durable log after a crash)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from projections.eventlog.reader import EventSource
from projections.projector import tracking
from projections.projector.runner import LogRunner
from projections.schema import ensure_schema
from tests.taxpayer import random_pan


class CountingSource:
    """The event log, counting the reads that reach the database."""

    def __init__(self, inner: EventSource) -> None:
        self._inner = inner
        self.channel = inner.channel
        self.reads: list[int] = []

    def read(self, after: int, limit: int, until: int | None = None) -> list[tuple[int, Any]]:
        self.reads.append(after)
        return self._inner.read(after, limit, until)

    def max_position(self) -> int:
        return self._inner.max_position()

    def held_back(self) -> bool:
        return self._inner.held_back()

    def settle(self, timeout: float = 5.0) -> bool:
        return self._inner.settle(timeout)

    def partition(self, index: int, count: int) -> EventSource:
        return self._inner.partition(index, count)


class Recording:
    """A follower that records its batches and the commit mode of its transaction."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.batches: list[list[int]] = []
        self.commit_modes: list[str] = []

    def handle(self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]) -> None:
        self.batches.append([p for p, _ in events])
        row = conn.execute("SHOW synchronous_commit").fetchone()
        self.commit_modes.append(str(row[0]) if row else "")


def test_one_read_per_position_and_no_transaction_without_news(own_database: Settings) -> None:
    settings = own_database
    database_url, _ = settings.require_urls()
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_schema(conn)
    filings = wiring.filings_app(settings)
    try:
        suffix = uuid.uuid4().hex[:6]
        followers = [Recording(f"{n}-{suffix}") for n in ("a", "b", "c")]
        source = CountingSource(wiring.event_log(settings, filings))
        runner = LogRunner(database_url, source, list(followers), batch_size=1000)
        ctx = CommandContext(f"user-{uuid.uuid4()}")
        filings.start_filing(ctx, random_pan(), "2026-27")

        assert runner.run_once() > 0
        # Three followers at position 0: one read (a short batch is the end of the log).
        assert len(source.reads) == 1
        first = list(followers[0].batches)
        assert first and all(f.batches == first for f in followers)
        assert {m for f in followers for m in f.commit_modes} == {"off"}

        with psycopg.connect(database_url, autocommit=True) as conn:
            marks = _row_marks(conn, followers)
            assert runner.run_once() == 0
            # Nothing new: one read for all three, and no follower's row locked (a batch's
            # transaction locks it FOR UPDATE, which marks the row with its transaction).
            assert len(source.reads) == 2
            assert _row_marks(conn, followers) == marks

        # A position moved by someone else (a rebuild catching the live table up) is taken
        # as found: the follower goes on from there, nothing applied twice.
        filings.start_filing(ctx, random_pan(), "2026-27")
        assert source.settle()
        second = source.max_position()  # the last of the command's events
        with psycopg.connect(database_url, autocommit=True) as conn:
            tracking.advance(conn, followers[1].name, second)
        assert runner.run_once() > 0
        assert followers[0].batches[-1][-1] == second
        assert followers[1].batches == first  # nothing after `second`, nothing again
        seen = [p for b in followers[2].batches for p in b]
        assert seen == sorted(set(seen)) and seen[-1] == second
    finally:
        filings.close()


def _row_marks(conn: psycopg.Connection[Any], followers: list[Recording]) -> list[Any]:
    """The followers' tracking rows' xmin and xmax: a row lock or an update changes them."""
    return conn.execute(
        "SELECT name, xmin::text, xmax::text FROM projection_tracking "
        "WHERE name = ANY(%s) ORDER BY name",
        ([f.name for f in followers],),
    ).fetchall()


class Choosy(Recording):
    """Wants only the events of one class: the runner skips batches without one."""

    def __init__(self, name: str, wanted: str) -> None:
        super().__init__(name)
        self.wanted = wanted

    def wants(self, event: Any) -> bool:
        return bool(event.name == self.wanted)


def test_batches_a_follower_wants_nothing_of_cost_it_no_transaction(
    own_database: Settings,
) -> None:
    settings = own_database
    database_url, _ = settings.require_urls()
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_schema(conn)
    filings = wiring.filings_app(settings)
    try:
        suffix = uuid.uuid4().hex[:6]
        never = Choosy(f"never-{suffix}", "NoSuchEvent")
        incomes = Choosy(f"incomes-{suffix}", "IncomeDeclared")
        source = CountingSource(wiring.event_log(settings, filings))
        runner = LogRunner(database_url, source, [never, incomes], batch_size=1000)
        ctx = CommandContext(f"user-{uuid.uuid4()}")
        fid = filings.start_filing(ctx, random_pan(), "2026-27").aggregate_id

        assert runner.run_once() > 0
        assert never.batches == [] and incomes.batches == []
        head = source.max_position()
        with psycopg.connect(database_url, autocommit=True) as conn:
            # Both moved past the batch, in the table too (one statement for both).
            assert tracking.positions(conn)[never.name] == head
            assert tracking.positions(conn)[incomes.name] == head

        filings.declare_income(ctx, fid, 1, IncomeDeclaration(salary=Salary(gross=100)))
        assert runner.run_once() > 0
        assert never.batches == []
        assert len(incomes.batches) == 1 and incomes.batches[0][0] > head  # only what is new
        head = source.max_position()
        with psycopg.connect(database_url, autocommit=True) as conn:
            assert tracking.positions(conn)[never.name] == head
            assert tracking.positions(conn)[incomes.name] == head
            # Moved by someone else meanwhile: taken as found, not overwritten.
            tracking.advance(conn, never.name, head + 10)
        filings.start_filing(ctx, random_pan(), "2026-27")
        runner.run_once()
        with psycopg.connect(database_url, autocommit=True) as conn:
            assert tracking.positions(conn)[never.name] == head + 10
        runner.run_once()
        with psycopg.connect(database_url, autocommit=True) as conn:
            assert tracking.positions(conn)[never.name] == source.max_position()
    finally:
        filings.close()
