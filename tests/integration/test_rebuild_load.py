"""A rebuild's pipelined bulk load (fold batch N+1 while batch N commits) builds exactly the
tables the projector built, when filings live across many batches and rows are in flight."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import psycopg
import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from domain.filing import Filing, IncomeDeclaration
from domain.tax.inputs import Deductions, Salary
from projections.projector.bulk_load import LoadFailed
from projections.projector.rebuild import Rebuilder
from projections.projector.tracking import advance, lock_position
from projections.read_models.filings.projection import FilingSummaryProjection
from projections.schema import ensure_schema
from tests.taxpayer import random_pan

META = {"actor": "t", "correlation_id": "c", "causation_id": "c"}


def interleaved_lives(settings: Settings, filings: int, rounds: int) -> None:
    """Filings started together, then changed round after round: each filing's events are
    spread over the whole log, as taxpayers' are."""
    app = wiring.filings_app(settings)
    rng = random.Random(7)
    try:
        alive = [
            Filing.start(f"owner-{i % 5}", random_pan(rng), "2026-27", META) for i in range(filings)
        ]
        app.save(*alive)
        for _ in range(rounds):
            changed = []
            for filing in rng.sample(alive, k=filings // 2):
                if rng.random() < 0.5:
                    salary = Salary(gross=rng.randrange(0, 4_000_000, 1000))
                    filing.declare_income(IncomeDeclaration(salary=salary), META)
                elif rng.random() < 0.7:
                    filing.claim_deductions(Deductions(c80=rng.randrange(0, 150_000, 500)), META)
                elif filing.income is not None:
                    filing.request_computation(dt.date(2026, 7, 1), META)
                else:
                    filing.claim_deductions(Deductions(c80=1000), META)
                changed.append(filing)
            app.save(*changed)
    finally:
        app.close()


def project(settings: Settings, batch_size: int) -> None:
    """The live tables, as the projector builds them (one transaction per batch)."""
    database_url, _ = settings.require_urls()
    app = wiring.filings_app(settings)
    log = wiring.event_log(settings, app)
    projection = FilingSummaryProjection(wiring.read_model_seal(app))
    try:
        with psycopg.connect(database_url) as conn:
            ensure_schema(conn)
            while True:
                with conn.transaction():
                    position = lock_position(conn, "filing_summary")
                    events = log.read(position, batch_size)
                    if not events:
                        return
                    projection.apply(conn, events)
                    advance(conn, "filing_summary", events[-1][0])
    finally:
        log.close()
        app.close()


@pytest.mark.parametrize(("batch_size", "processes"), [(7, 1), (50, 1), (7, 3), (50, 2)])
def test_the_pipelined_load_matches_the_projector(
    own_database: Settings, batch_size: int, processes: int
) -> None:
    interleaved_lives(own_database, filings=60, rounds=8)
    project(own_database, batch_size=31)
    database_url, _ = own_database.require_urls()
    app = wiring.filings_app(own_database)
    try:
        rebuilder = Rebuilder(
            database_url,
            wiring.event_log(own_database, app),
            wiring.redis_client(own_database),
            wiring.read_model_seal(app),
            batch_size=batch_size,
            processes=processes,
        )
        report = rebuilder.rebuild(switch=True)
    finally:
        app.close()
    assert report.events == 60 + 8 * 30
    assert report.switched and report.identical, report.comparisons
    assert {c.table: c.live_rows for c in report.comparisons}["filing_summary"] == 60


def test_the_partitions_split_the_log_by_filing(own_database: Settings) -> None:
    interleaved_lives(own_database, filings=40, rounds=4)
    app = wiring.filings_app(own_database)
    log = wiring.event_log(own_database, app)
    try:
        whole = log.read(0, 10_000)
        parts = [log.partition(i, 3).read(0, 10_000) for i in range(3)]
    finally:
        log.close()
        app.close()
    assert all(parts), "every partition has filings"
    positions = [p for part in parts for p, _ in part]
    assert sorted(positions) == [p for p, _ in whole]  # each event in exactly one partition
    owners = [{e.originator_id for _, e in part} for part in parts]
    assert sum(len(o) for o in owners) == len(set().union(*owners)) == 40  # a filing in one


class _FailingLog:
    """The real log, whose third partition breaks mid-load (a crashed loader)."""

    def __init__(self, log: Any) -> None:
        self._log = log
        self.channel = log.channel

    def read(self, after: int, limit: int, until: int | None = None) -> list[tuple[int, Any]]:
        return list(self._log.read(after, limit, until))

    def max_position(self) -> int:
        return int(self._log.max_position())

    def held_back(self) -> bool:
        return bool(self._log.held_back())

    def settle(self, timeout: float = 5.0) -> bool:
        return bool(self._log.settle(timeout))

    def partition(self, index: int, count: int) -> Any:
        part = self._log.partition(index, count)
        if index == 2:
            part.read = lambda *_a, **_k: (_ for _ in ()).throw(OSError("disk on fire"))
        return part


def test_a_failed_partition_fails_the_rebuild_and_leaves_no_shadow(own_database: Settings) -> None:
    interleaved_lives(own_database, filings=30, rounds=3)
    project(own_database, batch_size=50)
    database_url, _ = own_database.require_urls()
    app = wiring.filings_app(own_database)
    try:
        rebuilder = Rebuilder(
            database_url,
            _FailingLog(wiring.event_log(own_database, app)),
            wiring.redis_client(own_database),
            wiring.read_model_seal(app),
            batch_size=10,
            processes=3,
        )
        with pytest.raises(LoadFailed, match="disk on fire"):
            rebuilder.rebuild(switch=True)
    finally:
        app.close()
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE '%%rebuild%%'"
        ).fetchall()
        live = conn.execute("SELECT count(*) FROM filing_summary").fetchone()
    assert tables == []
    assert live == (30,)  # the live tables untouched


def test_a_partition_read_in_small_pages_skips_stretches_without_its_filings(
    own_database: Settings,
) -> None:
    """Pages of one event out of stretches of five: many stretches hold none of a
    partition's events, and the read must go on past them, never end early."""
    interleaved_lives(own_database, filings=25, rounds=3)
    app = wiring.filings_app(own_database)
    log = wiring.event_log(own_database, app)
    try:
        whole = [p for p, _ in log.read(0, 10_000)]
        until = whole[-5]  # and never past `until`
        seen: list[list[int]] = []
        for index in range(5):
            view, part, position = log.partition(index, 5), [], 0
            while events := view.read(position, 1, until=until):
                part += [p for p, _ in events]
                position = events[-1][0]
            view.close()
            seen.append(part)
    finally:
        log.close()
        app.close()
    assert all(part == sorted(part) for part in seen)
    assert sorted(p for part in seen for p in part) == [p for p in whole if p <= until]


@pytest.mark.parametrize("processes", [0, -1, 65])
def test_a_rebuild_refuses_a_number_of_loaders_it_cannot_run(
    own_database: Settings, processes: int
) -> None:
    database_url, _ = own_database.require_urls()
    app = wiring.filings_app(own_database)
    try:
        with pytest.raises(ValueError, match="processes must be 1 to 64"):
            Rebuilder(
                database_url,
                wiring.event_log(own_database, app),
                wiring.redis_client(own_database),
                wiring.read_model_seal(app),
                processes=processes,
            )
    finally:
        app.close()
