"""Every bad input found by trying the API as a new user is a 4xx problem, at once
(in-process API on the real PostgreSQL and Redis)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from burnblack import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.account import Role
from projections.redis_keys import position_key
from tests.integration.read_side import InProcess, in_process
from tests.processes import TEST_SECURITY_ENV
from tests.taxpayer import PASSWORD, random_pan, send_csrf_token


@pytest.fixture(scope="module")
def api(servers: Any) -> Iterator[InProcess]:
    settings = Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            "BURNBLACK_DB_POOL_SIZE": "4",
            "BURNBLACK_READ_YOUR_WRITES_TIMEOUT": "3",
            **TEST_SECURITY_ENV,
        }
    )
    with in_process(settings) as api:
        yield api


@pytest.fixture
def draft(api: InProcess) -> tuple[httpx.Client, str]:
    client, _ = api.user()
    r = client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": random_pan()})
    assert r.status_code == 201, r.text
    return client, r.json()["id"]


def problem_of(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    if code is not None:
        assert body["type"].endswith("/" + code), body
    return body


def income(client: httpx.Client, fid: str, body: Any, **kwargs: Any) -> httpx.Response:
    return client.put(
        f"/api/v1/filings/{fid}/income", json=body, headers={"If-Match": '"1"'}, **kwargs
    )


def test_deeply_nested_json_on_login_is_a_400(api: InProcess) -> None:
    anonymous = api.client_factory()
    r = anonymous.post(
        "/api/v1/auth/login",
        content=b"[" * 100_000,
        headers={"content-type": "application/json"},
    )
    problem_of(r, 400, "nesting-too-deep")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"salary": {"gross": "1000"}}, "salary.gross"),
        ({"age": "35"}, "age"),
        ({"salary": {"gross": 1000.0}}, "salary.gross"),
    ],
)
def test_strings_are_not_taken_for_numbers(
    draft: tuple[httpx.Client, str], body: dict[str, Any], field: str
) -> None:
    client, fid = draft
    assert problem_of(income(client, fid, body), 400, "validation")["field"] == field


def test_a_text_body_where_json_is_expected_is_a_415(draft: tuple[httpx.Client, str]) -> None:
    client, fid = draft
    r = client.put(
        f"/api/v1/filings/{fid}/income",
        content=b'{"salary": {"gross": 1000}}',
        headers={"If-Match": '"1"', "content-type": "text/plain"},
    )
    problem_of(r, 415, "unsupported-media-type")


def test_arrays_are_capped(draft: tuple[httpx.Client, str], api: InProcess) -> None:
    client, fid = draft
    advance = [{"date": "2025-09-15", "amount": 1000}] * 2000
    body = problem_of(income(client, fid, {"taxes_paid": {"advance_tax": advance}}), 400)
    assert body["field"] == "taxes_paid.advance_tax"
    gains = [{"section": "111A", "amount": 10**13, "transfer_date": "2025-06-01"}] * 400
    assert problem_of(income(client, fid, {"capital_gains": gains}), 400)["field"] == (
        "capital_gains"
    )
    calculator = {"assessment_year": "2026-27", "capital_gains": gains}
    problem_of(client.post("/api/v1/tax/compute", json=calculator), 400, "validation")


def test_strings_are_capped(api: InProcess) -> None:
    anonymous = send_csrf_token(api.client_factory())
    r = anonymous.post(
        "/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 5000}
    )
    assert problem_of(r, 400, "validation")["field"] == "password"


@pytest.mark.parametrize("email", ["nul\x00@example.com", "evil\u202egnp.exe@example.com"])
def test_emails_with_control_characters_are_refused(api: InProcess, email: str) -> None:
    anonymous = send_csrf_token(api.client_factory())
    r = anonymous.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert problem_of(r, 422, "invalid-email")["field"] == "email"


def test_a_position_beyond_the_log_is_a_400_at_once(draft: tuple[httpx.Client, str]) -> None:
    client, fid = draft
    body = problem_of(client.get(f"/api/v1/filings/{fid}?min_position={10**15}"), 400)
    assert body["type"].endswith("/position-beyond-log") and body["field"] == "min_position"
    problem_of(client.get("/api/v1/filings", headers={"X-Min-Position": str(10**15)}), 400)


def test_a_user_may_have_only_a_few_reads_waiting(
    api: InProcess, draft: tuple[httpx.Client, str]
) -> None:
    client, fid = draft
    # A position the log has but the projection has not reached (the projector is not run).
    r = income(client, fid, {"salary": {"gross": 1000}})
    assert r.status_code == 200, r.text
    position = r.json()["position"]
    # The projection lags just behind it (other tests' projectors share this Redis database).
    redis = wiring.redis_client(api.settings)
    redis.set(position_key("filing_summary"), position - 1)
    redis.close()
    statuses: list[int] = []

    def wait() -> None:
        statuses.append(client.get(f"/api/v1/filings/{fid}?min_position={position}").status_code)

    threads = [threading.Thread(target=wait) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(429) >= 1, statuses
    assert set(statuses) <= {429, 503}, statuses
    api.project()
    assert client.get(f"/api/v1/filings/{fid}?min_position={position}").status_code == 200


def test_a_long_filename_is_a_400_titled_for_a_400(draft: tuple[httpx.Client, str]) -> None:
    client, fid = draft
    r = client.post(
        f"/api/v1/filings/{fid}/documents",
        files={"file": ("x" * 5000 + ".pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert r.status_code == 400, r.text
    assert r.json()["title"] == "Bad Request", r.json()


def test_the_last_admin_cannot_lose_the_role(api: InProcess) -> None:
    admin, admin_id = api.user(Role.ADMIN)
    # Other tests' admins may exist: demote all but this one first, through the command.
    others = [a for a in api.accounts._roster().admins if a != admin_id]
    for other in others:
        api.accounts.change_role(CommandContext("test"), uuid.UUID(other), Role.TAXPAYER)
    r = admin.put(f"/api/v1/admin/users/{admin_id}/role", json={"role": "taxpayer"})
    problem_of(r, 409, "last-admin")
    # The refusal changed nothing: the admin is still logged in and still an admin.
    r = admin.get("/api/v1/auth/me")
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "admin", r.json()
    second, second_id = api.user(Role.ADMIN)
    r = second.put(f"/api/v1/admin/users/{admin_id}/role", json={"role": "taxpayer"})
    assert r.status_code == 200, r.text
    r = second.put(f"/api/v1/admin/users/{second_id}/role", json={"role": "auditor"})
    problem_of(r, 409, "last-admin")
