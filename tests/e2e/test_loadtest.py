"""`burnblack loadtest`, short and real: its own stack (two API instances behind nginx, a
worker, a projector, a fresh database), 20 taxpayers, and the report it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from burnblack.loadtest.stack import find_nginx
from tests.processes import ROOT

pytestmark = pytest.mark.e2e

MIX = {"GET /filings/{id}", "GET /filings", "GET /auth/me", "PUT /filings/{id}/income"}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        find_nginx(install=True)
    except SystemExit as exc:
        pytest.skip(str(exc))
    folder = tmp_path_factory.mktemp("loadtest")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "burnblack",
            "loadtest",
            "--users",
            "20",
            "--spawn-rate",
            "20",
            "--duration",
            "10",
            "--scenario",
            "taxpayers",
            "--api-instances",
            "2",
            "--db-pool-size",
            "4",  # PostgreSQL's 100 connections are shared with the other tests
            "--report",
            str(folder),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    logs = "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
        for p in sorted((folder / "logs").glob("*.log"))
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr[-4000:]}\n{logs}"
    return folder


def test_the_report_has_every_endpoint_of_the_mix_with_real_numbers(report_dir: Path) -> None:
    assert (report_dir / "report.json").is_file() and (report_dir / "report.html").is_file()
    report = json.loads((report_dir / "report.json").read_text())
    rows = {r["endpoint"]: r for r in report["endpoints"]}
    assert set(rows) >= MIX, f"endpoints measured: {sorted(rows)}"
    for name, row in rows.items():
        assert row["requests"] > 0, name
        # locust rounds times above 100 ms to 2 significant digits (105 ms -> 110: 5 % up)
        assert 0 <= row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"] * 1.05 + 1
    # The error rate is the measured failures over the measured requests, nothing else.
    requests = sum(r["requests"] for r in rows.values())
    failures = sum(r["failures"] for r in rows.values())
    s = report["summary"]
    assert (s["requests"], s["failures"]) == (requests, failures)
    assert s["error_rate"] == pytest.approx(failures / requests)
    error_row = next(t for t in report["targets"] if t["metric"] == "error rate")
    assert error_row["value"] == pytest.approx(failures / requests)
    assert error_row["pass"] is (failures / requests < 0.001)
    assert report["meta"]["users"] == 20 and report["meta"]["api_instances"] == 2


def test_logins_and_seeding_are_measured_before_the_measured_phase(report_dir: Path) -> None:
    report = json.loads((report_dir / "report.json").read_text())
    # 20 registrations from 20 addresses: the platform's own limit (30/minute per address)
    # would refuse more than 30 from one, so X-Forwarded-For reached it through nginx.
    assert report["phases"]["seed"]["accounts"] == 20
    assert report["phases"]["seed"]["failures"] == 0
    ramp = {r["endpoint"]: r for r in report["phases"]["ramp"]["endpoints"]}
    assert ramp["POST /auth/login"]["requests"] == 20
    assert ramp["POST /auth/login"]["failures"] == 0
    assert "POST /auth/login" not in {r["endpoint"] for r in report["endpoints"]}


def test_the_platform_metrics_and_cpu_come_from_every_process(report_dir: Path) -> None:
    report = json.loads((report_dir / "report.json").read_text())
    plat = report["platform"]
    assert {k.split("/")[0] for k in plat["pool_utilisation_max"]} == {"api-0", "api-1"}
    assert plat["cache"]["hits"] + plat["cache"]["misses"] > 0
    assert plat["cache"]["hit_ratio"] is not None
    assert "filing_summary" in plat["projection_lag_max"]
    assert any(k.startswith("worker/") for k in plat["redis_connections_max"])
    servers = plat["server_connections_max"]
    assert 0 < servers["this database"] <= servers["all databases"] <= servers["max_connections"]
    assert servers["redis clients"] > 0
    cpu = report["cpu"]["processes"]
    assert {"api-0", "api-1", "worker", "projector", "nginx", "load generator"} <= set(cpu)
    assert cpu["api-0"]["avg_percent"] > 0
    # PostgreSQL's processes for the stack's own database, apart from the machine's.
    assert cpu["postgres (this database)"]["avg_percent"] > 0
    assert report["cpu"]["rest_ms_per_request"] > 0


def test_the_html_page_starts_with_the_pass_fail_table(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text()
    report = json.loads((report_dir / "report.json").read_text())
    first_table = page[page.index("<table>") : page.index("</table>")]
    for target in report["targets"]:
        assert target["metric"] in first_table
    assert "concurrent users" in first_table and "FAIL" in first_table  # 20 < 1,000
    assert page.index("Success metrics") < page.index("Endpoints")
    assert page.count("<svg") >= 2 + len(report["endpoints"])
    assert "<script" not in page


def test_nothing_is_left_running(report_dir: Path) -> None:
    report = json.loads((report_dir / "report.json").read_text())
    pids = report["meta"]["pids"]
    assert set(pids) >= {"api-0", "api-1", "worker", "projector", "nginx"}
    assert not [name for name, pid in pids.items() if psutil.pid_exists(pid)]
