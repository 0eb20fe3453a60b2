"""The load test's report: numbers from plain data (no locust objects), so it is tested with
synthetic stats; `html.py` draws it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

from burnblack.loadtest.sampling import parse_key

# The review's success metrics (issue 16), and the stricter targets of the issue itself.
TARGET_USERS = 1000
TARGET_P95_MS = 200.0
TARGET_POOL = 0.80
TARGET_CACHE_HIT = 0.70
TARGET_HIGH_WAIT_S = 5.0
TARGET_ERROR_RATE = 0.001


def percentile(times: dict[int, int], q: float) -> float:
    """The q-th quantile (0..1) of a {milliseconds: count} histogram; 0 when empty.

    Nearest rank: the smallest time with at least q of the requests at or below it."""
    total = sum(times.values())
    if total <= 0:
        return 0.0
    rank = max(1, math.ceil(q * total))
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= rank:
            return float(ms)
    return float(max(times))


def merge(histograms: Iterable[dict[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for h in histograms:
        for ms, n in h.items():
            out[int(ms)] = out.get(int(ms), 0) + int(n)
    return out


def endpoint_label(e: dict[str, Any]) -> str:
    return f"{e['method']} {e['name']}" if e.get("method") else str(e["name"])


def endpoint_rows(endpoints: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
    rows = []
    # locust keeps an endpoint's row after a reset: one only the ramp used has no requests.
    for e in sorted(endpoints, key=lambda e: -int(e["requests"])):
        if not int(e["requests"]):
            continue
        times = {int(k): int(v) for k, v in e["response_times"].items()}
        n, failed = int(e["requests"]), int(e["failures"])
        rows.append(
            {
                "endpoint": endpoint_label(e),
                "requests": n,
                "failures": failed,
                "error_rate": failed / n if n else 0.0,
                "rps": n / seconds if seconds > 0 else 0.0,
                "p50_ms": percentile(times, 0.50),
                "p95_ms": percentile(times, 0.95),
                "p99_ms": percentile(times, 0.99),
                "avg_ms": float(e.get("total_ms", 0.0)) / n if n else 0.0,
                "max_ms": float(e.get("max_ms", 0.0)),
            }
        )
    return rows


def summary(endpoints: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    times = merge({int(k): int(v) for k, v in e["response_times"].items()} for e in endpoints)
    n = sum(int(e["requests"]) for e in endpoints)
    failed = sum(int(e["failures"]) for e in endpoints)
    return {
        "requests": n,
        "failures": failed,
        "error_rate": failed / n if n else 0.0,
        "rps": n / seconds if seconds > 0 else 0.0,
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "seconds": round(seconds, 2),
    }


def timeseries(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-window totals and per-endpoint rates and percentiles, ready to plot."""
    ts: dict[str, Any] = {
        "t": [],
        "users": [],
        "rps": [],
        "fail_per_s": [],
        "p50_ms": [],
        "p95_ms": [],
        "p99_ms": [],
        "endpoints": {},
    }
    names = sorted({n for p in points for n in p["endpoints"]})
    for name in names:
        ts["endpoints"][name] = {
            "rps": [],
            "fail_per_s": [],
            "p50_ms": [],
            "p95_ms": [],
            "p99_ms": [],
        }
    previous_t = None
    for p in points:
        t = float(p["t"])
        width = t - previous_t if previous_t is not None and t > previous_t else 1.0
        previous_t = t
        ts["t"].append(round(t, 2))
        ts["users"].append(p.get("users", 0))
        windows = p["endpoints"]
        all_times = merge(
            {int(k): int(v) for k, v in w["response_times"].items()} for w in windows.values()
        )
        ts["rps"].append(round(sum(w["requests"] for w in windows.values()) / width, 2))
        ts["fail_per_s"].append(round(sum(w["failures"] for w in windows.values()) / width, 2))
        for q, key in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
            ts[key].append(percentile(all_times, q) if all_times else None)
        for name in names:
            w = windows.get(name, {"requests": 0, "failures": 0, "response_times": {}})
            times = {int(k): int(v) for k, v in w["response_times"].items()}
            series = ts["endpoints"][name]
            series["rps"].append(round(w["requests"] / width, 2))
            series["fail_per_s"].append(round(w["failures"] / width, 2))
            for q, key in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
                series[key].append(percentile(times, q) if times else None)
    return ts


def histogram_quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile on cumulative {upper bound: count} buckets."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for b in bounds:
        count = buckets[b]
        if count >= rank:
            if math.isinf(b):
                return lower_bound
            if count == lower_count:
                return b
            return lower_bound + (b - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = b, count
    return bounds[-1]


def _series(points: list[dict[str, Any]]) -> list[tuple[float, str, str, dict[str, str], float]]:
    """Every scraped value as (t, target, metric name, labels, value)."""
    out = []
    for p in points:
        for target, series in p["targets"].items():
            for key, value in series.items():
                name, labels = parse_key(key)
                out.append((float(p["t"]), target, name, labels, float(value)))
    return out


def _delta_by(
    first: dict[str, dict[str, float]], last: dict[str, dict[str, float]], metric: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Counter increase per (target, labels) between two scrapes (a restart counts from 0)."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for target, series in last.items():
        for key, value in series.items():
            name, labels = parse_key(key)
            if name != metric:
                continue
            before = first.get(target, {}).get(key, 0.0)
            grew = value - before if value >= before else value
            out[(target, tuple(sorted(labels.items())))] = grew
    return out


def platform(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Pools, Redis connections, cache, queues, jobs and lag from the scrapes of the
    measured phase (counters and histograms as increases over it)."""
    result: dict[str, Any] = {
        "scrapes": len(points),
        "pool_utilisation_max": {},
        "pool_in_use_peak": {},
        "pool_waiting_max": {},
        "redis_connections_max": {},
        "server_connections_max": {},
        "queue_depth_max": {},
        "oldest_job_age_max_s": {},
        "projection_lag_max": {},
        "cache": {},
        "queue_wait_p95_s": {},
        "jobs": {},
        "series": {"t": [], "pool_utilisation_max": [], "redis_in_use": [], "lag_seconds": []},
    }
    if not points:
        return result
    by_t: dict[float, dict[str, float]] = {}
    usage: dict[str, list[tuple[float, float]]] = {}
    sizes: dict[str, float] = {}
    for t, target, name, labels, value in _series(points):
        row = by_t.setdefault(t, {"pool": 0.0, "redis": 0.0, "lag": 0.0})
        if name == "burnblack_db_pool_utilisation":
            key = f"{target}/{labels.get('pool', '?')}"
            peaks = result["pool_in_use_peak"]
            peaks[key] = max(peaks.get(key, 0.0), value)
        elif name == "burnblack_db_pool_usage_seconds_total":
            usage.setdefault(f"{target}/{labels.get('pool', '?')}", []).append((t, value))
        elif name == "burnblack_db_pool_connections" and labels.get("state") == "max":
            sizes[f"{target}/{labels.get('pool', '?')}"] = value
        elif name == "burnblack_db_pool_connections" and labels.get("state") == "waiting":
            key = f"{target}/{labels.get('pool', '?')}"
            result["pool_waiting_max"][key] = max(result["pool_waiting_max"].get(key, 0.0), value)
        elif name == "burnblack_redis_connections" and labels.get("state") == "in_use":
            key = f"{target}/{labels.get('client', '?')}"
            conns = result["redis_connections_max"]
            conns[key] = max(conns.get(key, 0.0), value)
            row["redis"] += value
        elif name in ("server_pg_connections", "server_redis_clients"):
            key = labels.get("scope", "redis clients") if labels else "redis clients"
            servers = result["server_connections_max"]
            servers[key] = max(servers.get(key, 0.0), value)
        elif name == "burnblack_rq_oldest_job_age_seconds":
            q = labels.get("queue", "?")
            ages = result["oldest_job_age_max_s"]
            ages[q] = round(max(ages.get(q, 0.0), value), 3)
        elif name == "burnblack_rq_queue_depth":
            q = labels.get("queue", "?")
            result["queue_depth_max"][q] = max(result["queue_depth_max"].get(q, 0.0), value)
        elif name.startswith("burnblack_projection_lag_"):
            follower = labels.get("follower", "?")
            lag = result["projection_lag_max"].setdefault(follower, {"events": 0.0, "seconds": 0.0})
            unit = "events" if name.endswith("events") else "seconds"
            lag[unit] = max(lag[unit], value)
            if unit == "seconds":
                row["lag"] = max(row["lag"], value)
    # Utilisation: connection-seconds lent out per second of a window, over the pool's max.
    for key, samples in usage.items():
        most = sizes.get(key, 0.0)
        for (t0, u0), (t1, u1) in itertools.pairwise(samples):
            if t1 <= t0 or most <= 0 or u1 < u0:
                continue
            share = min(1.0, (u1 - u0) / ((t1 - t0) * most))
            pools = result["pool_utilisation_max"]
            pools[key] = round(max(pools.get(key, 0.0), share), 4)
            row = by_t.setdefault(t1, {"pool": 0.0, "redis": 0.0, "lag": 0.0})
            row["pool"] = max(row["pool"], share)
    for t in sorted(by_t):
        result["series"]["t"].append(t)
        result["series"]["pool_utilisation_max"].append(round(by_t[t]["pool"], 4))
        result["series"]["redis_in_use"].append(by_t[t]["redis"])
        result["series"]["lag_seconds"].append(round(by_t[t]["lag"], 3))
    values = list(result["pool_utilisation_max"].values())
    result["pool_utilisation_max_overall"] = max(values) if values else None
    lags = [v["seconds"] for v in result["projection_lag_max"].values()]
    result["projection_lag_seconds_max"] = max(lags) if lags else None
    result["projection_lag_events_max"] = max(
        (v["events"] for v in result["projection_lag_max"].values()), default=None
    )

    first, last = points[0]["targets"], points[-1]["targets"]
    cache: dict[str, float] = {}
    for (_, label_items), grew in _delta_by(
        first, last, "burnblack_read_cache_requests_total"
    ).items():
        kind = dict(label_items).get("result", "?")
        cache[kind] = cache.get(kind, 0.0) + grew
    hits, misses = cache.get("hit", 0.0), cache.get("miss", 0.0)
    coalesced = cache.get("coalesced", 0.0)
    lookups = hits + misses + coalesced
    result["cache"] = {
        "hits": hits,
        "misses": misses,
        "coalesced": coalesced,
        "hit_ratio": hits / lookups if lookups else None,
    }

    waits: dict[str, dict[float, float]] = {}
    for (_, label_items), grew in _delta_by(
        first, last, "burnblack_rq_job_wait_seconds_bucket"
    ).items():
        d = dict(label_items)
        bound = float(d.get("le", "inf").replace("+Inf", "inf"))
        bucket = waits.setdefault(d.get("queue", "?"), {})
        bucket[bound] = bucket.get(bound, 0.0) + grew
    for queue, buckets in sorted(waits.items()):
        p95 = histogram_quantile(0.95, buckets)
        result["queue_wait_p95_s"][queue] = None if p95 is None else round(p95, 4)

    durations: dict[str, dict[float, float]] = {}
    sums: dict[str, float] = {}
    for (_, label_items), grew in _delta_by(
        first, last, "burnblack_rq_job_duration_seconds_bucket"
    ).items():
        d = dict(label_items)
        key = f"{d.get('queue', '?')}:{d.get('function', '?')}:{d.get('outcome', '?')}"
        bound = float(d.get("le", "inf").replace("+Inf", "inf"))
        bucket = durations.setdefault(key, {})
        bucket[bound] = bucket.get(bound, 0.0) + grew
    for (_, label_items), grew in _delta_by(
        first, last, "burnblack_rq_job_duration_seconds_sum"
    ).items():
        d = dict(label_items)
        key = f"{d.get('queue', '?')}:{d.get('function', '?')}:{d.get('outcome', '?')}"
        sums[key] = sums.get(key, 0.0) + grew
    for key, buckets in sorted(durations.items()):
        count = buckets.get(math.inf, max(buckets.values(), default=0.0))
        if count <= 0:
            continue
        p95 = histogram_quantile(0.95, buckets)
        result["jobs"][key] = {
            "count": int(count),
            "mean_s": round(sums.get(key, 0.0) / count, 4),
            "p95_s": None if p95 is None else round(p95, 4),
        }
    return result


def cpu(points: list[dict[str, Any]]) -> dict[str, Any]:
    names = sorted({n for p in points for n in p["process_percent"]})
    out: dict[str, Any] = {"processes": {}, "machine": {}, "series": {"t": [], "machine": []}}
    for n in names:
        values = [p["process_percent"].get(n, 0.0) for p in points]
        out["processes"][n] = {
            "avg_percent": round(sum(values) / len(values), 1) if values else 0.0,
            "max_percent": max(values, default=0.0),
        }
        out["series"][n] = values
    machine = [float(p["machine_percent"]) for p in points]
    out["machine"] = {
        "avg_percent": round(sum(machine) / len(machine), 1) if machine else 0.0,
        "max_percent": max(machine, default=0.0),
    }
    out["series"]["t"] = [p["t"] for p in points]
    out["series"]["machine"] = machine
    return out


def add_cpu_per_request(cpu_report: dict[str, Any], rps: float) -> None:
    """CPU milliseconds per request served, per process (the load generator's included): a
    share of a core divided by requests per second. Wall-clock latency on a shared machine
    moves with everything else running; this moves with the code (issue 16)."""
    for values in cpu_report["processes"].values():
        values["ms_per_request"] = round(10 * values["avg_percent"] / rps, 3) if rps else None
    apis = [v for n, v in cpu_report["processes"].items() if n.startswith("api")]
    cpu_report["api_ms_per_request"] = (
        round(sum(v["ms_per_request"] for v in apis), 3) if apis and rps else None
    )
    cpu_report["rest_ms_per_request"] = rest_of_stack(cpu_report["processes"]) if rps else None


def rest_of_stack(processes: dict[str, dict[str, Any]]) -> float | None:
    """CPU ms per request of everything but the API processes and the load generator: the
    worker, projector and nginx, PostgreSQL's processes for the stack's database (the whole
    machine's when that line is missing: a run with --host) and Redis (the machine's: one
    server process, shared). None without the stack's own processes."""
    mine: list[float] = [
        float(v["ms_per_request"])
        for n, v in processes.items()
        if not n.startswith(("api", "load generator", "postgres", "redis"))
    ]
    if not mine:
        return None
    pg = processes.get("postgres (this database)") or processes.get("postgres (machine)") or {}
    redis = processes.get("redis (machine)") or {}
    extra = [pg.get("ms_per_request"), redis.get("ms_per_request")]
    return round(sum(mine) + sum(float(v) for v in extra if v is not None), 3)


def _target(
    metric: str, target: str, value: float | None, ok: bool | None, shown: str
) -> dict[str, Any]:
    return {"metric": metric, "target": target, "value": value, "shown": shown, "pass": ok}


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The review's success metrics, pass/fail (`pass` None: the run had no data for it)."""
    s, plat = report["summary"], report["platform"]
    users = int(report["meta"]["users"])
    worst = max(report["endpoints"], key=lambda r: r["p95_ms"], default=None)
    pool = plat.get("pool_utilisation_max_overall")
    hit = (plat.get("cache") or {}).get("hit_ratio")
    started = (plat.get("queue_wait_p95_s") or {}).get("high")
    # Jobs still waiting count too: a blocked queue starts no job to observe.
    oldest = (plat.get("oldest_job_age_max_s") or {}).get("high")
    waits = [w for w in (started, oldest) if w is not None]
    wait = max(waits) if waits else None
    wait_shown = "no jobs ran"
    if wait is not None:
        wait_shown = f"{wait * 1000:,.0f} ms"
        if oldest is not None and started is not None and oldest > started:
            wait_shown += f" (a job waited this long; p95 of started jobs {started * 1000:,.0f} ms)"
    rows = [
        _target(
            "concurrent users", f">= {TARGET_USERS:,}", users, users >= TARGET_USERS, f"{users:,}"
        ),
        _target(
            "p95 latency, all requests",
            f"< {TARGET_P95_MS:.0f} ms",
            s["p95_ms"],
            s["p95_ms"] < TARGET_P95_MS if s["requests"] else None,
            f"{s['p95_ms']:.0f} ms",
        ),
        _target(
            "p95 latency, slowest endpoint",
            f"< {TARGET_P95_MS:.0f} ms",
            worst["p95_ms"] if worst else None,
            worst["p95_ms"] < TARGET_P95_MS if worst else None,
            f"{worst['p95_ms']:.0f} ms ({worst['endpoint']})" if worst else "no requests",
        ),
        _target(
            "database pool utilisation, max",
            f"< {TARGET_POOL:.0%}",
            pool,
            pool < TARGET_POOL if pool is not None else None,
            f"{pool:.0%}" if pool is not None else "no data",
        ),
        _target(
            "cache hit ratio",
            f"> {TARGET_CACHE_HIT:.0%}",
            hit,
            hit > TARGET_CACHE_HIT if hit is not None else None,
            f"{hit:.1%}" if hit is not None else "no cached reads",
        ),
        _target(
            "priority (high) queue wait, p95",
            f"< {TARGET_HIGH_WAIT_S:.0f} s",
            wait,
            wait < TARGET_HIGH_WAIT_S if wait is not None else None,
            wait_shown,
        ),
        _target(
            "error rate",
            f"< {TARGET_ERROR_RATE:.1%}",
            s["error_rate"],
            s["error_rate"] < TARGET_ERROR_RATE if s["requests"] else None,
            f"{s['error_rate']:.3%} ({s['failures']:,} of {s['requests']:,}; server errors "
            f"and transport failures {s.get('server_errors', 0):,})",
        ),
    ]
    return rows


def phase(snapshot: dict[str, Any] | None, seconds: float) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "seconds": round(seconds, 2),
        "summary": summary(snapshot["endpoints"], seconds),
        "endpoints": endpoint_rows(snapshot["endpoints"], seconds),
        "errors": snapshot.get("errors", []),
        "timeseries": timeseries(snapshot.get("points", [])),
    }


def build_report(
    meta: dict[str, Any],
    measured: dict[str, Any],
    seconds: float,
    stats_points: list[dict[str, Any]],
    metrics_points: list[dict[str, Any]],
    cpu_points: list[dict[str, Any]],
    ramp: dict[str, Any] | None = None,
    ramp_seconds: float = 0.0,
    seed: dict[str, Any] | None = None,
    extras: dict[str, Any] | None = None,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "meta": meta,
        "summary": summary(measured["endpoints"], seconds),
        "endpoints": endpoint_rows(measured["endpoints"], seconds),
        "errors": sorted(measured.get("errors", []), key=lambda e: -int(e["occurrences"])),
        "timeseries": timeseries(stats_points),
        "platform": platform(metrics_points),
        "cpu": cpu(cpu_points),
        "phases": {"seed": seed, "ramp": phase(ramp, ramp_seconds)},
        "scenario": extras or {},
    }
    add_cpu_per_request(report["cpu"], report["summary"]["rps"])
    # Every failure counts; the 5xx and transport ones (what the alert watches) are also shown.
    report["summary"]["server_errors"] = sum(
        int(e["occurrences"])
        for e in report["errors"]
        if str(e["error"]).startswith(("5", "transport"))
    )
    report["targets"] = targets(report)
    checked = [t["pass"] for t in report["targets"] if t["pass"] is not None]
    report["passed"] = bool(checked) and all(checked)
    return report


def fault_impact(fault: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests and failures from the fault until 5 s after it recovered."""
    start = float(fault["at_s"])
    end = start + float(fault["recovered_after_s"] or 120) + 5
    requests = failures = 0
    for p in points:
        if start <= float(p["t"]) <= end + 1:
            requests += sum(w["requests"] for w in p["endpoints"].values())
            failures += sum(w["failures"] for w in p["endpoints"].values())
    return {**fault, "requests_during": requests, "failures_during": failures}
