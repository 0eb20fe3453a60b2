"""Follows the notification log for a set of followers (projections and reactors).

Each follower processes events in batches: its effects and its new position commit in one
transaction, so a crash replays at most the uncommitted batch and nothing is applied twice.
One process is active per follower (a PostgreSQL advisory lock held on a session); a standby
takes over within a second or two of the active one dying.

Followers at the same position share one read of the log per round (they usually are: they
all follow every event), and a follower with nothing new costs no transaction: before this,
every wake-up read and decoded the same events once per follower and then went round again,
each follower opening a transaction only to find nothing (about 55 statements a wake-up,
now about 20). The work connection commits asynchronously (`synchronous_commit = off`):
its rows are derived from the durable log and its positions commit with them, so a crash
of PostgreSQL that loses the last few of its commits loses both alike, and they are redone
from the log (the event store's own commits stay synchronous).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
import structlog

from projections.eventlog.reader import EventSource
from projections.projector import tracking
from projections.projector.backoff import RECONNECTABLE, REDIS_GONE, Backoff

log = structlog.get_logger(__name__)

AfterCommit = Callable[[], None]

# After-commit work (cache invalidation, read-your-writes positions) kept while Redis is away,
# replayed in order when it is back; older entries beyond this are dropped (cache TTLs).
MAX_PENDING_AFTER_COMMIT = 10_000


class Follower(Protocol):
    """A follower may also have `wants(event) -> bool`: whether `handle` does anything with
    an event. A batch it wants none of is not handed to it; its position moves past the
    batch with the other such followers' in one statement at the end of the round, instead
    of a transaction each (the documents' followers and the computation reactor, for most
    of the taxpayers' events)."""

    name: str

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        """Apply a batch inside the open transaction; return work to do once it commits."""
        ...


def _lock_key(name: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


class Periodic(Protocol):
    """Work done every `interval` seconds by the process that holds all of `requires` (the
    followers' locks), inside the runner's loop: e.g. the reconciliation sweep."""

    name: str
    interval: float
    requires: tuple[str, ...]

    def run(self, conn: psycopg.Connection[Any]) -> None: ...


class LogRunner:
    def __init__(
        self,
        conninfo: str,
        source: EventSource,
        followers: list[Follower],
        batch_size: int = 500,
        idle_wait: float = 1.0,
        periodic: list[Periodic] | None = None,
        backoff: Backoff | None = None,
        held_back_wait: float = 0.02,
    ) -> None:
        self._conninfo = conninfo
        self._source = source
        self._followers = followers
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._periodic = list(periodic or [])
        self._due: dict[str, float] = {}
        self._backoff = backoff or Backoff()
        # A follower whose Redis is away waits (with its own backoff) while the others go on.
        self._waiting_until: dict[str, float] = {}
        self._follower_backoff: dict[str, Backoff] = {}
        self._pending: deque[tuple[str, AfterCommit]] = deque()
        self._pending_failing = False
        # Redis away: after-commit work and periodic tasks wait until then (no retry per batch).
        self._redis_retry_at = 0.0
        self._redis_backoff = Backoff(self._backoff.first, self._backoff.cap)
        self._held_back_wait = held_back_wait
        self._stop = threading.Event()
        # Shown in pg_stat_activity beside the advisory locks: which process is active.
        self._name = f"burnblack-projector-{os.getpid()}"
        self._held: set[str] = set()
        # Each held follower's position as of its last commit (or its acquisition): the row
        # is still locked and re-read before a batch is applied, so one moved by someone
        # else (a rebuild catching the live table up) is taken as found.
        self._positions: dict[str, int] = {}
        # Followers moved past batches they want nothing of: name -> (stored position, new).
        self._skipped: dict[str, tuple[int, int]] = {}

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Follow the log until `stop()`. PostgreSQL or Redis going away is waited out with
        backoff (the batch in flight rolls back and is done again), never a reason to exit."""
        while not self._stop.is_set():
            try:
                self._run_connected()
            except RECONNECTABLE as exc:
                self._held.clear()
                self._positions.clear()
                self._skipped.clear()
                delay = self._backoff.next()
                log.warning(
                    "projector.connection_lost",
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in=round(delay, 2),
                )
                self._stop.wait(delay)

    def run_once(self) -> int:
        """Process everything committed before the call (tests and the CLI's catch-up): it
        waits, up to 5 s, for older transactions still running to end, which hold back the
        log's horizon (docs/event-log.md). Returns events done."""
        self._source.settle()
        with (
            psycopg.connect(
                self._conninfo, autocommit=True, application_name=self._name
            ) as lock_conn,
            psycopg.connect(self._conninfo) as work_conn,
        ):
            _commit_asynchronously(work_conn)
            _commit_asynchronously(lock_conn)
            self._acquire(lock_conn)
            reads: dict[int, list[tuple[int, Any]]] = {}
            done = sum(
                self._drain(work_conn, f, reads) for f in self._followers if f.name in self._held
            )
            self._store_skipped(lock_conn)
            return done

    def _run_connected(self) -> None:
        with (
            psycopg.connect(
                self._conninfo, autocommit=True, application_name=self._name
            ) as lock_conn,
            psycopg.connect(self._conninfo, autocommit=True) as listen_conn,
            psycopg.connect(self._conninfo) as work_conn,
        ):
            listen_conn.execute(f'LISTEN "{self._source.channel}"')
            _commit_asynchronously(work_conn)
            _commit_asynchronously(lock_conn)
            self._held.clear()
            self._positions.clear()
            self._skipped.clear()
            while not self._stop.is_set():
                self._acquire(lock_conn)
                done = 0
                # One read per position per round, shared by the followers standing there.
                reads: dict[int, list[tuple[int, Any]]] = {}
                for follower in self._followers:
                    if follower.name in self._held:
                        done += self._drain_or_wait(work_conn, follower, reads)
                self._store_skipped(lock_conn)
                self._flush_after_commit()
                self._run_periodic(lock_conn)
                self._backoff.reset()  # a whole round worked: connected again
                if done == 0:
                    # Woken by the event store's coalesced NOTIFY (sent after appends commit);
                    # the timeout covers a missed one and lets a standby retry the locks.
                    # Rows that committed above the horizon (an older transaction is still
                    # running) wake no one when it ends: look again soon instead.
                    wait = self._held_back_wait if self._source.held_back() else self._idle_wait
                    for _ in listen_conn.notifies(timeout=wait, stop_after=1):
                        pass

    def _redis_failed(self) -> None:
        self._redis_retry_at = time.monotonic() + self._redis_backoff.next()

    def _redis_waiting(self) -> bool:
        return time.monotonic() < self._redis_retry_at

    def _run_periodic(self, conn: psycopg.Connection[Any]) -> None:
        now = time.monotonic()
        if self._redis_waiting():
            return
        for task in self._periodic:
            if not all(name in self._held for name in task.requires):
                continue
            if now < self._due.get(task.name, 0.0):
                continue
            self._due[task.name] = now + task.interval
            try:
                task.run(conn)
            except RECONNECTABLE as exc:  # next time; a dead PostgreSQL shows up in the drain
                log.warning("projector.periodic_failed", task=task.name, error=repr(exc))
                if isinstance(exc, REDIS_GONE):
                    self._redis_failed()
            except Exception:  # a bug in a sweep must not stop the projections
                log.exception("projector.periodic_failed", task=task.name)

    def _drain_or_wait(
        self,
        conn: psycopg.Connection[Any],
        follower: Follower,
        reads: dict[int, list[tuple[int, Any]]],
    ) -> int:
        """Drain one follower; if its Redis is away (a reactor enqueueing), its batch rolled
        back: it waits with backoff while the other followers (read models) carry on."""
        if time.monotonic() < self._waiting_until.get(follower.name, 0.0):
            return 0
        try:
            done = self._drain(conn, follower, reads)
        except REDIS_GONE as exc:
            backoff = self._follower_backoff.setdefault(
                follower.name, Backoff(self._backoff.first, self._backoff.cap)
            )
            delay = backoff.next()
            self._waiting_until[follower.name] = time.monotonic() + delay
            log.warning(
                "projector.follower_waiting",
                follower=follower.name,
                error=f"{type(exc).__name__}: {exc}",
                retry_in=round(delay, 2),
            )
            return 0
        if self._follower_backoff.pop(follower.name, None) is not None:
            log.info("projector.follower_resumed", follower=follower.name)
        return done

    def _flush_after_commit(self) -> None:
        """Run committed batches' after-commit work, oldest first, until one fails."""
        if self._pending and self._redis_waiting():
            return
        while self._pending:
            name, work = self._pending[0]
            try:
                work()
            except REDIS_GONE as exc:
                if not self._pending_failing:
                    log.warning(
                        "projector.after_commit_failed",
                        follower=name,
                        error=str(exc),
                        pending=len(self._pending),
                    )
                self._pending_failing = True
                self._redis_failed()
                return
            except Exception as exc:  # not worth retrying: cache entries expire anyway
                log.warning("projector.after_commit_failed", follower=name, error=repr(exc))
            self._pending.popleft()
        if self._pending_failing:
            log.info("projector.after_commit_resumed")
            self._pending_failing = False
            self._redis_backoff.reset()

    def _store_skipped(self, lock_conn: psycopg.Connection[Any]) -> None:
        """Store the positions of the followers moved past batches they wanted nothing of, in
        one statement; a position found moved by someone else is read again."""
        if not self._skipped:
            return
        skipped, self._skipped = self._skipped, {}
        params = [v for name, (old, new) in skipped.items() for v in (name, old, new)]
        stored = {row[0] for row in lock_conn.execute(_store_skipped_sql(len(skipped)), params)}
        if stored != skipped.keys():
            found = tracking.positions(lock_conn)
            for name in skipped.keys() - stored:
                self._positions[name] = found.get(name, 0)

    def _acquire(self, lock_conn: psycopg.Connection[Any]) -> None:
        for follower in self._followers:
            if follower.name in self._held:
                continue
            row = lock_conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (_lock_key(follower.name),)
            ).fetchone()
            if row and row[0]:
                self._positions[follower.name] = tracking.ensure(lock_conn, follower.name)
                self._held.add(follower.name)
                log.info("projector.active", follower=follower.name)

    def _drain(
        self,
        conn: psycopg.Connection[Any],
        follower: Follower,
        reads: dict[int, list[tuple[int, Any]]],
    ) -> int:
        """Apply what the log has after the follower's position, a batch per transaction.
        `reads` holds this round's reads by position (the log below the horizon never
        changes, so a read is good for every follower at that position)."""
        done = 0
        name = follower.name
        while not self._stop.is_set():
            position = self._positions[name]
            events = reads.get(position)
            if events is None:
                events = reads[position] = self._source.read(position, self._batch_size)
            if not events:
                break
            wants = getattr(follower, "wants", None)
            if wants is not None and not any(wants(e) for _, e in events):
                stored = self._skipped.get(name, (position, position))[0]
                self._skipped[name] = (stored, events[-1][0])
                self._positions[name] = events[-1][0]
                done += len(events)
                if len(events) < self._batch_size:
                    break
                continue
            if name in self._skipped:
                # This batch's transaction stores the position past the skipped ones too
                # (the events are those after them): it expects the position stored.
                position = self._skipped.pop(name)[0]
            after_commit: AfterCommit | None = None
            moved = False
            with conn.transaction():
                locked = tracking.lock_position(conn, name)
                if locked != position:
                    moved = True  # someone else moved it (a rebuild): read from there
                else:
                    after_commit = follower.handle(conn, events)
                    tracking.advance(conn, name, events[-1][0])
            if moved:
                self._positions[name] = locked
                continue
            self._positions[name] = events[-1][0]
            if after_commit is not None:
                if len(self._pending) >= MAX_PENDING_AFTER_COMMIT:
                    self._pending.popleft()
                    log.warning("projector.after_commit_dropped", follower=name)
                self._pending.append((name, after_commit))
                if not self._pending_failing:  # else retried once a round, not every batch
                    self._flush_after_commit()
            done += len(events)
            if len(events) < self._batch_size:
                break
        return done


def _store_skipped_sql(count: int) -> bytes:
    rows = ", ".join(["(%s, %s::bigint, %s::bigint)"] * count)
    return (
        "UPDATE projection_tracking AS t SET position = v.new, updated_at = now() "
        f"FROM (VALUES {rows}) AS v(name, old, new) "
        "WHERE t.name = v.name AND t.position = v.old RETURNING t.name"
    ).encode()


def _commit_asynchronously(conn: psycopg.Connection[Any]) -> None:
    """The followers' transactions need not wait for their WAL to reach the disk: what they
    write is derived from the log, with the position it was derived up to, in the same
    transaction, so a commit lost to a crash of PostgreSQL is lost whole and done again."""
    conn.execute("SET synchronous_commit = off")
    conn.commit()
