"""The admin API's erasure: audited, idempotent, admins refused, and afterwards the auditor's
views read the taxpayer's history as redacted (structure, no content), never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from burnblack.settings import Settings
from domain.account import Role
from domain.erasure import REDACTED
from domain.pan import mask_pan
from tests.erasure_helpers import project_all
from tests.security_client import App, api_client, logged_in, security_settings
from tests.servers import ServerUrls
from tests.taxpayer import random_pan

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def app(servers: ServerUrls) -> Iterator[tuple[App, Settings]]:
    settings = security_settings(servers)
    with api_client(settings) as client:
        yield client, settings


def test_an_admin_erases_a_taxpayer_and_auditors_see_only_structure(
    app: tuple[App, Settings],
) -> None:
    client, settings = app
    taxpayer, uid = logged_in(client, settings, Role.TAXPAYER)
    auditor, _ = logged_in(client, settings, Role.AUDITOR)
    admin, admin_id = logged_in(client, settings, Role.ADMIN)
    pan = random_pan()
    r = taxpayer.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": pan})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    r = taxpayer.put(
        f"/api/v1/filings/{fid}/income",
        json={"salary": {"gross": 900_000}},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    project_all(settings)

    def listed() -> dict[str, Any]:
        r = auditor.get("/api/v1/audit/filings", params={"limit": 500})
        assert r.status_code == 200, r.text
        return next(item for item in r.json()["items"] if item["id"] == fid)

    assert listed()["redacted"] is False and listed()["pan"] == mask_pan(pan)
    counts = admin.get("/api/v1/admin/filings/counts").json()

    assert auditor.post(f"/api/v1/admin/users/{uid}/erasure").status_code == 403
    r = admin.post(f"/api/v1/admin/users/{uid}/erasure")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["user_id"] == uid and done["already_erased"] is False
    assert done["sessions_ended"] >= 1 and done["filings_redacted"] == 1

    # The auditors' list keeps her return, redacted; the counts are unchanged.
    project_all(settings)  # the projector meets her redacted events: the row stays as it is
    item = listed()
    assert item["redacted"] is True and item["pan"] == REDACTED
    assert (item["status"], item["assessment_year"], item["version"]) == ("draft", "2026-27", 2)
    assert item["total_tax"] is None and item["acknowledgement_number"] is None
    assert admin.get("/api/v1/admin/filings/counts").json() == counts

    assert taxpayer.get("/api/v1/auth/me").status_code == 401  # her session is gone
    r = auditor.get(f"/api/v1/audit/filings/{fid}/events")
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert [(e["version"], e["type"]) for e in events] == [
        (1, "FilingStarted"),
        (2, "IncomeDeclared"),
    ]
    assert all(e["data"] == {"redacted": True} and e["meta"] == {} for e in events)
    assert pan not in r.text
    r = auditor.get(f"/api/v1/audit/filings/{fid}")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    r = auditor.get(f"/api/v1/audit/filings/{fid}", params={"at": "1"})
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    r = auditor.get("/api/v1/audit/trail", params={"limit": 500})
    erasures = [e for e in r.json()["items"] if e["action"] == "account.erased"]
    assert [(e["subject"], e["actor"]) for e in erasures][-1:] == [(uid, admin_id)]

    again = admin.post(f"/api/v1/admin/users/{uid}/erasure")
    assert again.status_code == 200 and again.json()["already_erased"] is True
    r = admin.post(f"/api/v1/admin/users/{admin_id}/erasure")
    assert r.status_code == 409 and r.json()["type"].endswith("admin-not-erasable")
    r = admin.post("/api/v1/admin/users/00000000-0000-4000-8000-000000000000/erasure")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
