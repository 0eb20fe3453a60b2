"""The filing read models as PostgreSQL holds them after batches: new filings COPYed straight
in, known ones upserted, and events read again (a crash, a replay) changing nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from burnblack.bootstrap import wiring
from burnblack.seed import seed_filings
from burnblack.settings import Settings
from projections.eventlog.records import Recorded
from projections.read_models.filings.projection import FilingSummaryProjection
from projections.read_models.filings.table import read_model_ddl, toast_compression
from projections.read_models.sealing import FieldSeal

TABLES = ("filing_summary", "owner_filing", "filing_counts")


@pytest.fixture(scope="module")
def events(app_settings: Settings) -> list[tuple[int, Recorded]]:
    """Forty synthetic filings' events, stored by the application and read from its log."""
    app = wiring.filings_app(app_settings)
    try:
        ids = set(seed_filings(app, 40, seed=secrets.randbelow(10**6), batch=7))
        log = wiring.event_log(app_settings, app)
        out: list[tuple[int, Recorded]] = []
        position = 0
        while batch := log.read(position, 1000):
            out.extend((p, e) for p, e in batch if e.originator_id in ids)
            position = batch[-1][0]
        log.close()
        return out
    finally:
        app.close()


@pytest.fixture
def tables(app_settings: Settings) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    database_url, _ = app_settings.require_urls()
    suffix = f"_w{secrets.token_hex(4)}"
    with psycopg.connect(database_url) as conn:
        with conn.transaction():
            conn.execute(read_model_ddl(suffix, toast_compression(conn)).encode())
        yield conn, suffix
        with conn.transaction():
            for table in TABLES:
                conn.execute(f"DROP TABLE {table}{suffix}".encode())


def contents(conn: psycopg.Connection[Any], suffix: str) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: conn.execute(
            f"SELECT t::text FROM {table}{suffix} t ORDER BY t::text".encode()
        ).fetchall()
        for table in TABLES
    }


@pytest.fixture(scope="module")
def seal(app_settings: Settings) -> FieldSeal:
    app = wiring.filings_app(app_settings)
    try:
        return wiring.read_model_seal(app)
    finally:
        app.close()


def apply(
    conn: psycopg.Connection[Any],
    suffix: str,
    batch: list[tuple[int, Recorded]],
    seal: FieldSeal,
    direct_upsert_max: int | None = None,
) -> int:
    projection = FilingSummaryProjection(seal)
    if direct_upsert_max is not None:
        projection.direct_upsert_max = direct_upsert_max
    with conn.transaction():
        return len(projection.apply(conn, batch, table_suffix=suffix))


def test_one_batch_and_many_small_ones_write_the_same_rows(
    events: list[tuple[int, Recorded]],
    tables: tuple[psycopg.Connection[Any], str],
    seal: FieldSeal,
) -> None:
    conn, suffix = tables
    apply(conn, suffix, events, seal)
    whole = contents(conn, suffix)
    assert len(whole["filing_summary"]) == len(whole["owner_filing"]) == 40
    # Most filings span batches: upserts, not COPYs; row by row (the live projector's small
    # batches) and staged (large ones) alike.
    for direct_upsert_max in (1000, 0):
        for table in TABLES:
            conn.execute(f"TRUNCATE {table}{suffix}".encode())
        conn.commit()
        for i in range(0, len(events), 9):
            apply(conn, suffix, events[i : i + 9], seal, direct_upsert_max)
        assert contents(conn, suffix) == whole


def test_events_read_again_change_nothing(
    events: list[tuple[int, Recorded]],
    tables: tuple[psycopg.Connection[Any], str],
    seal: FieldSeal,
) -> None:
    """A filing started in a batch is COPYed without a look-up; when its row is there all the
    same, the batch is redone the careful way instead of failing or doubling anything."""
    conn, suffix = tables
    apply(conn, suffix, events, seal)
    once = contents(conn, suffix)
    assert apply(conn, suffix, events, seal) == 0
    assert apply(conn, suffix, events[len(events) // 2 :], seal) == 0
    assert contents(conn, suffix) == once
    counted = conn.execute(f"SELECT sum(filings) FROM filing_counts{suffix}".encode()).fetchone()
    assert counted is not None and counted[0] == 40
