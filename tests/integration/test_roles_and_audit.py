"""Roles on every route (taxpayer, auditor, admin), and the audit trail of privileged acts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from api.security.edge import guards_of
from burnblack.settings import Settings
from domain.account import Role
from tests.security_client import App, api_client, browser, logged_in, login, security_settings
from tests.servers import ServerUrls
from tests.taxpayer import random_pan

ME = "/api/v1/auth/me"


@pytest.fixture(scope="module")
def settings(servers: ServerUrls) -> Settings:
    return security_settings(servers)


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[App]:
    with api_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def taxpayer(app: App, settings: Settings) -> tuple[httpx.Client, str]:
    return logged_in(app, settings, Role.TAXPAYER)


@pytest.fixture(scope="module")
def auditor(app: App, settings: Settings) -> tuple[httpx.Client, str]:
    return logged_in(app, settings, Role.AUDITOR)


@pytest.fixture(scope="module")
def admin(app: App, settings: Settings) -> tuple[httpx.Client, str]:
    return logged_in(app, settings, Role.ADMIN)


@pytest.fixture(scope="module")
def filing(taxpayer: tuple[httpx.Client, str]) -> tuple[str, str, dt.datetime]:
    """A taxpayer's return at version 2; its PAN; a moment between versions 1 and 2."""
    client, _ = taxpayer
    pan = random_pan()
    r = client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": pan})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    between = dt.datetime.now(dt.UTC)  # after the first event was stored, before the second
    r = client.put(
        f"/api/v1/filings/{fid}/income",
        json={"salary": {"gross": 900_000}},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    return fid, pan, between


def _type(r: httpx.Response) -> str:
    return str(r.json()["type"]).rsplit("/", 1)[-1]


def _events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM filings_events) + (SELECT count(*) FROM accounts_events)"
        ).fetchone()
    assert row is not None
    return int(row[0])


ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/users?email=someone@example.com", None),
    ("PUT", "/api/v1/admin/users/00000000-0000-0000-0000-000000000001/role", {"role": "admin"}),
    ("POST", "/api/v1/admin/users/00000000-0000-0000-0000-000000000001/session-revocation", None),
    ("GET", "/api/v1/admin/projections", None),
]


def whole_trail(client: httpx.Client) -> list[dict[str, Any]]:
    """Every page of the trail: the session's database holds other tests' records too, oldest
    first, so what this test did may lie beyond the first page."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get("/api/v1/audit/trail", params={"after": after, "limit": 500}).json()
        items += page["items"]
        if page["next_after"] is None:
            return items
        after = page["next_after"]


def test_a_taxpayer_reaching_admin_or_audit_routes_is_forbidden(
    servers: ServerUrls, taxpayer: tuple[httpx.Client, str], filing: tuple[str, str, dt.datetime]
) -> None:
    client, _ = taxpayer
    before = _events(servers.database_url)
    for method, path, body in ADMIN_ROUTES:
        r = client.request(method, path, json=body)
        assert r.status_code == 403 and _type(r) == "forbidden", (method, path, r.text)
    for path in (f"/api/v1/audit/filings/{filing[0]}/events", "/api/v1/audit/trail"):
        assert client.get(path).status_code == 403, path
    assert _events(servers.database_url) == before


def test_without_a_session_admin_routes_are_401(app: App) -> None:
    for method, path, body in ADMIN_ROUTES:
        r = browser(app).request(method, path, json=body)
        assert r.status_code == 401 and _type(r) == "unauthenticated", path


def test_another_taxpayers_filing_does_not_exist_for_you(
    app: App, settings: Settings, filing: tuple[str, str, dt.datetime]
) -> None:
    stranger, _ = logged_in(app, settings, Role.TAXPAYER)
    fid = filing[0]
    assert stranger.get(f"/api/v1/filings/{fid}").status_code == 404
    r = stranger.put(
        f"/api/v1/filings/{fid}/income", json={"salary": {"gross": 1}}, headers={"If-Match": '"2"'}
    )
    assert r.status_code == 404


def test_an_auditor_may_not_write(
    servers: ServerUrls, auditor: tuple[httpx.Client, str], filing: tuple[str, str, dt.datetime]
) -> None:
    client, _ = auditor
    fid = filing[0]
    before = _events(servers.database_url)
    attempts = [
        client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": random_pan()}),
        client.put(
            f"/api/v1/filings/{fid}/income",
            json={"salary": {"gross": 1}},
            headers={"If-Match": '"2"'},
        ),
        client.post(f"/api/v1/filings/{fid}/computations", headers={"If-Match": '"2"'}),
        client.put(f"{ADMIN_ROUTES[1][1]}", json={"role": "admin"}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert all(_type(r) == "forbidden" for r in attempts)
    assert _events(servers.database_url) == before


def test_an_auditor_reads_a_filings_history_and_past_states(
    auditor: tuple[httpx.Client, str], filing: tuple[str, str, dt.datetime]
) -> None:
    client, auditor_id = auditor
    fid, pan, between = filing
    r = client.get(f"/api/v1/audit/filings/{fid}/events")
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert [(e["version"], e["type"]) for e in events] == [
        (1, "FilingStarted"),
        (2, "IncomeDeclared"),
    ]
    assert events[0]["data"]["pan"] == pan and events[0]["meta"]["actor"]
    assert events[0]["timestamp"] < events[1]["timestamp"]

    now = client.get(f"/api/v1/audit/filings/{fid}").json()
    assert now["version"] == 2 and now["state"]["income"]["salary"]["gross"] == 900_000
    first = client.get(f"/api/v1/audit/filings/{fid}", params={"at": "1"}).json()
    assert first["version"] == 1 and first["state"]["income"] is None
    assert first["state"]["pan"] == pan
    at_time = client.get(f"/api/v1/audit/filings/{fid}", params={"at": between.isoformat()})
    assert at_time.json()["version"] == 1
    before_it = (between - dt.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/audit/filings/{fid}", params={"at": before_it}).status_code == 404
    assert client.get(f"/api/v1/audit/filings/{fid}", params={"at": "9"}).status_code == 404
    assert client.get(f"/api/v1/audit/filings/{fid}", params={"at": "soon"}).status_code == 400

    trail = whole_trail(client)
    mine = [e for e in trail if e["actor"] == auditor_id and e["subject"] == fid]
    assert {e["action"] for e in mine} == {"filing.history_inspected", "filing.inspected"}
    assert len(mine) == 4  # the history, now, at version 1, at a time (not the refused ones)


def test_an_admin_changes_a_role_the_users_sessions_end_and_it_is_audited(
    app: App,
    settings: Settings,
    admin: tuple[httpx.Client, str],
    auditor: tuple[httpx.Client, str],
) -> None:
    admin_client, admin_id = admin
    user, user_id = logged_in(app, settings, Role.TAXPAYER)
    email = user.get(ME).json()["email"]
    found = admin_client.get("/api/v1/admin/users", params={"email": email}).json()
    assert found == {"id": user_id, "email": email, "role": "taxpayer"}

    r = admin_client.put(f"/api/v1/admin/users/{user_id}/role", json={"role": "auditor"})
    assert r.status_code == 200 and r.json()["role"] == "auditor"
    assert user.get(ME).status_code == 401  # the old session carried the old role
    login(user, email)
    assert user.get(ME).json()["role"] == "auditor"

    trail = whole_trail(auditor[0])
    change = [e for e in trail if e["action"] == "account.role_changed" and e["subject"] == user_id]
    assert len(change) == 1
    assert change[0]["actor"] == admin_id
    assert change[0]["details"] == {"from": "taxpayer", "to": "auditor"}


def test_an_admin_revokes_a_users_sessions_everywhere(
    app: App, settings: Settings, admin: tuple[httpx.Client, str], auditor: tuple[httpx.Client, str]
) -> None:
    admin_client, admin_id = admin
    laptop, user_id = logged_in(app, settings, Role.TAXPAYER)
    phone = browser(app)
    login(phone, laptop.get(ME).json()["email"])
    r = admin_client.post(f"/api/v1/admin/users/{user_id}/session-revocation")
    assert r.status_code == 200 and r.json() == {"user_id": user_id, "ended": 2}
    assert laptop.get(ME).status_code == 401 and phone.get(ME).status_code == 401
    assert admin_client.get(ME).status_code == 200
    trail = whole_trail(auditor[0])
    assert any(
        e["action"] == "account.sessions_revoked"
        and e["subject"] == user_id
        and e["actor"] == admin_id
        for e in trail
    )


def test_admin_actions_on_unknown_accounts_are_404(admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    ghost = "00000000-0000-0000-0000-0000000000ff"
    assert (
        client.put(f"/api/v1/admin/users/{ghost}/role", json={"role": "admin"}).status_code == 404
    )
    assert client.post(f"/api/v1/admin/users/{ghost}/session-revocation").status_code == 404
    assert (
        client.get("/api/v1/admin/users", params={"email": "ghost@example.com"}).status_code == 404
    )
    r = client.put(f"/api/v1/admin/users/{ghost}/role", json={"role": "superuser"})
    assert r.status_code == 400


PUBLIC = {
    "/health/live",
    "/health/ready",
    "/metrics",
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/tax/compute",
}


def test_every_route_declares_who_may_call_it(app: App) -> None:
    """A new route without a guard fails here unless it is deliberately public."""
    unguarded = set()
    for route in app.app.routes:
        if route.path.startswith("/schema"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) == {"OPTIONS"}:
                continue  # Litestar's automatic OPTIONS answer: the allowed methods, no data
            if not guards_of(handler) and route.path not in PUBLIC:
                unguarded.add(route.path)
    assert unguarded == set()
