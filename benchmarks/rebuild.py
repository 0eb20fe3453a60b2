"""Rebuild rate of the filing read models versus a bare sequential read of the same events.

Target (issue 4): >= 30,000 events/s, and >= 0.25 of the bare psycopg read of the events
table, both measured here in one run on one database. The bare read fetches binary results,
as the rebuild's own reader does: the fastest read psycopg offers (about 1.7x a text-format
read), so the ratio is not flattered by a slow baseline. The ratio to psycopg's default
(text) read is printed beside it, as the other reading of "a bare read".
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import psycopg

from benchmarks._report import emit
from burnblack.bootstrap import wiring
from burnblack.seed import seed_filings
from burnblack.settings import Settings
from projections.projector.rebuild import Rebuilder
from projections.schema import ensure_schema
from tests.servers import test_servers

FILINGS = int(os.environ.get("BENCH_REBUILD_FILINGS", "20000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def bare_read(database_url: str, binary: bool = True) -> tuple[int, float]:
    """Every row of the events table in notification order, in pages, as a projector reads:
    in binary (as the projector's own log reader, psycopg's fastest) or psycopg's default
    text format."""
    start = time.perf_counter()
    n, after = 0, 0
    with psycopg.connect(database_url) as conn:
        while True:
            rows = conn.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM filings_events WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT 5000",
                (after,),
                binary=binary,
            ).fetchall()
            if not rows:
                break
            n += len(rows)
            after = rows[-1][0]
    return n, time.perf_counter() - start


def main() -> None:
    with test_servers() as servers:
        settings = Settings.from_env(
            {"DATABASE_URL": servers.database_url, "REDIS_URL": servers.redis_url}
        )
        app = wiring.filings_app(settings)
        pool = wiring.pg_pool(settings, "bench")
        with pool.connection() as conn:
            ensure_schema(conn)
        pool.close()
        started = time.perf_counter()
        seed_filings(app, FILINGS, batch=500)
        print(f"seeded {FILINGS} filings in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        rebuilder = Rebuilder(
            servers.database_url,
            wiring.event_log(settings, app),
            wiring.redis_client(settings),
            wiring.read_model_seal(app),
        )
        bare_rates, text_rates, rebuild_rates = [], [], []
        for _ in range(REPEATS):
            n, seconds = bare_read(servers.database_url)
            bare_rates.append(n / seconds)
            text_n, seconds = bare_read(servers.database_url, binary=False)
            text_rates.append(text_n / seconds)
            report = rebuilder.rebuild(switch=False)
            assert report.events == n, (report.events, n)
            rebuild_rates.append(report.events_per_second)
        app.close()
    bare, rate = statistics.median(bare_rates), statistics.median(rebuild_rates)
    emit("rebuild", "events_per_s_vs_bare_read", rate, bare, target=0.25)
    emit("rebuild", "events_per_s_vs_text_read", rate, statistics.median(text_rates), target=0.25)
    emit("rebuild", "events_per_s", rate, None, target=30000)


if __name__ == "__main__":
    main()
