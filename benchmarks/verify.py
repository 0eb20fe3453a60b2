"""The hash chain: how fast a whole store verifies, and what the chain costs an append.

1. `events_verified_per_s_vs_bare_read`: `burnblack audit verify`'s check (every link, every
   anchor of a sealed day, the day's root and signature) over BENCH_VERIFY_FILINGS (10,000)
   seeded filings, events per second, median of BENCH_REPEATS (3). Target (issue 19):
   >= 200,000 events/s. Baseline: a bare binary read of the same rows in primary-key order
   (what any check must at least read), same run, same database.
2. `saves_per_s_16_writers_chained_vs_unchained`: benchmarks/append.py's 16 writers, the
   recorder with the chain against the same recorder without it (`chained = False`), runs
   alternated, median of BENCH_REPEATS. Target: ratio >= 0.9 (the chain costs <= 10 %).
3. `update_saves_per_s_16_writers_chained_vs_unchained`: the same, each writer appending
   to an aggregate of its own (version 2, 3, ...: the append looks up version - 1, where a
   new aggregate's first event needs no lookup). Target: ratio >= 0.9.
4. `single_writer_save_ms_chained_vs_unchained`: one writer, median ms a save. Target <= 1.1.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks import append
from benchmarks._report import emit
from burnblack import audit_keys, wiring
from burnblack.eventstore import HorizonRecorder
from burnblack.seed import seed_filings
from burnblack.settings import Settings
from projections.eventlog.chain_days import seal_day, verify
from tests.servers import test_servers

FILINGS = int(os.environ.get("BENCH_VERIFY_FILINGS", "10000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
PARTITIONS = int(os.environ.get("BENCH_VERIFY_PARTITIONS", "4"))  # the CLI's default


class UnchainedRecorder(HorizonRecorder):
    """The same recorder, appending without the chain (the baseline's own tables)."""

    chained = False


def notes(database_url: str, chained: bool) -> append.Notes:
    env = wiring.eventsourcing_env(database_url, pool_size=append.WRITERS)
    if not chained:
        env["APPLICATION_RECORDER_TOPIC"] = "benchmarks.verify:UnchainedRecorder"
    name = "notes_chained" if chained else "notes_unchained"
    return type(name, (append.Notes,), {"name": name})(env=env)


def bare_read(database_url: str, table: str) -> tuple[int, float]:
    start = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor("bare", binary=True) as cur:
        cur.itersize = 5000
        cur.execute(
            f"SELECT originator_id, originator_version, topic, state, chain_hash FROM {table} "
            "ORDER BY originator_id, originator_version"
        )
        n = sum(1 for _ in cur)
    return n, time.perf_counter() - start


def verify_rates(database_url: str, table: str) -> None:
    key = Ed25519PrivateKey.generate()
    public = audit_keys.public_bytes(key.public_key())
    with psycopg.connect(database_url, autocommit=True) as conn:
        seal_day(conn, table, dt.date(2026, 7, 31), public, key.sign)
        rates, bare = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            report = verify(
                conn,
                table,
                public_key=public,
                check=audit_keys.check,
                database_url=database_url,
                partitions=PARTITIONS,
            )
            rates.append(report.events / (time.perf_counter() - started))
            assert report.intact and report.days == 1, report
            n, seconds = bare_read(database_url, table)
            bare.append(n / seconds)
    print(f"{report.events:,} events in {report.filings:,} filings", file=sys.stderr)
    emit(
        "verify",
        "events_verified_per_s_vs_bare_read",
        statistics.median(rates),
        statistics.median(bare),
        target=200_000,
    )


def append_cost(database_url: str) -> None:
    apps = {chained: notes(database_url, chained) for chained in (True, False)}
    try:
        for app in apps.values():  # warm the pools and the prepared statements
            for _ in range(50):
                app.save(append.Note(text="warm"))
        # Both tables are new: give them statistics, as autovacuum does within a minute of a
        # real store's first rows. Without them the chained append's check of version - 1
        # was planned as a scan of the whole (growing) table: 4 ms a save against 0.8.
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(REPEATS):
            for chained, app in apps.items():
                rates[chained].append(append.saves_per_second(app))
        emit(
            "verify",
            "saves_per_s_16_writers_chained_vs_unchained",
            statistics.median(rates[True]),
            statistics.median(rates[False]),
            target=0.9,
        )
        updates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(REPEATS):
            for chained, app in apps.items():
                updates[chained].append(append.saves_per_second(app, updates=True))
        emit(
            "verify",
            "update_saves_per_s_16_writers_chained_vs_unchained",
            statistics.median(updates[True]),
            statistics.median(updates[False]),
            target=0.9,
        )
        latencies = {chained: append.save_latencies_ms(app) for chained, app in apps.items()}
        emit(
            "verify",
            "single_writer_save_ms_chained_vs_unchained",
            statistics.median(latencies[True]),
            statistics.median(latencies[False]),
            target=1.1,
        )
    finally:
        for app in apps.values():
            app.close()


def main() -> None:
    with test_servers() as servers:
        settings = Settings.from_env(
            {"DATABASE_URL": servers.database_url, "REDIS_URL": servers.redis_url}
        )
        app = wiring.filings_app(settings)
        started = time.perf_counter()
        seed_filings(app, FILINGS, batch=500)
        print(f"seeded {FILINGS} filings in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        table = str(getattr(app.recorder, "events_table_name", "filings_events"))
        app.close()
        verify_rates(servers.database_url, table)
        append_cost(servers.database_url)


if __name__ == "__main__":
    main()
