"""Read-side HTTP benchmarks on a real API process (Granian, one worker) and projector.

1. Cached `GET /api/v1/filings/{id}` requests/s versus `GET /health/live` on the same server
   with the same client (wrk, 2 threads, 32 connections): target ratio >= 0.8.
2. Cache hit ratio under a read-heavy mix (98% reads of summaries and lists by 50 taxpayers,
   2% income changes that the projector invalidates), in steady state (after every key was
   read once), read from the API's own Prometheus counters: target >= 0.95.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks._report import emit
from tests.processes import Platform
from tests.servers import test_servers
from tests.taxpayer import Taxpayer

DURATION = os.environ.get("BENCH_WRK_DURATION", "5s")
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
MIX_REQUESTS = int(os.environ.get("BENCH_MIX_REQUESTS", "3000"))


def wrk(url: str, headers: dict[str, str]) -> float:
    args = ["wrk", "-t2", "-c32", f"-d{DURATION}", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def cache_counts(base_url: str) -> dict[str, float]:
    text = httpx.get(base_url + "/metrics").text
    counts: dict[str, float] = {}
    for result, value in re.findall(
        r'^burnblack_read_cache_requests_total\{result="(\w+)"\} ([\d.e+]+)$', text, re.M
    ):
        counts[result] = float(value)
    return counts


def session_cookie(tp: Taxpayer) -> str:
    return "; ".join(f"{name}={value}" for name, value in tp.client.cookies.items())


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk; `make bench` installs it)")
    with test_servers() as servers, tempfile.TemporaryDirectory() as logs:
        platform = Platform(servers.database_url, servers.redis_url, Path(logs))
        platform.start()
        try:
            url = platform.url()
            me = Taxpayer(url).register_and_login()
            fid = me.start_filing()["id"]
            r = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 1_500_000}})
            position = r.json()["position"]
            assert (
                me.client.get(f"/api/v1/filings/{fid}?min_position={position}").status_code == 200
            )
            cookie = {"Cookie": session_cookie(me)}
            live, cached = [], []
            for _ in range(REPEATS):
                live.append(wrk(url + "/health/live", {}))
                cached.append(wrk(f"{url}/api/v1/filings/{fid}", cookie))
            emit(
                "read_api",
                "cached_get_filing_rps_vs_live",
                statistics.median(cached),
                statistics.median(live),
                target=0.8,
            )

            # Read-heavy mix across many taxpayers.
            rng = random.Random(4)
            people = []
            for _ in range(50):
                tp = Taxpayer(url).register_and_login()
                f = tp.start_filing()
                people.append([tp, f["id"], f["version"]])
            time.sleep(1)
            for tp, filing_id, _ in people:  # warm-up: steady state, not a cold start
                tp.client.get(f"/api/v1/filings/{filing_id}")
                tp.client.get("/api/v1/filings")
            before = cache_counts(url)
            for _ in range(MIX_REQUESTS):
                person = rng.choice(people)
                tp, filing_id, version = person
                roll = rng.random()
                if roll < 0.02:
                    r = tp.put(
                        f"/api/v1/filings/{filing_id}/income",
                        version,
                        {"salary": {"gross": rng.randrange(0, 5_000_000, 1000)}},
                    )
                    if r.status_code == 200:
                        person[2] = r.json()["version"]
                elif roll < 0.7:
                    tp.client.get(f"/api/v1/filings/{filing_id}")
                else:
                    tp.client.get("/api/v1/filings")
            after = cache_counts(url)
            hits = after.get("hit", 0) - before.get("hit", 0)
            hits += after.get("coalesced", 0) - before.get("coalesced", 0)
            lookups = hits + after.get("miss", 0) - before.get("miss", 0)
            emit("read_api", "cache_hit_ratio_read_heavy", hits / lookups, None, target=0.95)
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
