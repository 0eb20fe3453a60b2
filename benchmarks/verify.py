"""The hash chain: how fast a whole store verifies, and what the chain costs an append.

1. `events_verified_per_s_vs_bare_read`: `burnblack audit verify`'s check (every link, every
   anchor of a sealed day, the day's root and signature) over BENCH_VERIFY_FILINGS (10,000)
   seeded filings, events per second, median of BENCH_REPEATS (3). Target (issue 19):
   >= 200,000 events/s. Baseline: a bare binary read of the same rows in primary-key order
   (what any check must at least read), same run, same database.
2. `saves_per_s_16_writers_chained_vs_unchained`: benchmarks/append.py's 16 writers, the
   recorder with the chain against the same recorder without it (`chained = False`), both
   warmed alike (16 connections each, every statement prepared, then ANALYZE), in
   BENCH_APPEND_REPEATS (12) pairs of BENCH_VERIFY_APPEND_SECONDS (2) runs whose order
   alternates; value and baseline are the median
   rates, and the line also gives each pair's ratio, their median, and the load average
   before each pair and at the end. Target: ratio >= 0.9 (the chain costs <= 10 %).
3. `update_saves_per_s_16_writers_chained_vs_unchained`: the same, each writer appending
   to an aggregate of its own (version 2, 3, ...: the append looks up version - 1, where a
   new aggregate's first event needs no lookup). Target: ratio >= 0.9.
   Every save here appends one event, which both recorders now append with the same
   single-row `INSERT … VALUES` (projections/eventlog/chain.py `one_row_insert`); the
   chained one adds its two link parameters and the probe of version - 1. The workload is
   unchanged; the baseline got faster with the chained append (about 1,500 saves/s for
   each instead of 1,000 on the private PostgreSQL), so the ratio is not made easier.
   `cpu_us_per_save_16_writers_chained_vs_unchained` and `update_cpu_...`: from the same
   runs, CPU microseconds a save (this process and the database's backends, from /proc
   when PostgreSQL runs on this machine), less sensitive than the rates to the rest of the
   machine's load. Target: ratio <= 1.1.
4. `single_writer_save_ms_chained_vs_unchained`: one writer, median ms a save (of
   BENCH_VERIFY_SINGLE_SAVES, 400), in pairs as above. Target <= 1.1.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks import append
from benchmarks._report import emit
from burnblack import audit_keys
from burnblack.bootstrap import wiring
from burnblack.eventstore import HorizonRecorder
from burnblack.seed import seed_filings
from burnblack.settings import Settings
from projections.eventlog.chain_days import seal_day, verify
from tests.servers import test_servers

FILINGS = int(os.environ.get("BENCH_VERIFY_FILINGS", "10000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
# Many short pairs rather than a few long ones: other work on the machine comes in bursts of
# seconds, and a short pair's two runs see the same burst.
APPEND_REPEATS = int(os.environ.get("BENCH_APPEND_REPEATS", "12"))
APPEND_SECONDS = float(os.environ.get("BENCH_VERIFY_APPEND_SECONDS", "2"))
SINGLE_SAVES = int(os.environ.get("BENCH_VERIFY_SINGLE_SAVES", "400"))
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


def _load() -> float:
    return round(os.getloadavg()[0], 2)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(conn: psycopg.Connection[Any]) -> float:
    """CPU time of this process and of every other backend of the database (the writers'
    connections: the idle application's use none meanwhile), read from /proc when
    PostgreSQL runs on this machine (otherwise this process's only)."""
    total = time.process_time()
    for (pid,) in conn.execute(
        "SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


Measured = tuple[dict[bool, list[float]], list[float], list[float]]


def _compare(apps: dict[bool, append.Notes], measure: Callable[[append.Notes], float]) -> Measured:
    """APPEND_REPEATS pairs, the order alternated from pair to pair: each recorder's values,
    each pair's ratio (chained / unchained), and the load average before each pair."""
    values: dict[bool, list[float]] = {True: [], False: []}
    ratios, loads = [], []
    for i in range(APPEND_REPEATS):
        loads.append(_load())
        pair = {}
        for chained in (True, False) if i % 2 == 0 else (False, True):
            pair[chained] = measure(apps[chained])
            values[chained].append(pair[chained])
        ratios.append(pair[True] / pair[False])
    return values, ratios, loads


def _writers(
    apps: dict[bool, append.Notes], conn: psycopg.Connection[Any], updates: bool
) -> tuple[Measured, Measured]:
    """16 writers in pairs: saves a second, and CPU (µs: this process and the backends) a
    save, less sensitive than the rate to what else runs on the machine."""
    cpu: dict[bool, list[float]] = {True: [], False: []}

    def measure(app: append.Notes) -> float:
        saved: list[int] = []
        before = _cpu_seconds(conn)
        rate = append.saves_per_second(app, updates, seconds=APPEND_SECONDS, saved=saved)
        cpu[app is apps[True]].append((_cpu_seconds(conn) - before) / saved[0] * 1e6)
        return rate

    rates = _compare(apps, measure)
    ratios = [c / u for c, u in zip(cpu[True], cpu[False], strict=True)]  # one each a pair
    return rates, (cpu, ratios, rates[2])


def _emit_pairs(metric: str, measured: Measured, target: float) -> None:
    values, ratios, loads = measured
    emit(
        "verify",
        metric,
        statistics.median(values[True]),
        statistics.median(values[False]),
        target=target,
        pair_ratio_median=round(statistics.median(ratios), 4),
        pair_ratios=[round(r, 3) for r in ratios],
        load_avg=[*loads, _load()],
    )


def append_cost(database_url: str) -> None:
    apps = {chained: notes(database_url, chained) for chained in (True, False)}
    try:
        for app in apps.values():
            # Warm both alike: 16 writers grow each pool to 16 connections and prepare each
            # statement (new aggregates, later versions) on every one of them, so that
            # neither side's first measured run pays for connecting and planning.
            for _ in range(50):
                app.save(append.Note(text="warm"))
            append.saves_per_second(app, seconds=1)
            append.saves_per_second(app, updates=True, seconds=1)
        # Both tables are new: give them statistics, as autovacuum does within a minute of a
        # real store's first rows. Without them the chained append's lookup of version - 1
        # was planned as a scan of the whole (growing) table: 4 ms a save against 0.8.
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        with psycopg.connect(database_url, autocommit=True) as conn:
            for updates, prefix in ((False, ""), (True, "update_")):
                rates, cpu = _writers(apps, conn, updates)
                _emit_pairs(f"{prefix}saves_per_s_16_writers_chained_vs_unchained", rates, 0.9)
                _emit_pairs(f"{prefix}cpu_us_per_save_16_writers_chained_vs_unchained", cpu, 1.1)
        _emit_pairs(
            "single_writer_save_ms_chained_vs_unchained",
            _compare(
                apps, lambda app: statistics.median(append.save_latencies_ms(app, SINGLE_SAVES))
            ),
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
