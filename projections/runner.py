"""Follows the notification log for a set of followers (projections and reactors).

Each follower processes events in batches: its effects and its new position commit in one
transaction, so a crash replays at most the uncommitted batch and nothing is applied twice.
One process is active per follower (a PostgreSQL advisory lock held on a session); a standby
takes over within a second or two of the active one dying.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
import structlog

from projections import tracking
from projections.eventlog import EventSource

log = structlog.get_logger(__name__)

AfterCommit = Callable[[], None]


class Follower(Protocol):
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


class LogRunner:
    def __init__(
        self,
        conninfo: str,
        source: EventSource,
        followers: list[Follower],
        batch_size: int = 500,
        idle_wait: float = 1.0,
        held_back_wait: float = 0.02,
    ) -> None:
        self._conninfo = conninfo
        self._source = source
        self._followers = followers
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._held_back_wait = held_back_wait
        self._stop = threading.Event()
        # Shown in pg_stat_activity beside the advisory locks: which process is active.
        self._name = f"burnblack-projector-{os.getpid()}"
        self._held: set[str] = set()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self._run_connected()
            except psycopg.OperationalError as exc:
                log.warning("projector.connection_lost", error=str(exc))
                self._held.clear()
                self._stop.wait(1.0)

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
            self._acquire(lock_conn)
            return sum(self._drain(work_conn, f) for f in self._followers if f.name in self._held)

    def _run_connected(self) -> None:
        with (
            psycopg.connect(
                self._conninfo, autocommit=True, application_name=self._name
            ) as lock_conn,
            psycopg.connect(self._conninfo, autocommit=True) as listen_conn,
            psycopg.connect(self._conninfo) as work_conn,
        ):
            listen_conn.execute(f'LISTEN "{self._source.channel}"')
            self._held.clear()
            while not self._stop.is_set():
                self._acquire(lock_conn)
                done = 0
                for follower in self._followers:
                    if follower.name in self._held:
                        done += self._drain(work_conn, follower)
                if done == 0:
                    # Woken by the event store's coalesced NOTIFY (sent after appends commit);
                    # the timeout covers a missed one and lets a standby retry the locks.
                    # Rows that committed above the horizon (an older transaction is still
                    # running) wake no one when it ends: look again soon instead.
                    wait = self._held_back_wait if self._source.held_back() else self._idle_wait
                    for _ in listen_conn.notifies(timeout=wait, stop_after=1):
                        pass

    def _acquire(self, lock_conn: psycopg.Connection[Any]) -> None:
        for follower in self._followers:
            if follower.name in self._held:
                continue
            row = lock_conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (_lock_key(follower.name),)
            ).fetchone()
            if row and row[0]:
                self._held.add(follower.name)
                log.info("projector.active", follower=follower.name)

    def _drain(self, conn: psycopg.Connection[Any], follower: Follower) -> int:
        done = 0
        while not self._stop.is_set():
            after_commit: AfterCommit | None = None
            with conn.transaction():
                position = tracking.lock_position(conn, follower.name)
                events = self._source.read(position, self._batch_size)
                if not events:
                    break
                after_commit = follower.handle(conn, events)
                tracking.advance(conn, follower.name, events[-1][0])
            if after_commit is not None:
                try:
                    after_commit()
                except Exception as exc:  # the batch is committed; cache entries expire anyway
                    log.warning(
                        "projector.after_commit_failed", follower=follower.name, error=str(exc)
                    )
            done += len(events)
            if len(events) < self._batch_size:
                break
        return done
