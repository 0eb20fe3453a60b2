"""Zero-downtime rebuilds: the CLI while requests are served, and the admin API's job."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest

from burnblack.bootstrap import wiring
from burnblack.seed import seed_filings
from domain.account import Role
from tests.e2e.read_side_helpers import (
    make_role,
    read_models_match_the_log,
    settings_for,
    wait_quiet,
)
from tests.processes import ROOT, Platform
from tests.taxpayer import Taxpayer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def population(platform: Platform) -> tuple[Taxpayer, list[str]]:
    me = Taxpayer(platform.url()).register_and_login()
    uid = me.client.get("/api/v1/auth/me").json()["id"]
    app = wiring.filings_app(settings_for(platform.env))
    try:
        ids = seed_filings(app, 400, owners=[uid, "someone-else", "a-third-owner"], seed=11)
    finally:
        app.close()
    wait_quiet(platform.env)
    return me, [str(i) for i in ids[::3][:25]]


def _snapshot(me: Taxpayer, ids: list[str]) -> dict[str, Any]:
    out = {f: me.client.get(f"/api/v1/filings/{f}").json() for f in ids}
    out["list"] = me.client.get("/api/v1/filings?limit=100").json()
    return out


def test_cli_rebuild_while_requests_are_served(
    platform: Platform, population: tuple[Taxpayer, list[str]]
) -> None:
    me, ids = population
    before = _snapshot(me, ids)
    statuses: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        client = httpx.Client(base_url=platform.url(), cookies=me.client.cookies, timeout=30)
        paths = [f"/api/v1/filings/{f}" for f in ids] + ["/api/v1/filings?limit=100"]
        while not stop.is_set():
            for path in paths:
                statuses.append(client.get(path).status_code)

    readers = [threading.Thread(target=serve) for _ in range(2)]
    for r in readers:
        r.start()
    try:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "burnblack", "projections", "rebuild", "filing_summary"),
                *("--processes", "3"),
            ],
            env=platform.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        time.sleep(1.5)  # keep reading across the switch and the cache version change
        stop.set()
        for r in readers:
            r.join()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["switched"] and report["identical"], json.dumps(report["comparisons"])
    assert report["model_version"] >= 2
    assert report["processes"] == 3
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert _snapshot(me, ids) == before
    assert read_models_match_the_log(platform.env["DATABASE_URL"]) == []


def test_admin_runs_a_rebuild_as_a_low_priority_job(
    platform: Platform, population: tuple[Taxpayer, list[str]]
) -> None:
    admin = Taxpayer(platform.url()).register_and_login()
    make_role(
        settings_for(platform.env), admin.client.get("/api/v1/auth/me").json()["id"], Role.ADMIN
    )
    admin.relogin()
    taxpayer, _ = population
    assert (
        taxpayer.client.post("/api/v1/admin/projections/filing_summary/rebuilds").status_code == 403
    )
    r = admin.client.post("/api/v1/admin/projections/filing_summary/rebuilds")
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    deadline = time.monotonic() + 120
    seen_states = set()
    while time.monotonic() < deadline:
        state = admin.client.get(location).json()
        seen_states.add(state["status"])
        if state["status"] in ("finished", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "finished", state
    assert state["report"]["switched"] and state["report"]["identical"], state["report"]
    status = admin.client.get("/api/v1/admin/projections").json()
    assert status["read_models"]["filing_summary"]["version"] == state["report"]["model_version"]
    assert {f["name"] for f in status["followers"]} >= {"filing_summary", "computation_reactor"}
    counts = admin.client.get("/api/v1/admin/filings/counts").json()["counts"]
    assert sum(c["filings"] for c in counts) >= 400
