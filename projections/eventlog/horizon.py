"""The log's order without a table lock: positions from transaction ids, read below a horizon.

Every appended row is stamped with its transaction's id (`transaction_id xid8`,
`pg_current_xact_id()`) and given the position

    base_position + (xid - base_xid) * STRIDE + (its index in the insert)

so ordering by position is ordering by (transaction id, insertion order), and a transaction's
rows take one block of STRIDE positions. Rows stored before the migration keep their
notification ids, all below `base_position` (see docs/event-log.md).

A follower reads only positions below `horizon_sql`: the block of the oldest transaction
still running in the reading statement's own snapshot that may write to this database
(`XMIN`). Every other transaction with a smaller id has finished, or runs in another
database, so every row that will ever have a position below the horizon is committed and
visible to that statement: no row can appear behind a position a follower has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import tuple_row

STRIDE = 1 << 16
"""Positions per transaction: at most this many events in one append."""

BASES_TABLE = "event_log_positions"

BASES_DDL = (
    f"CREATE TABLE IF NOT EXISTS {BASES_TABLE} ("
    "events_table text PRIMARY KEY, base_xid bigint NOT NULL, base_position bigint NOT NULL, "
    "migrated_at timestamptz NOT NULL DEFAULT now())"
)

XMIN = (
    # The oldest transaction still running in this statement's snapshot that may write to
    # this database: every transaction in the snapshot's in-progress list (`xip`, which holds
    # every running id from `xmin` up), less those pg_stat_activity shows on a backend of
    # another database (a backend never changes database, so such an id never writes here;
    # anything not proven elsewhere, e.g. a prepared transaction, is kept), and this
    # session's own; the snapshot's `xmax` when none is left. Without the exclusion this is
    # `pg_snapshot_xmin`: a long transaction in any database of the cluster would hold back
    # every follower here.
    "(SELECT least(coalesce(min(x::text::bigint), "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint), "
    "coalesce(pg_current_xact_id_if_assigned()::text::bigint, 9223372036854775807)) "
    "FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
    "WHERE mod(x::text::bigint, 4294967296) NOT IN (SELECT backend_xid::text::bigint "
    "FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname <> current_database()))"
)


@dataclass(frozen=True)
class Base:
    """Where transaction-derived positions start in one events table."""

    xid: int
    position: int

    def horizon_sql(self) -> str:
        """An SQL expression: the first position not yet safe to read, in this statement."""
        return f"({self.position} + greatest({XMIN} - {self.xid}, 0) * {STRIDE})"

    def position_sql(self, ordinal: str) -> str:
        """An SQL expression: the position of the row numbered `ordinal` (from 1) in this
        transaction's append."""
        return (
            f"({self.position} + (pg_current_xact_id()::text::bigint - {self.xid}) * {STRIDE}"
            f" + {ordinal} - 1)"
        )


def load_base(conn: psycopg.Connection[Any], table: str) -> Base | None:
    """The table's base, or None when the table has not been migrated (it is then still
    written under the library's table lock, and id order is safe to follow)."""
    try:
        row = (
            conn.cursor(row_factory=tuple_row)
            .execute(
                f"SELECT base_xid, base_position FROM {BASES_TABLE} WHERE events_table = %s",
                (table,),
            )
            .fetchone()
        )
    except psycopg.errors.UndefinedTable:
        if not conn.autocommit:
            conn.rollback()
        return None
    return Base(int(row[0]), int(row[1])) if row else None


HORIZON_AGE_SQL = (
    # How long the oldest transaction that may hold the horizon back (one with an id, not on
    # a backend of another database) has run, and how many transaction ids the horizon
    # trails the next one to be assigned.
    "SELECT coalesce((SELECT extract(epoch FROM now() - min(xact_start)) FROM pg_stat_activity "
    "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
    "AND coalesce(datname, current_database()) = current_database()), 0)::float8, "
    f"(pg_snapshot_xmax(pg_current_snapshot())::text::bigint - {XMIN})"
)


def horizon_age(conn: psycopg.Connection[Any]) -> tuple[float, int]:
    """(seconds the oldest running transaction has held the horizon, transactions behind)."""
    row = conn.cursor(row_factory=tuple_row).execute(HORIZON_AGE_SQL).fetchone()
    assert row is not None
    return float(row[0]), int(row[1])
