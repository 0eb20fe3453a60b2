"""Every read query is served by an index: EXPLAIN each on read models of 100,000 filings."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from projections.eventlog.reader import partition_sql
from projections.read_models.filings.queries import (
    COUNTS_SQL,
    OWNER_LIST_SQL,
    SUMMARY_SQL,
    AuditFilter,
    audit_list_sql,
)
from projections.read_models.filings.table import read_model_ddl
from tests.servers import ServerUrls

ROWS = 100_000
SMALL_TABLES = {"filing_counts"}  # years x statuses: a few dozen rows by construction


@contextlib.contextmanager
def scratch_schema(servers: ServerUrls) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose search path is a schema of its own, dropped afterwards."""
    schema = f"explain_{secrets.token_hex(4)}"
    with psycopg.connect(servers.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}".encode())
        conn.execute(f"SET search_path TO {schema}".encode())
        try:
            yield conn
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture(scope="module")
def big(servers: ServerUrls) -> Iterator[psycopg.Connection[Any]]:
    with scratch_schema(servers) as conn:
        conn.execute(read_model_ddl().encode())
        conn.execute(
            """
            INSERT INTO filing_summary
            SELECT md5(i::text)::uuid, 'owner-' || (i %% 20000), 'AB******1F',
                   (ARRAY['2024-25','2025-26','2026-27'])[1 + i %% 3],
                   (ARRAY['draft','computing','computed','submitted','e_verified'])[1 + i %% 5],
                   1 + i %% 7, '{}'::json, '{}'::json, NULL, 'new', NULL, NULL, 1, NULL, NULL,
                   NULL, i %% 100000, i, i, now() - (i || ' seconds')::interval, now()
            FROM generate_series(1, %s) AS i
            """,
            (ROWS,),
        )
        conn.execute(
            "INSERT INTO owner_filing SELECT owner_id, started_position, filing_id, "
            "assessment_year, status, version, total_tax, recommended_regime, acknowledgement, "
            "created_at, updated_at FROM filing_summary"
        )
        conn.execute(
            "INSERT INTO filing_counts SELECT assessment_year, status, count(*) "
            "FROM filing_summary GROUP BY 1, 2"
        )
        conn.execute("ANALYZE")
        yield conn


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for node in _plan_nodes(plan):
        yield node["Node Type"], node.get("Relation Name", "")


def _assert_indexed(conn: psycopg.Connection[Any], sql: str, params: Any) -> None:
    row = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}".encode(), params).fetchone()
    assert row is not None
    nodes = list(_scans(row[0][0]["Plan"]))
    seq = [rel for node, rel in nodes if node == "Seq Scan" and rel not in SMALL_TABLES]
    assert not seq, f"sequential scan of {seq} for {sql}: {nodes}"


def test_taxpayer_reads_use_indexes(big: psycopg.Connection[Any]) -> None:
    _assert_indexed(big, SUMMARY_SQL, (uuid.UUID(int=12345), "owner-5"))
    _assert_indexed(big, OWNER_LIST_SQL, ("owner-5", 2**63 - 1, 21))
    _assert_indexed(big, OWNER_LIST_SQL, ("owner-5", 50_000, 21))


def test_every_auditor_filter_combination_uses_an_index(big: psycopg.Connection[Any]) -> None:
    now = dt.datetime.now(dt.UTC)
    for status, year, date_from, date_to, cursor in itertools.product(
        (None, "submitted"),
        (None, "2025-26"),
        (None, now - dt.timedelta(hours=10)),
        (None, now - dt.timedelta(hours=2)),
        (None, (now - dt.timedelta(hours=5), uuid.UUID(int=7))),
    ):
        sql, params = audit_list_sql(AuditFilter(status, year, date_from, date_to, cursor, 50))
        _assert_indexed(big, sql, params)


def test_admin_counts_read_a_table_bounded_by_years_and_statuses(
    big: psycopg.Connection[Any],
) -> None:
    rows = big.execute(COUNTS_SQL).fetchall()
    assert 0 < len(rows) <= 3 * 6
    assert sum(r[2] for r in rows) == ROWS


@pytest.fixture(scope="module")
def big_log(servers: ServerUrls) -> Iterator[psycopg.Connection[Any]]:
    """An events table of the library's shape with 100,000 events of 20,000 filings."""
    with scratch_schema(servers) as conn:
        conn.execute(
            "CREATE TABLE filings_events (originator_id uuid NOT NULL, originator_version "
            "bigint NOT NULL, topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX ON filings_events (notification_id ASC)")
        conn.execute(
            "INSERT INTO filings_events (originator_id, originator_version, topic, state) "
            "SELECT md5((i %% 20000)::text)::uuid, i / 20000, 'domain.filing:Filing.Event', "
            "convert_to(repeat('x', 900), 'UTF8') FROM generate_series(0, %s - 1) AS i",
            (ROWS,),
        )
        yield conn


@pytest.mark.parametrize("analyzed", [False, True])
def test_a_rebuild_partition_reads_a_bounded_stretch_of_the_log_per_page(
    big_log: psycopg.Connection[Any], analyzed: bool
) -> None:
    """With statistics or without, a page's scan is an index range closed on both sides: a
    scan (and sort) of the whole rest of the log on every page makes a rebuild quadratic."""
    if analyzed:
        big_log.execute("ANALYZE filings_events")
    row = big_log.execute(
        f"EXPLAIN (FORMAT JSON) {partition_sql('filings_events')}".encode(),
        (40_000, 60_000, 2, 1),
    ).fetchone()
    assert row is not None
    nodes = list(_plan_nodes(row[0][0]["Plan"]))
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], nodes
    ranges = [n["Index Cond"] for n in nodes if "Index Cond" in n]
    assert len(ranges) == 1, nodes
    assert "notification_id >" in ranges[0] and "notification_id <=" in ranges[0], ranges
