"""Zero-downtime rebuild of the filing read models.

1. Build the read models from the first event into shadow tables while the live ones serve,
   then index them (one sorted build per index, not an insert per row).
2. Catch up to the live projection's position.
3. In one transaction: hold the live projection's tracking row (its projector pauses), bring
   whichever side is behind to the same position (the shadow, or the live tables when no
   projector kept up), compare live and shadow (row counts and checksums, differing
   filings), and rename the shadow tables into place only if they are identical (or the
   operator forces it, which is recorded first through `on_forced`). Readers wait
   milliseconds for the rename; none fail.
4. Bump the read model's version, so cache entries of the old tables are never served again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis

from projections.cache.invalidation import CacheInvalidator
from projections.eventlog.reader import EventSource
from projections.projector import tracking
from projections.projector.bulk_load import (
    Progress,
    load_in_processes,
    load_summaries,
    read_batches,
)
from projections.read_models.filings.projection import NAME, FilingSummaryProjection, Touched
from projections.read_models.filings.redacted_rows import carry_redacted
from projections.read_models.filings.table import READ_MODEL_TABLES, create_shadow, index_shadow
from projections.read_models.sealing import FieldSeal
from projections.redis_keys import MODEL_VERSION_KEY


@dataclass
class TableComparison:
    table: str
    live_rows: int
    shadow_rows: int
    live_checksum: str
    shadow_checksum: str
    differing_keys: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.live_rows == self.shadow_rows and self.live_checksum == self.shadow_checksum


@dataclass
class RebuildReport:
    projection: str
    events: int
    seconds: float
    position: int
    comparisons: list[TableComparison]
    switched: bool
    model_version: int | None
    processes: int  # loaders of the bulk load
    forced: bool = False  # switched although the comparison found differences

    @property
    def refused(self) -> bool:
        """Compared, found differences, and kept the live tables."""
        return bool(self.comparisons) and not self.identical and not self.switched

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def identical(self) -> bool:
        # No comparison is not "identical": a dry run compares nothing.
        return bool(self.comparisons) and all(c.identical for c in self.comparisons)


MAX_PROCESSES = 64


_KEYS = {
    "filing_summary": "filing_id",
    "owner_filing": "filing_id",
    "filing_counts": "assessment_year || '/' || status",
}


def _checksum(conn: psycopg.Connection[Any], table: str) -> tuple[int, str]:
    # Order-independent: the sum of each row's hash, so no giant sorted string is built.
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)"
        f" FROM {table} t".encode()
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def _differences(
    conn: psycopg.Connection[Any], table: str, shadow: str, limit: int = 20
) -> list[str]:
    key = _KEYS[table]
    rows = conn.execute(
        f"SELECT coalesce(l.k, s.k) FROM (SELECT {key} AS k, md5(t::text) AS h FROM {table} t) l "
        f"FULL JOIN (SELECT {key} AS k, md5(t::text) AS h FROM {shadow} t) s ON l.k = s.k "
        f"WHERE l.h IS DISTINCT FROM s.h LIMIT %s".encode(),
        (limit,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def compare(conn: psycopg.Connection[Any], suffix: str) -> list[TableComparison]:
    out = []
    for table in READ_MODEL_TABLES:
        shadow = f"{table}{suffix}"
        live_rows, live_sum = _checksum(conn, table)
        shadow_rows, shadow_sum = _checksum(conn, shadow)
        comparison = TableComparison(table, live_rows, shadow_rows, live_sum, shadow_sum)
        if not comparison.identical:
            comparison.differing_keys = _differences(conn, table, shadow)
        out.append(comparison)
    return out


class Rebuilder:
    def __init__(
        self,
        conninfo: str,
        source: EventSource,
        client: redis.Redis,
        seal: FieldSeal,
        batch_size: int = 10_000,
        lock_timeout_seconds: int = 10,
        processes: int = 2,
        on_forced: Callable[[list[TableComparison]], None] | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._source = source
        self._redis = client
        self._batch = batch_size
        self._lock_timeout = lock_timeout_seconds
        # Loading processes: two on the two cores here, PostgreSQL sharing them.
        if not 1 <= processes <= MAX_PROCESSES:
            raise ValueError(f"processes must be 1 to {MAX_PROCESSES}, not {processes}")
        self._processes = processes
        self._projection = FilingSummaryProjection(seal)
        self._on_forced = on_forced
        self._invalidator = CacheInvalidator(client, NAME)

    def rebuild(
        self,
        progress: Progress | None = None,
        switch: bool = True,
        force: bool = False,
        patience: float = 30,
    ) -> RebuildReport:
        """`switch=False`: a dry run. `force`: switch even when the comparison finds
        differences (`on_forced` is called with them first, e.g. to audit it)."""
        started = time.perf_counter()
        suffix = f"__rebuild_{time.time_ns() // 1_000_000}"
        with psycopg.connect(self._conninfo) as conn:
            create_shadow(conn, suffix)
            try:
                position, done = self._load(conn, suffix, progress)
                index_shadow(conn, suffix)
                if not switch:  # a dry run: measure the replay, keep the live tables
                    self._drop(conn, suffix)
                    seconds = time.perf_counter() - started
                    return RebuildReport(
                        NAME, done, seconds, position, [], False, None, self._processes
                    )
                # What arrived during the load, before the live projector is held.
                with conn.transaction():
                    until = self._source.max_position()
                    position, more = self._fill(conn, suffix, position, until, progress)
                done += more
                self._await_live(conn, position, patience)
                touched: list[Touched] = []
                with conn.transaction():
                    # Holding the live projection's row pauses its projector at `live`.
                    live = tracking.lock_position(conn, NAME)
                    conn.execute(f"SET LOCAL lock_timeout = '{self._lock_timeout}s'".encode())
                    position, more = self._fill(conn, suffix, position, live, progress)
                    done += more
                    if position > live:
                        # No live projector kept up: catch the live tables up, so that both
                        # are compared at the same point of the log.
                        touched = self._catch_up_live(conn, live, position)
                        tracking.advance(conn, NAME, position)
                    comparisons = compare(conn, suffix)
                    identical = all(c.identical for c in comparisons)
                    version: int | None = None
                    if identical or force:
                        if not identical and self._on_forced is not None:
                            self._on_forced(comparisons)
                        version = self._switch(conn, suffix)
                    else:
                        self._drop_in_transaction(conn, suffix)
            except BaseException:
                if not conn.closed:
                    conn.rollback()
                    self._drop(conn, suffix)  # a failed rebuild leaves no shadow behind
                raise
        if touched:  # what the live projector would have done after its commit
            self._invalidator.after_commit(touched, position)
        if version is not None:
            self._redis.set(MODEL_VERSION_KEY, version)
        seconds = time.perf_counter() - started
        return RebuildReport(
            NAME,
            done,
            seconds,
            position,
            comparisons,
            version is not None,
            version,
            self._processes,
            forced=version is not None and not identical,
        )

    def _catch_up_live(
        self, conn: psycopg.Connection[Any], live: int, position: int
    ) -> list[Touched]:
        touched: list[Touched] = []
        for events, _ in read_batches(self._source, self._batch, live, position):
            touched.extend(self._projection.apply(conn, events))
        return touched

    def _await_live(self, conn: psycopg.Connection[Any], position: int, patience: float) -> None:
        """Give a running projector time to reach the shadow's position, so the two compare
        at the same point of the log."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            with conn.transaction():
                row = conn.execute(
                    "SELECT position FROM projection_tracking WHERE name = %s", (NAME,)
                ).fetchone()
            if row is not None and row[0] >= position:
                return
            time.sleep(0.2)

    def _load(
        self, conn: psycopg.Connection[Any], suffix: str, progress: Progress | None
    ) -> tuple[int, int]:
        """The bulk load (projections/projector/bulk_load.py), in partitions when more than one
        process is asked for, then the owners' lists and counts from the summaries."""
        if self._processes > 1:
            position = self._source.max_position()
            done = load_in_processes(
                self._conninfo,
                self._source,
                suffix,
                self._batch,
                self._projection.seal,
                position,
                self._processes,
                progress,
            )
        else:
            position, done = load_summaries(
                self._conninfo,
                self._source,
                suffix,
                self._batch,
                self._projection.seal,
                None,
                progress,
            )
        with conn.transaction():
            carry_redacted(conn, suffix)
            self._projection.derive_from_summary(conn, suffix)
        return position, done

    def _fill(
        self,
        conn: psycopg.Connection[Any],
        suffix: str,
        position: int,
        until: int,
        progress: Progress | None,
    ) -> tuple[int, int]:
        """The last events, in the caller's transaction."""
        done = 0
        for events, target in read_batches(self._source, self._batch, position, until):
            self._projection.apply(conn, events, table_suffix=suffix)
            position = events[-1][0]
            done += len(events)
            if progress is not None:
                progress(position, target)
        return position, done

    def _switch(self, conn: psycopg.Connection[Any], suffix: str) -> int:
        retired = f"__retired_{suffix.rsplit('_', 1)[-1]}"
        for table in READ_MODEL_TABLES:
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}{retired}".encode())
            conn.execute(f"ALTER TABLE {table}{suffix} RENAME TO {table}".encode())
        row = conn.execute(
            "INSERT INTO read_model_version (name, version) VALUES (%s, 2) "
            "ON CONFLICT (name) DO UPDATE SET version = read_model_version.version + 1, "
            "switched_at = now() RETURNING version",
            (NAME,),
        ).fetchone()
        assert row is not None
        for table in READ_MODEL_TABLES:
            conn.execute(f"DROP TABLE {table}{retired}".encode())
        return int(row[0])

    def _drop(self, conn: psycopg.Connection[Any], suffix: str) -> None:
        with conn.transaction():
            self._drop_in_transaction(conn, suffix)

    @staticmethod
    def _drop_in_transaction(conn: psycopg.Connection[Any], suffix: str) -> None:
        for table in READ_MODEL_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}".encode())
