"""One return end to end through real API, worker and projector processes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

from tests.chaos import wait_until
from tests.processes import Platform
from tests.taxpayer import Taxpayer

pytestmark = pytest.mark.e2e

SALARY = {"salary": {"gross": 1_675_000}}  # 16,00,000 taxable after the 75,000 standard deduction


def computed(doc: dict[str, Any]) -> bool:
    return doc["status"] == "computed"


def test_file_a_return_end_to_end_and_survive_a_restart(platform: Platform) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    assert me.client.get("/api/v1/auth/me").json()["email"] == me.email

    started = me.start_filing("2026-27")
    fid, version = started["id"], started["version"]
    assert version == 1 and started["position"] > 0

    r = me.put(f"/api/v1/filings/{fid}/income", version, SALARY)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    version = r.json()["version"]

    r = me.post(f"/api/v1/filings/{fid}/computations", version)
    assert r.status_code == 202, r.text
    version = r.json()["version"]

    doc = me.wait_for(fid, computed)
    new = doc["computation"]["new"]
    # AY 2026-27 new regime: 1,20,000 slab tax on 16 lakh, plus 4% cess.
    assert new["total_income"] == 1_600_000
    assert new["total_tax"] == 124_800
    assert doc["recommended_regime"] in ("old", "new")
    version = doc["version"]
    assert version == 4  # started, income, requested, computed

    r = me.post(f"/api/v1/filings/{fid}/submission", version, {"regime": "new"})
    assert r.status_code == 200, r.text
    ack = r.json()["acknowledgement_number"]
    assert len(ack) == 15 and ack.isdigit()

    doc = me.wait_for(fid, lambda d: d["status"] == "submitted")
    assert doc["acknowledgement_number"] == ack

    listing = me.client.get("/api/v1/filings").json()
    assert [f["id"] for f in listing["items"]] == [fid]
    assert listing["items"][0]["total_tax"] == 124_800

    platform.restart()

    me.client.base_url = platform.url()  # type: ignore[assignment]
    after = me.client.get(f"/api/v1/filings/{fid}")
    assert after.status_code == 200, "session or read model lost in the restart"
    assert after.json()["acknowledgement_number"] == ack
    assert after.json()["computation"]["new"]["total_tax"] == 124_800
    # The write side kept everything too: a change after submission is refused.
    r = me.put(f"/api/v1/filings/{fid}/income", after.json()["version"], SALARY)
    assert r.status_code == 422 and r.json()["type"].endswith("/filing-closed")


def test_the_latest_inputs_win_over_an_earlier_request(platform: Platform) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    fid = me.start_filing("2026-27")["id"]
    v = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 1_000_000}}).json()[
        "version"
    ]
    v = me.post(f"/api/v1/filings/{fid}/computations", v).json()["version"]
    # Change the income before (or while) the worker computes: that result must not apply.
    v = me.put(f"/api/v1/filings/{fid}/income", v, {"salary": {"gross": 2_000_000}}).json()[
        "version"
    ]
    v = me.post(f"/api/v1/filings/{fid}/computations", v).json()["version"]
    doc = me.wait_for(fid, computed)
    assert doc["computation"]["new"]["gross_total_income"] == 2_000_000 - 75_000
    r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "old"})
    assert r.status_code == 200, r.text


def test_inputs_the_law_refuses_are_a_422_problem_and_nothing_is_recorded(
    platform: Platform,
) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    # After 31 Dec 2025 a first return for AY 2025-26 is an updated return (s.139(8A)), and
    # an updated return may not claim a refund: TDS above the tax is refused at once.
    fid = me.start_filing("2025-26")["id"]
    income = {"salary": {"gross": 900_000}, "taxes_paid": {"tds": 100_000}}
    v = me.put(f"/api/v1/filings/{fid}/income", 1, income).json()["version"]
    r = me.post(f"/api/v1/filings/{fid}/computations", v)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/return-not-allowed")
    assert "139(8A)" in r.json()["detail"] and "refund" in r.json()["detail"]
    history = me.client.get(f"/api/v1/filings/{fid}/history").json()["items"]
    assert [e["event"] for e in history] == ["FilingStarted", "IncomeDeclared"]
    r = me.post(f"/api/v1/filings/{fid}/submission", v, {"regime": "new"})
    assert r.status_code == 422 and r.json()["type"].endswith("/computation-missing")


def test_the_projector_seals_the_days_root_on_its_own(platform: Platform) -> None:
    """No cron: the projector anchors the store in the day's signed root (the UTC date, as
    `burnblack audit seal` takes it) at its first check."""
    around = {dt.datetime.now(dt.UTC).date()}

    def sealed() -> bool:
        around.add(dt.datetime.now(dt.UTC).date())  # a run across midnight
        with psycopg.connect(platform.env["DATABASE_URL"]) as conn:
            if conn.execute("SELECT to_regclass('event_chain_days')").fetchone() == (None,):
                return False
            rows = conn.execute("SELECT day FROM event_chain_days").fetchall()
        return any(r[0] in around for r in rows)

    wait_until(sealed, 60, "the day's root sealed by the projector")
