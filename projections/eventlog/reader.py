"""Reading the application's notification log: positions and light event records."""

from __future__ import annotations

import copy
import time
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import Mapper

from projections.eventlog.horizon import Base, load_base
from projections.eventlog.records import RecordDecoder, Recorded

EVENT_COLUMNS = "notification_id, originator_id, originator_version, topic, state"


class EventSource(Protocol):
    channel: str

    def read(self, after: int, limit: int, until: int | None = None) -> list[tuple[int, Any]]: ...

    def max_position(self) -> int: ...

    def held_back(self) -> bool: ...

    def settle(self, timeout: float = 5.0) -> bool: ...

    def partition(self, index: int, count: int) -> EventSource: ...


def partition_sql(table: str, horizon: str = "") -> str:
    """One partition's events among the positions in (after, last]; parameters: after, last,
    count, index. Bounded on both sides, a page's scan and sort are too, whatever plan the
    planner picks for a filter it cannot estimate: bounded only below, it sorted the whole
    rest of the log for every page (a rebuild quadratic in the log's length)."""
    return (
        f"SELECT {EVENT_COLUMNS} FROM {table} "
        f"WHERE notification_id > %s AND notification_id <= %s{horizon} "
        "AND get_byte(uuid_send(originator_id), 15) %% %s = %s ORDER BY notification_id"
    )


def stretch_end_sql(table: str) -> str:
    """The position `n` rows after `after` (up to `last`); parameters: after, last, n - 1.
    Positions are not dense (a transaction takes a block of them), so a partition's stretch
    is measured in rows: an index-only walk of at most n entries."""
    return (
        f"SELECT notification_id FROM {table} WHERE notification_id > %s "
        "AND notification_id <= %s ORDER BY notification_id OFFSET %s LIMIT 1"
    )


class StoredEventLog:
    """The event store's table read in notification order (the library's schema), decoded
    as light records (projections/eventlog/records.py) with the application's cipher and compressor.
    Only rows below the horizon are read (projections/eventlog/horizon.py): every row that will ever
    sit below a position read is already there."""

    def __init__(self, conninfo: str, table: str, mapper: Mapper[Any], channel: str) -> None:
        self._conninfo = conninfo
        self._table = table
        self._decoder = RecordDecoder(mapper)
        self.channel = channel
        self._conn: psycopg.Connection[Any] | None = None
        self._partition: tuple[int, int] | None = None  # (index, count)
        self._base: Base | None = None

    def partition(self, index: int, count: int) -> StoredEventLog:
        """The events of one in `count` disjoint sets of aggregates (by the id's last byte;
        ids are uuid4 or uuid5, so evenly spread), with a connection of its own: every
        aggregate's whole history lies in exactly one partition."""
        if not 0 <= index < count <= 256:
            raise ValueError(f"partition {index} of {count}")
        view = copy.copy(self)
        view._conn = None
        view._partition = (index, count) if count > 1 else None
        return view

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _horizon_expr(self) -> str | None:
        """The horizon (an SQL expression); None while the table is not migrated (then it is
        still appended to under the library's table lock, in id order)."""
        if self._base is None:
            self._base = load_base(self._connection(), self._table)
        return None if self._base is None else self._base.horizon_sql()

    def _horizon(self) -> str:
        expr = self._horizon_expr()
        return "" if expr is None else f" AND notification_id < {expr}"

    def read(self, after: int, limit: int, until: int | None = None) -> list[tuple[int, Recorded]]:
        """Up to `limit` events after `after` (and up to `until`); of a partition, its events
        among the next `limit` x count positions (about `limit`), or the first such stretch
        that has any."""
        horizon = self._horizon()
        if self._partition is None:
            bound = "" if until is None else " AND notification_id <= %s"
            sql = (
                f"SELECT {EVENT_COLUMNS} FROM {self._table} WHERE notification_id > %s{bound}"
                f"{horizon} ORDER BY notification_id LIMIT %s"
            )
            return self._decoded(sql, (after, limit) if until is None else (after, until, limit))
        index, count = self._partition
        last = until if until is not None else self.max_position()
        while after < last:
            row = (
                self._connection()
                .execute(stretch_end_sql(self._table).encode(), (after, last, limit * count - 1))
                .fetchone()
            )
            upto = last if row is None else int(row[0])
            events = self._decoded(partition_sql(self._table, horizon), (after, upto, count, index))
            if events:
                return events
            after = upto  # none of this partition's there: on to the next stretch
        return []

    def _decoded(self, sql: str, params: tuple[Any, ...]) -> list[tuple[int, Recorded]]:
        try:
            # Binary results: states arrive as bytes, not hex text to decode (1.7x the rows/s).
            rows = self._connection().execute(sql.encode(), params, binary=True).fetchall()
        except psycopg.OperationalError:
            self.close()
            raise
        decode = self._decoder.decode
        return [(row[0], decode(*row)) for row in rows]

    def max_position(self) -> int:
        """The last position below the horizon: a follower may read up to it now."""
        expr = self._horizon_expr()
        where = "" if expr is None else f" WHERE notification_id < {expr}"
        row = (
            self._connection()
            .execute(f"SELECT max(notification_id) FROM {self._table}{where}".encode())
            .fetchone()
        )
        return int(row[0]) if row and row[0] is not None else 0

    def settle(self, timeout: float = 5.0) -> bool:
        """Waits (up to `timeout` s) until every row committed before the call is below the
        horizon, so that reading now reads them all. False on timeout."""
        expr = self._horizon_expr()
        if expr is None:
            return True
        conn = self._connection()
        row = conn.execute(
            f"SELECT coalesce(max(notification_id), 0) FROM {self._table}".encode()
        ).fetchone()
        head = int(row[0]) if row else 0
        deadline = time.monotonic() + timeout
        while True:
            row = conn.execute(f"SELECT %s < {expr}".encode(), (head,)).fetchone()
            if row and row[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def held_back(self) -> bool:
        """Whether committed rows wait above the horizon (an older transaction still runs):
        the follower should look again soon, not wait for the next wake-up."""
        expr = self._horizon_expr()
        if expr is None:
            return False
        row = (
            self._connection()
            .execute(
                f"SELECT EXISTS (SELECT 1 FROM {self._table} "
                f"WHERE notification_id >= {expr})".encode()
            )
            .fetchone()
        )
        return bool(row and row[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
