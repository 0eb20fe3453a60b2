"""The event store's recorder: the library's PostgreSQL recorder, appending without its table lock.

`eventsourcing`'s `PostgresApplicationRecorder` takes `LOCK TABLE … IN EXCLUSIVE MODE` and
sends a NOTIFY in every append, so that ids are issued in commit order: every write of the
platform queues on one lock (and the NOTIFY takes a cluster-wide lock at commit). This
subclass appends with neither: each row is stamped with its transaction id and given a
position derived from it (projections/eventlog/horizon.py), and readers of the log read
only below the horizon of finished transactions. Followers are woken by coalesced NOTIFYs
sent after commit from a thread of their own, at most one per `WAKE_INTERVAL` per process.
The argument is in docs/event-log.md.

Configured through the library's own `APPLICATION_RECORDER_TOPIC`
(burnblack/bootstrap/wiring.py), so the `Application` API is unchanged.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.numeric import Int8

from projections.eventlog import chain as event_chain
from projections.eventlog.horizon import BASES_DDL, BASES_TABLE, STRIDE, Base, load_base

log = logging.getLogger(__name__)

WAKE_INTERVAL = 0.01
"""Seconds between two wake-up NOTIFYs from one process (appends in between share one)."""


class CoalescedWakeups:
    """Sends `NOTIFY channel` after appends, from a thread with a connection of its own: at
    most one every `interval` seconds, and always one after the last append (trailing edge).
    The thread and its connection go away after `idle` seconds without appends."""

    def __init__(
        self,
        conninfo: dict[str, Any],
        channel: str,
        interval: float = WAKE_INTERVAL,
        idle: float = 2.0,
    ):
        self._conninfo = {k: v for k, v in conninfo.items() if k != "row_factory"}
        self._statement = SQL("NOTIFY {0}").format(Identifier(channel))
        self._interval = interval
        self._idle = idle
        self._pending = threading.Event()
        self._lock = threading.Lock()
        self._running_in = 0  # the pid whose thread is running, 0 if none
        self._at_exit = False

    def poke(self) -> None:
        self._pending.set()
        if self._running_in == os.getpid():
            return
        with self._lock:  # first use, idle, or a forked child (the thread is not there)
            if self._running_in != os.getpid():
                self._running_in = os.getpid()
                threading.Thread(target=self._run, name="wakeups", daemon=True).start()
                if not self._at_exit:
                    atexit.register(self.flush)
                    self._at_exit = True

    def flush(self) -> None:
        """Sends a wake-up still owed (at exit: a short-lived process's daemon thread dies
        with it, and the followers would wait for their fallback timeout)."""
        if self._pending.is_set():
            self._pending.clear()
            try:
                with psycopg.connect(**self._conninfo, autocommit=True) as conn:
                    conn.execute(self._statement)
            except psycopg.Error as exc:
                log.warning("event store wake-up failed: %s", exc)

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        try:
            while True:
                if not self._pending.wait(self._idle):
                    with self._lock:
                        if not self._pending.is_set():
                            self._running_in = 0
                            return
                self._pending.clear()
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(**self._conninfo, autocommit=True)
                    conn.execute(self._statement)
                except psycopg.Error as exc:  # followers also poll: a lost wake-up only delays
                    log.warning("event store wake-up failed: %s", exc)
                    conn = None
                time.sleep(self._interval)
        finally:
            if conn is not None:
                conn.close()


# The event store's creation, one starter at a time (HorizonRecorder.create_table).
_CREATE_LOCK = 0x73746F72  # "stor"


class HorizonRecorder(PostgresApplicationRecorder):
    """Appends without `LOCK TABLE`; reads notifications only below the horizon. Each row is
    linked into its aggregate's hash chain by the INSERT itself (projections/eventlog/chain.py)."""

    chained = True  # False only for the benchmark's baseline (benchmarks/verify.py)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_table_statements = []
        self._base: Base | None = None
        self._insert_statement: bytes | None = None
        self._insert_new_statement: bytes | None = None  # appends of new aggregates only
        # Appends of a single event (the usual save): version 1, and later versions.
        self._insert_one_first: bytes | None = None
        self._insert_one_next: bytes | None = None
        self._links = event_chain.Links()
        self._appending = threading.local()  # the links of this thread's append in progress
        self._table = Identifier(self.datastore.schema, self.events_table_name)
        kwargs = datastore.pool.kwargs
        # The pool's connection arguments, for the connections of our own (wake-ups, creation).
        self._conninfo = {
            k: v
            for k, v in (kwargs if isinstance(kwargs, dict) else {}).items()
            if k != "row_factory"
        }
        self.wakeups = CoalescedWakeups(self._conninfo, self.channel_name)

    # --- the column, the base, migration ---------------------------------------------

    def create_table(self) -> None:
        # API, worker and projector start together on a new database and run the library's
        # CREATE TYPE / CREATE TABLE IF NOT EXISTS at once; PostgreSQL then refuses the losers
        # ("duplicate key ... pg_type", "tuple concurrently updated") instead of finding the
        # winner's: seen killing a projector at start. One starter at a time, under a
        # session lock on a connection of its own (the pool may hold a single connection).
        with psycopg.connect(**self._conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_LOCK,))
        self.base()

    def base(self) -> Base:
        """The table's base, migrating the table first if it has none (idempotent, safe to
        race: the second process waits for the first's lock and finds its row)."""
        if self._base is None:
            try:
                with self.datastore.transaction(commit=True) as curs:
                    curs.execute(BASES_DDL)
            except IntegrityError:  # created at the same moment by another process
                pass
            with self.datastore.get_connection() as conn:
                found = load_base(conn, self.events_table_name)
                if found is None:
                    with conn.transaction():
                        self._migrate(conn)
                    found = load_base(conn, self.events_table_name)
                if self.chained:  # links an existing store's rows once (docs/event-log.md)
                    event_chain.ensure_chain(conn, self.datastore.schema, self.events_table_name)
                assert found is not None
                # The appends' statements as bytes, rendered once: psycopg renders a
                # `Composed` again on every execute (about 5 us for the plain append, 10
                # for the chained one here, every save).
                self._insert_statement = self._build_insert(found).as_bytes(conn)
                self._insert_one_first, self._insert_one_next = (
                    event_chain.one_row_insert(
                        self._table, found.position_sql, chained=self.chained, first_version=first
                    ).as_bytes(conn)
                    for first in (True, False)
                )
                if self.chained:
                    self._insert_new_statement = event_chain.chained_insert(
                        self._table,
                        Identifier(self.datastore.schema, self.stored_event_type_name),
                        found.position_sql,
                        only_first_versions=True,
                    ).as_bytes(conn)
            self._base = found
        return self._base

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        """Waits for appends under the library's lock to finish (ACCESS EXCLUSIVE), adds the
        column (old rows keep NULL), takes the default off `notification_id` (a process still
        running the library's recorder then fails its insert instead of taking an id below
        the new positions), and records the base: positions continue above every old id."""
        conn.execute(SQL("LOCK TABLE {0} IN ACCESS EXCLUSIVE MODE").format(self._table))
        conn.execute(
            SQL("ALTER TABLE {0} ADD COLUMN IF NOT EXISTS transaction_id xid8").format(self._table)
        )
        conn.execute(
            SQL("ALTER TABLE {0} ALTER COLUMN notification_id DROP DEFAULT").format(self._table)
        )
        conn.execute(
            SQL(
                "INSERT INTO {0} (events_table, base_xid, base_position) "
                "SELECT %s, pg_current_xact_id()::text::bigint, "
                "coalesce(max(notification_id), 0) + 1 FROM {1} "
                "ON CONFLICT (events_table) DO NOTHING"
            ).format(Identifier(self.datastore.schema, BASES_TABLE), self._table),
            (self.events_table_name,),
        )

    def _build_insert(self, base: Base) -> Composed:
        if self.chained:
            return event_chain.chained_insert(
                self._table,
                Identifier(self.datastore.schema, self.stored_event_type_name),
                base.position_sql,
            )
        return SQL(
            "INSERT INTO {table} (originator_id, originator_version, topic, state, "
            "transaction_id, notification_id) "
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, "
            "pg_current_xact_id(), {position} "
            "FROM unnest(%s::{type}[]) WITH ORDINALITY "
            "AS e(originator_id, originator_version, topic, state, n) "
            "RETURNING notification_id"
        ).format(
            table=self._table,
            position=SQL(base.position_sql("e.n")),
            type=Identifier(self.datastore.schema, self.stored_event_type_name),
        )

    # --- appending ---------------------------------------------------------------------

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self.base()
        if not stored_events:
            return None
        try:
            if kwargs.get("tracking") is not None:  # other statements share the transaction
                ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            else:
                # Nothing else to do in the transaction: one statement in autocommit, one
                # round trip (the library's path is BEGIN and INSERT, then COMMIT).
                with self.datastore.get_connection() as conn, conn.cursor() as curs:
                    self._insert_stored_events(curs, stored_events)
                    ids = [row["notification_id"] for row in curs.fetchall()]
        except BaseException:
            if self.chained:  # a stale remembered link may be why: read it next time
                self._links.forget({e.originator_id for e in stored_events})
            raise
        if self.chained:  # committed: remember each aggregate's new last link
            for e, h in zip(stored_events, self._appending.hashes, strict=True):
                self._links.saw(e.originator_id, e.originator_version, h)
        self.wakeups.poke()
        return ids

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        # No LOCK TABLE, no NOTIFY: the position comes from the transaction id.
        if len(stored_events) >= STRIDE:
            raise ProgrammingError(f"{len(stored_events)} events in one append (max {STRIDE - 1})")
        if len(stored_events) == 1:
            self._insert_one(curs, stored_events[0])
            return
        assert self._insert_statement is not None
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        if not self.chained:
            curs.execute(self._insert_statement, (rows,), prepare=True)
            return
        prevs, hashes = self._links.compute(
            stored_events, lambda keys: event_chain.read_links(curs.connection, self._table, keys)
        )
        self._appending.hashes = hashes
        links = event_chain.pack_links(prevs, hashes)
        new = all(
            p is None or e.originator_version <= 1
            for p, e in zip(prevs, stored_events, strict=True)
        )
        statement = self._insert_new_statement if new else self._insert_statement
        assert statement is not None
        curs.execute(statement, (rows, links), prepare=True)

    def _insert_one(self, curs: Cursor[DictRow], e: StoredEvent) -> None:
        """One event: plain parameters, no arrays (event_chain.one_row_insert), chained or not."""
        params: dict[str, Any] = {
            "id": e.originator_id,
            "version": Int8(e.originator_version),
            "topic": e.topic,
            "state": e.state,
        }
        first = e.originator_version <= 1
        statement = self._insert_one_first if first else self._insert_one_next
        assert statement is not None
        if self.chained:
            params["prev"], h = self._links.one(
                e, lambda keys: event_chain.read_links(curs.connection, self._table, keys)
            )
            params["h"] = h
            self._appending.hashes = (h,)
        curs.execute(statement, params, prepare=True)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's read (the same statement), remembering the last link it sees, so
        that the append that usually follows needs no read of its own."""
        statement = self.select_events_statement
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
            statement += SQL(" AND originator_version > %s")
        if lte is not None:
            params.append(lte)
            statement += SQL(" AND originator_version <= %s")
        statement += SQL(" ORDER BY originator_version") + SQL(" DESC" if desc else " ASC")
        if limit is not None:
            params.append(limit)
            statement += SQL(" LIMIT %s")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            rows = curs.fetchall()
        if self.chained and rows:
            last = max(rows, key=lambda r: int(r["originator_version"]))
            if last.get("chain_hash") is not None:
                self._links.saw(
                    last["originator_id"], last["originator_version"], bytes(last["chain_hash"])
                )
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    # --- reading -----------------------------------------------------------------------

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's read, only below the horizon, in position order."""
        where: list[SQL | Composed] = [SQL("notification_id < ") + SQL(self.base().horizon_sql())]
        params: list[Any] = []
        if start is not None:
            where.append(
                SQL("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            )
            params.append(start)
        if stop is not None:
            where.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            where.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        params.append(limit)
        statement = (
            SQL("SELECT * FROM {0} WHERE ").format(self._table)
            + SQL(" AND ").join(where)
            + SQL(" ORDER BY notification_id LIMIT %s")
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def max_safe_notification_id(self) -> int | None:
        """The last position below the horizon (what a follower may read up to now)."""
        statement = SQL(
            "SELECT max(notification_id) AS max FROM {0} WHERE notification_id < "
        ).format(self._table) + SQL(self.base().horizon_sql())
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement)
            row = curs.fetchone()
            return None if row is None else row["max"]

    def settle(self, timeout: float = 2.0) -> bool:
        """Waits (up to `timeout` seconds) until every row committed before the call is below
        the horizon, so that a read made next includes them: read-your-writes for readers of
        the log that are people (the audit trail), not followers. False on timeout."""
        horizon = SQL(self.base().horizon_sql())
        first = (
            SQL(
                "SELECT coalesce(max(notification_id), 0) AS head, "
                "coalesce(max(notification_id), 0) < "
            )
            + horizon
            + SQL(" AS ok FROM {0}").format(self._table)
        )
        again = SQL("SELECT /* horizon-wait */ %s < ") + horizon + SQL(" AS ok")
        deadline = time.monotonic() + timeout
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            row = curs.execute(first).fetchone()
            assert row is not None
            head = row["head"]
            while not row["ok"]:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.005)
                row = curs.execute(again, (head,)).fetchone()
                assert row is not None
        return True
