"""Sessions and CSRF through the real middleware stack (in-process API, real Redis and
PostgreSQL): no anonymous sessions, rotation on login, forged and expired cookies, CSRF."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

import httpx
import pytest
import redis

from api.security.config import SecurityConfig
from api.security.cookies import header_values, session_cookies
from api.security.sessions import SESSION_PREFIX
from burnblack.settings import Settings
from tests.security_client import (
    App,
    api_client,
    browser,
    login,
    new_email,
    register,
    security_settings,
)
from tests.servers import ServerUrls
from tests.taxpayer import PASSWORD, cookie_value, random_pan

ME = "/api/v1/auth/me"


@pytest.fixture(scope="module")
def settings(servers: ServerUrls) -> Settings:
    return security_settings(servers)


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[App]:
    with api_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def sync_redis(servers: ServerUrls) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(servers.redis_url)
    yield client
    client.close()


def _session_keys(r: redis.Redis) -> int:
    return sum(1 for _ in r.scan_iter(match=SESSION_PREFIX + "*", count=1000))


def _user(app: App) -> tuple[httpx.Client, str]:
    client = browser(app)
    email = new_email()
    register(client, email)
    login(client, email)
    return client, email


def _problem_type(r: httpx.Response) -> str:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return str(r.json()["type"]).rsplit("/", 1)[-1]


def test_anonymous_requests_leave_no_session_and_no_cookie(
    app: App, sync_redis: redis.Redis
) -> None:
    before = _session_keys(sync_redis)
    anonymous = browser(app)
    responses = [
        anonymous.get("/health/live"),
        anonymous.get("/api/v1/filings"),
        anonymous.get(ME),
        anonymous.post("/api/v1/tax/compute", json={}),
        anonymous.post("/api/v1/auth/register", json={"email": new_email(), "password": PASSWORD}),
    ]
    assert [r.status_code for r in responses[:3]] == [200, 401, 401]
    assert all("set-cookie" not in r.headers for r in responses)
    assert _session_keys(sync_redis) == before


def test_login_sets_hardened_cookies_and_hands_over_the_csrf_token(app: App) -> None:
    client = browser(app)
    email = new_email()
    register(client, email)
    r = login(client, email)
    cookies = {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}
    session, csrf = cookies["bb_session"].lower(), cookies["bb_csrf"].lower()
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "httponly" not in csrf and "samesite=strict" in csrf
    assert r.headers["x-csrf-token"] == cookie_value(client, "bb_csrf")
    assert client.get(ME).json()["email"] == email


def test_cookies_are_secure_in_production() -> None:
    production = Settings.from_env({"BURNBLACK_ENV": "production"})
    assert production.security.secure_cookies
    assert production.security.session_cookie == "__Host-bb_session"
    assert production.security.csrf_cookie == "__Host-bb_csrf"
    for value in header_values(session_cookies(production.security, "id", "token")):
        assert "; secure" in value.lower()
    assert not any(
        "secure" in v.lower() for v in header_values(session_cookies(SecurityConfig(), "i", "t"))
    )


def test_a_made_up_session_id_never_becomes_a_login(app: App) -> None:
    planted = secrets.token_urlsafe(32)
    victim = browser(app)
    email = new_email()
    register(victim, email)
    victim.cookies.set("bb_session", planted)
    login(victim, email)
    issued = cookie_value(victim, "bb_session")
    assert issued and issued != planted
    attacker = browser(app)
    attacker.cookies.set("bb_session", planted)
    assert attacker.get(ME).status_code == 401


def test_a_planted_live_session_is_refused_or_rotated_away(app: App) -> None:
    attacker, _ = _user(app)
    attacker_id = cookie_value(attacker, "bb_session")
    assert attacker_id
    victim = browser(app)
    email = new_email()
    register(victim, email)
    # Only the session cookie planted: the victim's login carries no CSRF token → refused.
    victim.cookies.set("bb_session", attacker_id)
    r = victim.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 403 and _problem_type(r) == "csrf-failed"
    # Both cookies planted: the login succeeds under a new id and the planted one is gone.
    victim.cookies.set("bb_csrf", str(cookie_value(attacker, "bb_csrf")))
    login(victim, email)
    assert cookie_value(victim, "bb_session") != attacker_id
    assert victim.get(ME).json()["email"] == email
    assert attacker.get(ME).status_code == 401


def test_logging_in_as_someone_else_rotates_the_session(app: App) -> None:
    client, _ = _user(app)
    first = cookie_value(client, "bb_session")
    other = new_email()
    register(browser(app), other)
    login(client, other)
    assert cookie_value(client, "bb_session") != first
    assert client.get(ME).json()["email"] == other
    stale = browser(app)
    stale.cookies.set("bb_session", str(first))
    assert stale.get(ME).status_code == 401


@pytest.mark.parametrize("cookie", ["forged", "garbage", "expired"])
def test_forged_garbage_or_expired_sessions_are_anonymous_and_cleared(
    app: App, sync_redis: redis.Redis, cookie: str
) -> None:
    if cookie == "expired":
        client, _ = _user(app)
        value = str(cookie_value(client, "bb_session"))
        sync_redis.delete(SESSION_PREFIX + hashlib.sha256(value.encode()).hexdigest())
    else:
        value = secrets.token_urlsafe(32) if cookie == "forged" else "../../x; drop"
    probe = browser(app)
    probe.cookies.set("bb_session", value)
    r = probe.get("/api/v1/filings")
    assert r.status_code == 401 and _problem_type(r) == "unauthenticated"
    cleared = [c for c in r.headers.get_list("set-cookie") if c.startswith("bb_session=")]
    assert cleared and "max-age=0" in cleared[0].lower()


def test_unsafe_requests_with_a_session_need_the_csrf_token(app: App) -> None:
    client, _ = _user(app)
    body = {"assessment_year": "2026-27", "pan": random_pan()}
    token = str(cookie_value(client, "bb_csrf"))
    other, _ = _user(app)
    cases = {
        "missing": {"X-CSRF-Token": ""},
        "wrong": {"X-CSRF-Token": secrets.token_urlsafe(32)},
        "another session's": {"X-CSRF-Token": str(cookie_value(other, "bb_csrf"))},
    }
    for name, headers in cases.items():
        r = client.post("/api/v1/filings", json=body, headers=headers)
        assert r.status_code == 403 and _problem_type(r) == "csrf-failed", name
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": ""})
    assert r.status_code == 403
    r = client.post("/api/v1/filings", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    assert client.get(ME).status_code == 200  # safe methods need no token


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"email": "a@example.com", "password": "x=y"}'),
        ("application/x-www-form-urlencoded", b"email=a%40example.com&password=x"),
        ("multipart/form-data; boundary=x", b"--x--"),
    ],
)
def test_credential_endpoints_take_only_json(app: App, content_type: str, body: bytes) -> None:
    """A cross-site form can post these types without a preflight: login CSRF."""
    for path in ("/api/v1/auth/login", "/api/v1/auth/register"):
        r = browser(app).post(path, content=body, headers={"content-type": content_type})
        assert r.status_code == 415 and _problem_type(r) == "unsupported-media-type", path


def test_logout_ends_the_session_and_clears_the_cookies(app: App) -> None:
    client, _ = _user(app)
    value = str(cookie_value(client, "bb_session"))
    r = client.post("/api/v1/auth/logout")
    assert r.status_code == 204
    assert any(
        c.startswith("bb_session=") and "max-age=0" in c.lower()
        for c in r.headers.get_list("set-cookie")
    )
    replay = browser(app)
    replay.cookies.set("bb_session", value)
    assert replay.get(ME).status_code == 401


def test_logging_out_everywhere_ends_every_session_of_the_account(app: App) -> None:
    laptop, email = _user(app)
    phone = browser(app)
    login(phone, email)
    bystander, _ = _user(app)
    assert laptop.post("/api/v1/auth/logout-everywhere").status_code == 204
    assert laptop.get(ME).status_code == 401
    assert phone.get(ME).status_code == 401
    assert bystander.get(ME).status_code == 200
