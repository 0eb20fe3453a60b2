"""The load test's report builder on synthetic stats: every number is worked out by hand."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from burnblack.loadtest.html import render_html, svg_chart
from burnblack.loadtest.report import build_report, histogram_quantile, percentile, summary
from burnblack.loadtest.sampling import parse_key, parse_metrics, series_key
from burnblack.loadtest.stack import nginx_config
from burnblack.metrics import CapacityCollector, LagTracker


def endpoint(name: str, method: str, times: dict[int, int], failures: int = 0) -> dict[str, Any]:
    n = sum(times.values())
    return {
        "name": name,
        "method": method,
        "requests": n,
        "failures": failures,
        "response_times": times,
        "total_ms": float(sum(ms * c for ms, c in times.items())),
        "max_ms": float(max(times, default=0)),
    }


def test_percentile_is_the_nearest_rank() -> None:
    times = {10: 50, 20: 45, 300: 4, 1000: 1}  # 100 requests
    assert percentile(times, 0.50) == 10
    assert percentile(times, 0.95) == 20
    assert percentile(times, 0.96) == 300
    assert percentile(times, 0.99) == 300
    assert percentile(times, 1.0) == 1000
    assert percentile({}, 0.95) == 0


def test_histogram_quantile_interpolates_like_prometheus() -> None:
    # 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.5], 10 in (0.5, 1]
    buckets = {0.1: 50.0, 0.5: 90.0, 1.0: 100.0, math.inf: 100.0}
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    assert histogram_quantile(0.95, buckets) == pytest.approx(0.75)
    assert histogram_quantile(0.95, {math.inf: 0.0}) is None


def scrape(t: float, api: dict[str, float], worker: dict[str, float]) -> dict[str, Any]:
    return {"t": t, "targets": {"api-0": api, "worker": worker}}


def k(name: str, **labels: str) -> str:
    return series_key(name, labels)


def synthetic_report(users: int = 1000) -> dict[str, Any]:
    fast = endpoint("/filings/{id}", "GET", {20: 900, 40: 80, 150: 20})  # 1,000
    slow = endpoint("/filings/{id}/income", "PUT", {100: 90, 250: 9, 900: 1}, failures=2)
    idle = endpoint("/auth/login", "POST", {})  # only the ramp used it
    measured = {
        "endpoints": [fast, slow, idle],
        "errors": [
            {
                "method": "PUT",
                "name": "/filings/{id}/income",
                "error": "409 conflict",
                "occurrences": 2,
            }
        ],
    }
    pool = "burnblack_db_pool_usage_seconds_total"
    api0 = {
        k(pool, pool="api-reads"): 10.0,
        k("burnblack_db_pool_connections", pool="api-reads", state="max"): 10.0,
        k("burnblack_db_pool_connections", pool="api-reads", state="waiting"): 0.0,
        k("burnblack_db_pool_utilisation", pool="api-reads"): 0.3,
        k("burnblack_read_cache_requests_total", result="hit"): 100.0,
        k("burnblack_read_cache_requests_total", result="miss"): 50.0,
        k("burnblack_read_cache_requests_total", result="coalesced"): 0.0,
        k("burnblack_redis_connections", client="api-async", state="in_use"): 3.0,
    }
    api1 = {
        **api0,
        k(pool, pool="api-reads"): 14.0,  # 4 connection-seconds in 1 s of a 10-pool: 40 %
        k("burnblack_db_pool_utilisation", pool="api-reads"): 0.5,
        k("burnblack_read_cache_requests_total", result="hit"): 1000.0,  # +900
        k("burnblack_read_cache_requests_total", result="miss"): 150.0,  # +100
        k("burnblack_redis_connections", client="api-async", state="in_use"): 7.0,
    }
    api2 = {**api1, k(pool, pool="api-reads"): 20.0}  # 6 in 1 s: 60 %
    wait = "burnblack_rq_job_wait_seconds_bucket"
    w0 = {k(wait, queue="high", le=le): 0.0 for le in ("0.1", "0.5", "1.0", "+Inf")}
    w1 = {
        k(wait, queue="high", le="0.1"): 50.0,
        k(wait, queue="high", le="0.5"): 90.0,
        k(wait, queue="high", le="1.0"): 100.0,
        k(wait, queue="high", le="+Inf"): 100.0,
        k(
            "burnblack_rq_job_duration_seconds_bucket",
            queue="high",
            function="compute_tax",
            outcome="ok",
            le="+Inf",
        ): 100.0,
        k(
            "burnblack_rq_job_duration_seconds_bucket",
            queue="high",
            function="compute_tax",
            outcome="ok",
            le="0.01",
        ): 100.0,
        k(
            "burnblack_rq_job_duration_seconds_sum",
            queue="high",
            function="compute_tax",
            outcome="ok",
        ): 0.5,
        k("burnblack_projection_lag_seconds", follower="filing_summary"): 0.4,
        k("burnblack_projection_lag_events", follower="filing_summary"): 12.0,
    }
    metrics_points = [scrape(0.0, api0, w0), scrape(1.0, api1, w1), scrape(2.0, api2, w1)]
    stats_points = [
        {
            "t": 1.0,
            "users": users,
            "endpoints": {
                "GET /filings/{id}": {"requests": 500, "failures": 0, "response_times": {20: 500}},
                "PUT /filings/{id}/income": {
                    "requests": 50,
                    "failures": 1,
                    "response_times": {100: 49, 900: 1},
                },
            },
        },
        {
            "t": 2.0,
            "users": users,
            "endpoints": {
                "GET /filings/{id}": {
                    "requests": 500,
                    "failures": 0,
                    "response_times": {20: 400, 40: 80, 150: 20},
                },
            },
        },
    ]
    cpu_points = [
        {"t": 1.0, "machine_percent": 90.0, "process_percent": {"api-0": 80.0, "worker": 5.0}},
        {"t": 2.0, "machine_percent": 100.0, "process_percent": {"api-0": 100.0, "worker": 15.0}},
    ]
    return build_report(
        {
            "scenario": "taxpayers",
            "users": users,
            "spawn_rate": 50,
            "host": "http://x",
            "api_instances": 2,
            "cpu_count": 2,
        },
        measured,
        seconds=10.0,
        stats_points=stats_points,
        metrics_points=metrics_points,
        cpu_points=cpu_points,
        ramp={"endpoints": [endpoint("/auth/login", "POST", {120: 1000})], "errors": []},
        ramp_seconds=20.0,
        seed={
            "accounts": 1000,
            "seconds": 50.0,
            "per_second": 20.0,
            "p50_ms": 1.0,
            "p95_ms": 2.0,
            "failures": 0,
        },
    )


def test_endpoint_rows_and_summary_from_the_measured_stats() -> None:
    report = synthetic_report()
    rows = {r["endpoint"]: r for r in report["endpoints"]}
    assert set(rows) == {"GET /filings/{id}", "PUT /filings/{id}/income"}  # idle row dropped
    get, put = rows["GET /filings/{id}"], rows["PUT /filings/{id}/income"]
    assert (get["requests"], get["p50_ms"], get["p95_ms"], get["p99_ms"]) == (1000, 20, 40, 150)
    assert get["rps"] == pytest.approx(100.0)
    assert (put["p95_ms"], put["p99_ms"], put["failures"]) == (250, 250, 2)
    s = report["summary"]
    assert s["requests"] == 1100 and s["failures"] == 2
    assert s["error_rate"] == pytest.approx(2 / 1100)
    assert s["rps"] == pytest.approx(110.0)
    assert s["p95_ms"] == 100  # 1,045th of 1,100 sorted times


def test_platform_numbers_are_increases_over_the_measured_phase() -> None:
    plat = synthetic_report()["platform"]
    assert plat["pool_utilisation_max"]["api-0/api-reads"] == pytest.approx(0.6)
    assert plat["pool_in_use_peak"]["api-0/api-reads"] == pytest.approx(0.5)
    assert plat["cache"]["hits"] == 900 and plat["cache"]["misses"] == 100
    assert plat["cache"]["hit_ratio"] == pytest.approx(0.9)
    assert plat["queue_wait_p95_s"]["high"] == pytest.approx(0.75)
    job = plat["jobs"]["high:compute_tax:ok"]
    assert job["count"] == 100 and job["mean_s"] == pytest.approx(0.005)
    assert plat["projection_lag_max"]["filing_summary"] == {"events": 12.0, "seconds": 0.4}
    assert plat["redis_connections_max"]["api-0/api-async"] == 7.0


def test_the_success_metrics_table() -> None:
    report = synthetic_report()
    rows = {t["metric"]: t for t in report["targets"]}
    assert rows["concurrent users"]["pass"] is True
    assert rows["p95 latency, all requests"]["pass"] is True
    assert rows["p95 latency, slowest endpoint"]["pass"] is False  # the PUT's 250 ms
    assert rows["database pool utilisation, max"]["pass"] is True  # 60 % < 80 %
    assert rows["cache hit ratio"]["pass"] is True
    assert rows["priority (high) queue wait, p95"]["pass"] is True
    error = rows["error rate"]
    assert error["value"] == pytest.approx(2 / 1100) and error["pass"] is False  # 0.18 %
    assert report["passed"] is False
    assert synthetic_report(users=20)["targets"][0]["pass"] is False


def test_no_data_is_not_a_pass() -> None:
    report = build_report(
        {"scenario": "taxpayers", "users": 1, "spawn_rate": 1, "host": "h"},
        {"endpoints": [], "errors": []},
        1.0,
        [],
        [],
        [],
    )
    by_metric = {t["metric"]: t["pass"] for t in report["targets"]}
    assert by_metric["cache hit ratio"] is None
    assert by_metric["error rate"] is None
    assert summary([], 1.0)["requests"] == 0


def test_time_series_per_endpoint() -> None:
    ts = synthetic_report()["timeseries"]
    assert ts["t"] == [1.0, 2.0]
    assert ts["rps"] == [550.0, 500.0]
    assert ts["fail_per_s"] == [1.0, 0.0]
    put = ts["endpoints"]["PUT /filings/{id}/income"]
    assert put["rps"] == [50.0, 0.0]
    assert put["p95_ms"] == [100, None]  # no requests in the second window: a gap
    assert ts["endpoints"]["GET /filings/{id}"]["p99_ms"] == [20, 150]


def test_html_is_self_contained_with_the_table_first() -> None:
    page = render_html(synthetic_report())
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)=", page)  # nothing fetched
    assert page.index("Success metrics") < page.index("Endpoints")
    assert page.count("<svg") >= 5
    assert "FAIL" in page and "PASS" in page
    assert re.search(r"error rate</td><td>&lt; 0.1%</td><td>0.182% \(2 of 1,100; server", page)


def test_svg_chart_draws_gaps_and_thresholds() -> None:
    svg = svg_chart("t", [0, 1, 2, 3], [("a", "#000", [1, None, 3, 4])], threshold=2)
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1
    assert "stroke-dasharray" in svg


def test_metrics_round_trip_through_the_text_format() -> None:
    class Pool:
        max_size = 4

        def get_stats(self) -> dict[str, int]:
            return {
                "pool_max": 4,
                "pool_size": 3,
                "pool_available": 1,
                "requests_waiting": 2,
                "usage_ms": 1500,
                "requests_wait_ms": 250,
            }

    class Client:
        class connection_pool:  # redis-py's attribute
            _in_use_connections = {1, 2}
            _available_connections = [3]
            max_connections = 100

    collector = CapacityCollector()
    collector.add_pool("api", Pool())
    collector.add_redis("api", Client())
    collector.set_lag_source(lambda: {"filing_summary": (7, 1.5)})
    registry = CollectorRegistry()
    registry.register(collector)
    series = parse_metrics(generate_latest(registry).decode())
    assert series[k("burnblack_db_pool_utilisation", pool="api")] == 0.5
    assert series[k("burnblack_db_pool_connections", pool="api", state="waiting")] == 2
    assert series[k("burnblack_db_pool_usage_seconds_total", pool="api")] == 1.5
    assert series[k("burnblack_redis_connections", client="api", state="in_use")] == 2
    assert series[k("burnblack_projection_lag_seconds", follower="filing_summary")] == 1.5
    assert parse_key(k("x", a="1", b="2")) == ("x", {"a": "1", "b": "2"})


def test_lag_seconds_is_the_age_of_the_oldest_unhandled_head() -> None:
    now = [0.0]
    head = [10]
    position = {"filing_summary": 10}
    tracker = LagTracker(lambda: head[0], lambda: dict(position), clock=lambda: now[0])
    assert tracker.sample() == {"filing_summary": (0, 0.0)}
    now[0], head[0] = 1.0, 15  # five events arrive at t=1
    tracker.sample()
    now[0], head[0] = 2.0, 20
    assert tracker.sample() == {"filing_summary": (10, 1.0)}
    now[0], position["filing_summary"] = 3.0, 15  # caught up to the t=1 head only
    assert tracker.sample() == {"filing_summary": (5, 1.0)}  # t=2's head is 1 s old
    position["filing_summary"] = 20
    assert tracker.sample() == {"filing_summary": (0, 0.0)}


def test_a_blocked_queue_fails_the_wait_target_though_no_job_started() -> None:
    """The wait histogram is observed when jobs start; a job stuck behind a long one is
    seen only by the age of the queue's head."""
    head = "burnblack_rq_oldest_job_age_seconds"
    quick = {
        k("burnblack_rq_job_wait_seconds_bucket", queue="high", le="0.1"): 10.0,
        k("burnblack_rq_job_wait_seconds_bucket", queue="high", le="+Inf"): 10.0,
    }
    none_yet = {key: 0.0 for key in quick}
    points = [
        scrape(0.0, {}, {**none_yet, k(head, queue="high"): 0.0}),
        scrape(2.0, {}, {**quick, k(head, queue="high"): 12.5}),
        scrape(4.0, {}, {**quick, k(head, queue="high"): 0.0}),
    ]
    report = build_report(
        {"scenario": "rebuild", "users": 10, "spawn_rate": 1, "host": "h"},
        {"endpoints": [], "errors": []},
        4.0,
        [],
        points,
        [],
    )
    assert report["platform"]["oldest_job_age_max_s"]["high"] == 12.5
    row = next(t for t in report["targets"] if t["metric"].startswith("priority"))
    assert row["value"] == 12.5 and row["pass"] is False
    assert "a job waited this long" in row["shown"]
    assert report["platform"]["queue_wait_p95_s"]["high"] == pytest.approx(0.095)


def test_every_chart_is_well_formed_svg() -> None:
    import xml.etree.ElementTree as ET

    page = render_html(synthetic_report())
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    assert charts
    for chart in charts:
        ET.fromstring(chart)  # duplicate attributes or bad nesting raise


def test_nginx_is_the_edge_that_passes_each_users_address_on(tmp_path: Path) -> None:
    conf = nginx_config(8080, [9001, 9002], tmp_path)
    assert "daemon off;" in conf
    assert "server 127.0.0.1:9001" in conf and "server 127.0.0.1:9002" in conf
    # The generator's X-Forwarded-For is the client; the API gets it from nginx only.
    assert "set_real_ip_from 127.0.0.1;" in conf and "real_ip_header X-Forwarded-For;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "location /metrics" in conf
    assert str(tmp_path) in conf  # pid, logs and temp files stay in the run's folder


def test_simulated_addresses_are_distinct_and_not_trusted() -> None:
    import ipaddress

    from burnblack.loadtest.stack import LOAD_ENV
    from burnblack.loadtest.users import address

    addresses = {address(i) for i in range(5000)}
    assert len(addresses) == 5000
    trusted = [ipaddress.ip_network(n) for n in LOAD_ENV["BURNBLACK_TRUSTED_PROXIES"].split(",")]
    assert not any(ipaddress.ip_address(a) in net for a in addresses for net in trusted)


def test_a_faults_impact_counts_from_the_fault_to_five_seconds_after_recovery() -> None:
    from burnblack.loadtest.report import fault_impact

    def point(t: float, requests: int, failures: int) -> dict[str, Any]:
        return {
            "t": t,
            "endpoints": {"GET /x": {"requests": requests, "failures": failures}},
        }

    points = [point(float(t), 10, 1 if 10 <= t <= 12 else 0) for t in range(1, 31)]
    fault = {"fault": "kill-api", "at_s": 10.0, "recovered_after_s": 2.0}
    impact = fault_impact(fault, points)
    # windows ending at 10..18 s (the one ending at 18 s began inside the 17 s limit)
    assert impact["requests_during"] == 90 and impact["failures_during"] == 3
    never = fault_impact({**fault, "recovered_after_s": None}, points)
    assert never["requests_during"] == 210  # 10..30 s: everything after the fault


def test_server_errors_are_counted_apart_from_client_errors() -> None:
    report = synthetic_report()
    assert report["summary"]["server_errors"] == 0  # the two failures were 409s
    assert "server errors and transport failures 0" in report["targets"][-1]["shown"]


def test_cpu_per_request_per_process_from_its_share_of_a_core() -> None:
    cpu = synthetic_report()["cpu"]
    # api-0 averaged 90 % of a core while 110 requests/s were served: 0.9 s / 110 requests.
    assert cpu["processes"]["api-0"]["ms_per_request"] == pytest.approx(900 / 110, abs=1e-3)
    assert cpu["processes"]["worker"]["ms_per_request"] == pytest.approx(100 / 110, abs=1e-3)
    assert cpu["api_ms_per_request"] == pytest.approx(900 / 110, abs=1e-3)
