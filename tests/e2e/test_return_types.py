"""Return types through the real processes with their clock pinned by libfaketime: after
31 December 2026 returns still compute (belated, revised or updated as the date allows),
tax year 2026-27 (AY 2027-28) can be started, and a return is revised across the year end.

Only the burnblack processes run under `faketime`; pytest keeps the real clock. Windows and
figures: ss.139(1), (4), (5), (8A), 140B, 234I (domain/tax/README.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.processes import Platform
from tests.servers import ServerUrls
from tests.taxpayer import Taxpayer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("faketime") is None, reason="faketime is not installed (make faketime)"
    ),
]

SALARY = {"salary": {"gross": 1_675_000}}  # 16 lakh taxable in the new regime: tax 1,24,800

Pinned = Callable[[str], Any]


@pytest.fixture(scope="module")
def pinned(
    servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Any]]:
    """`with pinned("2027-01-02 10:00:00") as platform:` the processes at that time."""
    logs = Path(tmp_path_factory.mktemp("pinned-logs"))
    running: list[Platform] = []

    @contextmanager
    def at(clock: str) -> Iterator[Platform]:
        p = Platform(servers.database_url, servers.redis_url, logs, clock=clock)
        running.append(p)
        p.start()
        try:
            yield p
        except BaseException:
            print(p.logs())
            raise
        finally:
            p.stop()
            running.remove(p)

    yield at
    for p in running:
        p.stop()


def problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    assert body["type"].endswith("/" + code), body
    return body


def events(me: Taxpayer, fid: str) -> list[dict[str, Any]]:
    r = me.client.get(f"/api/v1/filings/{fid}/history")
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def compute(me: Taxpayer, fid: str, version: int) -> dict[str, Any]:
    r = me.post(f"/api/v1/filings/{fid}/computations", version)
    assert r.status_code == 202, r.text
    return me.wait_for(fid, lambda d: d["status"] in ("computed", "computation_failed"), timeout=90)


def after_31_december_returns_compute_and_tax_year_2026_27_starts(platform: Platform) -> None:
    """On 2 January 2027."""
    me = Taxpayer(platform.url()).register_and_login()

    # AY 2026-27: the belated window closed on 31 December 2026, so a first return is an
    # updated return u/s 139(8A) (the bug of issue 12: it was `computation_failed`).
    fid = me.start_filing("2026-27")["id"]
    # The taxpayer sees which return applies and why, today (the pinned clock) or on a day.
    kind = me.client.get(f"/api/v1/filings/{fid}/return-type").json()
    assert (kind["on"], kind["return_type"], kind["section"]) == (
        "2027-01-02",
        "updated",
        "139(8A)",
    )
    assert kind["window_closes"] == "2031-03-31" and "2026-12-31" in kind["reason"]
    kind = me.client.get(f"/api/v1/filings/{fid}/return-type?on=2026-12-31").json()
    assert (kind["return_type"], kind["section"]) == ("belated", "139(4)")
    kind = me.client.get(f"/api/v1/filings/{fid}/return-type?on=2031-04-01").json()
    assert kind["return_type"] is None and "139(8A)" in kind["reason"]
    v = me.put(f"/api/v1/filings/{fid}/income", 1, SALARY).json()["version"]
    doc = compute(me, fid, v)
    assert doc["status"] == "computed", doc["computation_error"]
    c = doc["computation"]
    assert c["return_type"] == "updated" and "139(8A)" in c["return_type_reason"]
    new = c["new"]
    assert new["total_tax"] == 124_800
    interest = new["interest_234a"] + new["interest_234b"] + new["interest_234c"]
    # Within 12 months from 31 March 2027: 25 % of tax and interest (s.140B(3)).
    assert new["additional_tax_140b"] == ((124_800 + interest) * 25 + 500) // 1000 * 10
    assert any("ITR-U" in reason for reason in c["itr_form"]["reasons"])

    r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "new"})
    assert r.status_code == 200, r.text
    v = r.json()["version"]
    # An updated return can be neither revised nor followed by another: 422, no event.
    body = problem(me.post(f"/api/v1/filings/{fid}/revisions", v), 422, "return-not-allowed")
    assert "139(8A)" in body["detail"]
    assert events(me, fid)[-1]["event"] == "ReturnSubmitted"

    # AY 2024-25 on the same day: within 24 months of 31 March 2025, 50 %.
    fid = me.start_filing("2024-25")["id"]
    v = me.put(f"/api/v1/filings/{fid}/income", 1, SALARY).json()["version"]
    doc = compute(me, fid, v)
    assert doc["status"] == "computed", doc["computation_error"]
    assert doc["computation"]["return_type"] == "updated"
    assert any(
        "50 %" in s["detail"] or "50%" in s["detail"]
        for s in doc["computation"]["new"]["breakdown"]
        if "140B" in s["step"]
    ), doc["computation"]["new"]["breakdown"]

    # Tax year 2026-27 (AY 2027-28) can be started; its returns open on 1 April 2027,
    # so a computation today is refused, naming s.139(1) and its window; nothing stored.
    fid = me.start_filing("2027-28")["id"]
    v = me.put(f"/api/v1/filings/{fid}/income", 1, SALARY).json()["version"]
    body = problem(me.post(f"/api/v1/filings/{fid}/computations", v), 422, "return-not-allowed")
    assert "139(1)" in body["detail"] and "2027-04-01" in body["detail"]
    assert [e["event"] for e in events(me, fid)] == ["FilingStarted", "IncomeDeclared"]

    # An unsupported year is a 422 problem naming the field; nothing stored.
    r = me.client.post("/api/v1/filings", json={"assessment_year": "2023-24", "pan": "ABCPE1234F"})
    assert problem(r, 422, "unsupported-assessment-year")["field"] == "assessment_year"


def test_returns_across_the_year_end_with_the_clock_pinned(pinned: Pinned) -> None:
    """Three runs of the platform on one database: 20 December 2026, 2 January 2027 and
    2 April 2027 (each start costs seconds, so the checks of one day share its run)."""
    with pinned("2026-12-20 10:00:00") as platform:
        me = Taxpayer(platform.url()).register_and_login()
        fid = me.start_filing("2026-27")["id"]
        v = me.put(f"/api/v1/filings/{fid}/income", 1, SALARY).json()["version"]
        # A revision of a return not submitted: 422, nothing stored.
        problem(me.post(f"/api/v1/filings/{fid}/revisions", v), 422, "invalid-transition")
        doc = compute(me, fid, v)
        assert doc["computation"]["return_type"] == "belated"
        r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "new"})
        assert r.status_code == 200, r.text
        ack1, v = r.json()["acknowledgement_number"], r.json()["version"]
        belated_paid = doc["computation"]["new"]["net_payable"]

    with pinned("2027-01-02 10:00:00") as platform:
        after_31_december_returns_compute_and_tax_year_2026_27_starts(platform)
        me.client.base_url = platform.url()  # type: ignore[assignment]
        me.relogin()
        # Without If-Match 428; a stale one 409 with the current version.
        r = me.client.post(f"/api/v1/filings/{fid}/revisions")
        problem(r, 428, "precondition-required")
        body = problem(me.post(f"/api/v1/filings/{fid}/revisions", v - 1), 409, "version-conflict")
        assert body["current_version"] == v
        r = me.post(f"/api/v1/filings/{fid}/revisions", v)
        assert r.status_code == 201, r.text
        v = r.json()["version"]
        doc = me.wait_for(fid, lambda d: d["version"] == v, timeout=90)
        assert doc["status"] == "draft" and doc["acknowledgement_number"] is None
        opened = events(me, fid)[-1]
        assert opened["event"] == "RevisionOpened" and opened["return_type"] == "revised"
        assert opened["revises"]["acknowledgement"] == ack1
        assert opened["revises"]["filed_on"] == "2026-12-20"
        assert opened["original"] == {"acknowledgement": ack1, "submitted_on": "2026-12-20"}

        more = {"salary": {"gross": 1_875_000}}
        v = me.put(f"/api/v1/filings/{fid}/income", v, more).json()["version"]
        doc = compute(me, fid, v)
        assert doc["status"] == "computed", doc["computation_error"]
        c = doc["computation"]
        assert c["return_type"] == "revised" and "139(5)" in c["return_type_reason"]
        assert c["new"]["fee_234i"] == 5_000  # revised after 31 December (Finance Act 2026)
        assert c["new"]["taxes_paid"] == belated_paid  # paid with the belated return
        r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "new"})
        assert r.status_code == 200, r.text
        ack2, v = r.json()["acknowledgement_number"], r.json()["version"]
        assert ack2 != ack1
        doc = me.wait_for(fid, lambda d: d["status"] == "submitted", timeout=90)
        assert doc["acknowledgement_number"] == ack2
        kind = me.client.get(f"/api/v1/filings/{fid}/return-type").json()
        assert (kind["return_type"], kind["window_closes"]) == ("revised", "2027-03-31")
        assert kind["submissions"] == 2 and kind["revision"] == 1

    with pinned("2027-04-02 10:00:00") as platform:
        me.client.base_url = platform.url()  # type: ignore[assignment]
        me.relogin()
        r = me.post(f"/api/v1/filings/{fid}/revisions", v)
        assert r.status_code == 201, r.text
        assert events(me, fid)[-1]["return_type"] == "updated"  # s.139(5) closed 31 March
        v = me.put(
            f"/api/v1/filings/{fid}/income", r.json()["version"], {"salary": {"gross": 1_975_000}}
        ).json()["version"]
        doc = compute(me, fid, v)
        assert doc["status"] == "computed", doc["computation_error"]
        assert doc["computation"]["return_type"] == "updated"
        assert doc["computation"]["new"]["additional_tax_140b"] > 0
        r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "new"})
        assert r.status_code == 200, r.text
        ack3 = r.json()["acknowledgement_number"]

        chain = [e for e in events(me, fid) if e["event"] in ("ReturnSubmitted", "RevisionOpened")]
        assert [(e["event"], e.get("acknowledgement")) for e in chain] == [
            ("ReturnSubmitted", ack1),
            ("RevisionOpened", None),
            ("ReturnSubmitted", ack2),
            ("RevisionOpened", None),
            ("ReturnSubmitted", ack3),
        ]
        assert [e["revises"]["acknowledgement"] for e in chain if e["revises"]] == [ack1, ack2]
        assert [e["revision"] for e in chain if e["event"] == "RevisionOpened"] == [1, 2]
