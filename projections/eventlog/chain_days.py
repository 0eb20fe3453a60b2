"""The daily root: every aggregate's head, sealed once a day and signed, so that a rewritten
or truncated history (which the chain alone cannot show: whoever can write the table can
recompute links) no longer matches what was signed.

`seal_day` anchors the head of every aggregate that moved since its last anchor and stores
`day_root(day, previous day's root, those heads)` with an Ed25519 signature. The day is an
argument (the operator's or cron's), never this process's clock; days only move forward.
What a day covers is "every row committed when it was sealed", whatever the events' own times.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from domain.event_chain import GENESIS, Break, Head, day_root, packed_day_root
from projections.eventlog.chain import Report, first_per_filing, verify_all_links, verify_links

DAYS_TABLE = "event_chain_days"
ANCHORS_TABLE = "event_chain_anchors"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {DAYS_TABLE} ("
    "events_table text NOT NULL, day date NOT NULL, previous_root bytea NOT NULL, "
    "root bytea NOT NULL, filings integer NOT NULL, public_key bytea NOT NULL, "
    "signature bytea NOT NULL, PRIMARY KEY (events_table, day)); "
    f"CREATE TABLE IF NOT EXISTS {ANCHORS_TABLE} ("
    "events_table text NOT NULL, day date NOT NULL, originator_id uuid NOT NULL, "
    "originator_version bigint NOT NULL, chain_hash bytea NOT NULL, "
    "PRIMARY KEY (events_table, originator_id, day))"
)

Sign = Callable[[bytes], bytes]
CheckSignature = Callable[[bytes, bytes, bytes], bool]  # (public key, signature, root)


class SealRefused(Exception):
    """The day is before the last sealed day: history is sealed in order."""


@dataclass(frozen=True)
class Sealed:
    day: dt.date
    root: bytes
    filings: int
    new: bool


_ensured: set[tuple[str, int, str]] = set()  # databases this process has seen the tables in


def ensure_tables(conn: psycopg.Connection[Any]) -> None:
    where = (conn.info.host, conn.info.port, conn.info.dbname)
    if where in _ensured:
        return
    try:
        with conn.transaction():
            conn.execute(DDL)
    except psycopg.errors.UniqueViolation:  # created at the same moment by another process
        pass
    _ensured.add(where)


def seal_day(
    conn: psycopg.Connection[Any], table: str, day: dt.date, public_key: bytes, sign: Sign
) -> Sealed:
    """Seals `day` (idempotent for the last sealed day: cron may retry)."""
    ensure_tables(conn)
    cur = conn.cursor(row_factory=tuple_row)
    with conn.transaction():
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{DAYS_TABLE}:{table}",))
        last = cur.execute(
            f"SELECT day, root, filings FROM {DAYS_TABLE} WHERE events_table = %s "
            "ORDER BY day DESC LIMIT 1",
            (table,),
        ).fetchone()
        if last is not None and last[0] == day:
            return Sealed(day, bytes(last[1]), int(last[2]), new=False)
        if last is not None and last[0] > day:
            raise SealRefused(f"{day} is before the last sealed day, {last[0]}")
        previous = bytes(last[1]) if last else GENESIS
        rows = cur.execute(
            SQL(
                "WITH heads AS (SELECT DISTINCT ON (originator_id) originator_id, "
                "originator_version, chain_hash FROM {0} "
                "ORDER BY originator_id, originator_version DESC), "
                "anchored AS (SELECT DISTINCT ON (originator_id) originator_id, "
                "originator_version FROM {1} WHERE events_table = %s "
                "ORDER BY originator_id, day DESC) "
                "SELECT h.originator_id, h.originator_version, h.chain_hash FROM heads h "
                "LEFT JOIN anchored a USING (originator_id) "
                "WHERE a.originator_version IS DISTINCT FROM h.originator_version"
            ).format(Identifier(table), Identifier(ANCHORS_TABLE)),
            (table,),
        ).fetchall()
        heads = [Head(r[0], r[1], bytes(r[2])) for r in rows]
        root = day_root(day, previous, heads)
        cur.execute(
            f"INSERT INTO {DAYS_TABLE} (events_table, day, previous_root, root, filings, "
            "public_key, signature) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (table, day, previous, root, len(heads), public_key, sign(root)),
        )
        with cur.copy(
            f"COPY {ANCHORS_TABLE} (events_table, day, originator_id, originator_version, "
            "chain_hash) FROM STDIN"
        ) as copy:
            for h in heads:
                copy.write_row((table, day, h.originator_id, h.version, h.hash))
    return Sealed(day, root, len(heads), new=True)


def anchors(
    conn: psycopg.Connection[Any], table: str, originator_id: uuid.UUID
) -> list[tuple[dt.date, int, bytes]]:
    """One aggregate's anchors: (day, version, hash), oldest first."""
    ensure_tables(conn)
    rows = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            f"SELECT day, originator_version, chain_hash FROM {ANCHORS_TABLE} "
            "WHERE events_table = %s AND originator_id = %s ORDER BY day",
            (table, originator_id),
        )
        .fetchall()
    )
    return [(r[0], int(r[1]), bytes(r[2])) for r in rows]


def verify_anchors(
    conn: psycopg.Connection[Any],
    table: str,
    report: Report,
    originator_id: uuid.UUID | None = None,
) -> None:
    """Every anchored head must still be in the table with the hash it had: a deleted tail,
    a deleted aggregate or a rechained history shows here even when its links all check.
    PostgreSQL compares them (one join by primary key); only the count and the mismatches
    come back."""
    ensure_tables(conn)
    where = SQL(" AND a.originator_id = %s") if originator_id else SQL("")
    params: tuple[Any, ...] = (table, originator_id) if originator_id else (table,)
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            SQL(
                "SELECT count(*), array_agg(a.originator_id) FILTER (WHERE NOT same), "
                "array_agg(a.originator_version) FILTER (WHERE NOT same), "
                "array_agg(a.day) FILTER (WHERE NOT same), "
                "array_agg(missing) FILTER (WHERE NOT same) "
                "FROM (SELECT a.originator_id, a.originator_version, a.day, "
                "t.chain_hash IS NULL AS missing, "
                "t.chain_hash IS NOT DISTINCT FROM a.chain_hash AS same "
                "FROM {0} a LEFT JOIN {1} t ON t.originator_id = a.originator_id "
                "AND t.originator_version = a.originator_version WHERE a.events_table = %s"
            ).format(Identifier(ANCHORS_TABLE), Identifier(table))
            + where
            + SQL(") a"),
            params,
        )
        .fetchone()
    )
    assert row is not None
    count, ids, versions, days, missing = row
    report.anchors += int(count)
    breaks = list(report.breaks)
    for oid, version, day, gone in zip(
        ids or [], versions or [], days or [], missing or [], strict=True
    ):
        if gone:
            breaks.append(Break(oid, version, f"version {version}, sealed on {day}, is missing"))
        else:
            breaks.append(Break(oid, version, f"version {version} changed since sealed on {day}"))
    report.breaks = first_per_filing(breaks)


def verify_days(
    conn: psycopg.Connection[Any],
    table: str,
    report: Report,
    public_key: bytes | None,
    check: CheckSignature,
) -> None:
    """Each day's root follows from the previous day's and its anchors, and carries a good
    signature by `public_key` (the operator's; None: whatever key each day names). Each
    day's anchors come back packed in one value, in id order (`packed_day_root`)."""
    ensure_tables(conn)
    cur = conn.cursor(row_factory=tuple_row)
    days = cur.execute(
        f"SELECT day, previous_root, root, public_key, signature FROM {DAYS_TABLE} "
        "WHERE events_table = %s ORDER BY day",
        (table,),
    ).fetchall()
    packed: dict[dt.date, bytes] = {
        day: bytes(heads)
        for day, heads in cur.execute(
            "SELECT day, string_agg(uuid_send(originator_id) || int8send(originator_version) "
            f"|| chain_hash, ''::bytea ORDER BY originator_id) FROM {ANCHORS_TABLE} "
            "WHERE events_table = %s GROUP BY day",
            (table,),
        )
    }
    previous = GENESIS
    for day, prev, root, key, signature in days:
        report.days += 1
        prev, root, key = bytes(prev), bytes(root), bytes(key)
        if prev != previous:
            report.problems.append(
                f"day {day}: does not follow the day before (removed or rewritten)"
            )
        if packed_day_root(day, prev, packed.pop(day, b"")) != root:
            report.problems.append(f"day {day}: its anchors no longer give its root")
        if public_key is not None and key != public_key:
            report.problems.append(f"day {day}: signed by another key")
        elif not check(key, bytes(signature), root):
            report.problems.append(f"day {day}: bad signature")
        previous = root
    for day in sorted(packed):
        report.problems.append(f"day {day}: anchors without a sealed day")


def verify(
    conn: psycopg.Connection[Any],
    table: str,
    originator_id: uuid.UUID | None = None,
    *,
    public_key: bytes | None = None,
    check: CheckSignature | None = None,
    database_url: str | None = None,
    partitions: int = 4,
) -> Report:
    """Links, anchors, and (for the whole table, given `check`) the days' roots and
    signatures. With `database_url`, the whole table's links are checked in `partitions`
    ranges at once (verify_all_links), while this connection checks the anchors and days."""
    if originator_id is None and database_url is not None:
        with ThreadPoolExecutor(1, thread_name_prefix="verify-links") as pool:
            links = pool.submit(verify_all_links, database_url, table, partitions)
            side = Report()
            verify_anchors(conn, table, side)
            if check is not None:
                verify_days(conn, table, side, public_key, check)
            report = links.result()
        report.anchors, report.days, report.problems = side.anchors, side.days, side.problems
        report.breaks = first_per_filing(report.breaks + side.breaks)
        return report
    report = verify_links(conn, table, originator_id)
    verify_anchors(conn, table, report, originator_id)
    if originator_id is None and check is not None:
        verify_days(conn, table, report, public_key, check)
    return report
