"""PAN binding through the API (in-process, real PostgreSQL and Redis): the first account
holds a PAN, every other account gets one neutral 409 whatever the reason, each refusal and
each admin transfer is in the audit trail, and bad requests are 4xx problems."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.accounts import AuditEntry
from domain.account import Role
from domain.errors import FilingClosed
from domain.filing import IncomeDeclaration
from domain.filing.status import FilingStatus
from domain.tax.inputs import Salary
from tests.security_client import App, api_client, logged_in, security_settings
from tests.servers import ServerUrls
from tests.taxpayer import random_pan

FILINGS = "/api/v1/filings"
TRANSFERS = "/api/v1/admin/pan-transfers"


@pytest.fixture(scope="module")
def settings(servers: ServerUrls) -> Settings:
    return security_settings(servers)


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[App]:
    with api_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def admin(app: App, settings: Settings) -> httpx.Client:
    return logged_in(app, settings, Role.ADMIN)[0]


def _start(client: httpx.Client, pan: str, year: str) -> httpx.Response:
    return client.post(FILINGS, json={"assessment_year": year, "pan": pan})


def _refusal(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    assert body["type"].endswith("/pan-unavailable")
    return body


def _trail(settings: Settings, subject: str) -> list[AuditEntry]:
    accounts = wiring.accounts_app(settings)
    try:
        return [e for e in accounts.audit_trail(0, 100_000) if e.subject == subject]
    finally:
        accounts.close()


def _claim_id(settings: Settings, pan: str) -> str:
    filings = wiring.filings_app(settings)
    try:
        return str(filings.pan_claim_id(pan))
    finally:
        filings.close()


def test_one_neutral_answer_whether_claimed_or_existing(app: App, settings: Settings) -> None:
    holder, holder_id = logged_in(app, settings, Role.TAXPAYER)
    other, other_id = logged_in(app, settings, Role.TAXPAYER)
    pan = random_pan()
    assert _start(holder, pan, "2026-27").status_code == 201

    exists = _refusal(_start(other, pan, "2026-27"))  # a return exists for that year
    claimed = _refusal(_start(other, pan, "2025-26"))  # no return that year: only the claim
    assert exists == claimed  # same status, type, title and detail: nothing to tell apart
    assert pan not in str(exists) and holder_id not in str(exists)

    # The holder's own duplicate is its own business: it hears that the return exists.
    mine = _start(holder, pan, "2026-27")
    assert mine.status_code == 409 and mine.json()["type"].endswith("/filing-exists")
    # The refusals left no filing for the other account, and each left an audit record.
    assert other.get(FILINGS).json()["items"] == []
    refused = [
        e for e in _trail(settings, _claim_id(settings, pan)) if e.action == "pan.claim_refused"
    ]
    assert [(e.actor, e.details["reason"], e.details["holder"]) for e in refused] == [
        (other_id, "return-exists-under-another-account", holder_id),
        (other_id, "claimed-by-another-account", holder_id),
    ]
    assert [e.details["assessment_year"] for e in refused] == ["2026-27", "2025-26"]


def test_an_admin_moves_a_pan_after_a_dispute(
    app: App, settings: Settings, admin: httpx.Client
) -> None:
    squatter, squatter_id = logged_in(app, settings, Role.TAXPAYER)
    owner, owner_id = logged_in(app, settings, Role.TAXPAYER)
    pan = random_pan()
    started = _start(squatter, pan, "2026-27")
    assert started.status_code == 201
    squatter_return = started.json()["id"]
    before = _refusal(_start(owner, pan, "2025-26"))

    r = admin.post(
        TRANSFERS, json={"pan": pan, "to_user_id": owner_id, "reason": "ticket 4711: PAN card"}
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["from_user_id"] == squatter_id and moved["to_user_id"] == owner_id
    assert moved["transferred"] is True and pan not in r.text
    # The squatter's unsubmitted return on it is withdrawn: closed for good, its year free.
    assert moved["withdrawn_filing_ids"] == [squatter_return]
    filings = wiring.filings_app(settings)
    try:
        withdrawn = filings.get_filing(uuid.UUID(squatter_return))
        assert withdrawn.status is FilingStatus.WITHDRAWN and withdrawn.owner_id == squatter_id
        with pytest.raises(FilingClosed):
            withdrawn.declare_income(IncomeDeclaration(salary=Salary(gross=1)), {})
    finally:
        filings.close()
    r = squatter.put(
        f"{FILINGS}/{squatter_return}/income",
        json={"salary": {"gross": 900_000}},
        headers={"If-Match": '"2"'},
    )
    assert r.status_code == 422 and r.json()["type"].endswith("/filing-closed"), r.text

    assert _start(owner, pan, "2025-26").status_code == 201  # the owner may start returns now
    assert _refusal(_start(squatter, pan, "2024-25")) == before  # the squatter may not
    # The year the squatter had started is the owner's to start afresh.
    assert _start(owner, pan, "2026-27").status_code == 201

    again = admin.post(TRANSFERS, json={"pan": pan, "to_user_id": owner_id, "reason": "retry"})
    assert again.status_code == 200 and again.json()["transferred"] is False

    trail = _trail(settings, moved["claim_id"])
    transfers = [e for e in trail if e.action == "pan.transferred"]
    assert len(transfers) == 1
    assert transfers[0].details == {
        "from": squatter_id,
        "to": owner_id,
        "reason": "ticket 4711: PAN card",
    }
    withdrawals = [e for e in trail if e.action == "pan.returns_withdrawn"]
    assert [e.details for e in withdrawals] == [{"to": owner_id, "filings": squatter_return}]


def test_an_unclaimed_pan_can_be_assigned(
    app: App, settings: Settings, admin: httpx.Client
) -> None:
    owner, owner_id = logged_in(app, settings, Role.TAXPAYER)
    pan = random_pan()
    r = admin.post(TRANSFERS, json={"pan": pan, "to_user_id": owner_id, "reason": "pre-verified"})
    assert r.status_code == 200, r.text
    assert r.json()["from_user_id"] is None
    assert _start(owner, pan, "2026-27").status_code == 201


def test_only_an_admin_moves_a_pan(app: App, settings: Settings) -> None:
    taxpayer, me = logged_in(app, settings, Role.TAXPAYER)
    auditor, _ = logged_in(app, settings, Role.AUDITOR)
    body = {"pan": random_pan(), "to_user_id": me, "reason": "mine"}
    for client in (taxpayer, auditor):
        r = client.post(TRANSFERS, json=body)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"pan": "ABCDE12345", "to_user_id": "USER", "reason": "x"}, 400, "validation"),
        ({"pan": "abcpe1234f", "to_user_id": "USER", "reason": "x"}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "not-a-uuid", "reason": "x"}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "USER", "reason": ""}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "USER"}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "USER", "reason": "x", "extra": 1}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "USER", "reason": "x" * 501}, 400, "validation"),
        ({"pan": "PAN", "to_user_id": "NOBODY", "reason": "x"}, 404, "not-found"),
        ([], 400, "validation"),
    ],
)
def test_bad_transfers_are_problems(
    app: App, settings: Settings, admin: httpx.Client, body: Any, status: int, code: str
) -> None:
    _, user_id = logged_in(app, settings, Role.TAXPAYER)
    swap = {"PAN": random_pan(), "USER": user_id, "NOBODY": str(uuid.uuid4())}
    if isinstance(body, dict):
        body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = admin.post(TRANSFERS, json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/" + code)


def test_a_bad_pan_is_refused_before_any_claim(app: App, settings: Settings) -> None:
    client, _ = logged_in(app, settings, Role.TAXPAYER)
    for pan in ("ABCPE1234", "abcpe1234f", "", "ABCPE1234FF", 42):
        r = client.post(FILINGS, json={"assessment_year": "2026-27", "pan": pan})
        assert r.status_code == 400, r.text
        assert r.json()["type"].endswith("/validation") and r.json()["field"] == "pan"
