"""Rate limits by class and caller (in-process API, real Redis), and what happens when
Redis cannot be reached: logins fail closed, other traffic fails open, visibly."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from burnblack.settings import Settings
from domain.account import Role
from tests.security_client import (
    App,
    api_client,
    browser,
    create_account,
    login,
    security_settings,
)
from tests.servers import ServerUrls

TAX_INPUT = {"assessment_year": "2026-27", "salary": {"gross": 900_000}}


@pytest.fixture(scope="module")
def limited(servers: ServerUrls) -> Iterator[tuple[App, Settings]]:
    settings = security_settings(
        servers,
        BURNBLACK_RATE_LIMIT_STANDARD="5/hour",
        BURNBLACK_RATE_LIMIT_EXPENSIVE="2/hour",
        BURNBLACK_RATE_LIMIT_AUTH="3/hour",
    )
    with api_client(settings) as client:
        yield client, settings


@pytest.fixture(autouse=True)
def fresh_limits(servers: ServerUrls) -> None:
    """Every in-process request comes from the same (unknown) address: start each test at 0."""
    client = redis.Redis.from_url(servers.redis_url)
    for key in client.scan_iter(match="bb:ratelimit*", count=1000):
        client.delete(key)
    client.close()


def _type(r: httpx.Response) -> str:
    return str(r.json()["type"]).rsplit("/", 1)[-1]


def test_a_class_admits_exactly_its_limit_then_answers_429(
    limited: tuple[App, Settings],
) -> None:
    app, _ = limited
    anonymous = browser(app)
    responses = [
        anonymous.post("/api/v1/auth/register", json={"email": "x", "password": "y"})
        for _ in range(5)
    ]
    assert [r.status_code for r in responses] == [400, 400, 400, 429, 429]
    assert [r.headers["RateLimit-Remaining"] for r in responses[:3]] == ["2", "1", "0"]
    assert all(r.headers["RateLimit-Limit"] == "3" for r in responses)
    assert responses[0].headers["RateLimit-Policy"] == "3;w=3600"
    refused = responses[3]
    assert _type(refused) == "rate-limited" and refused.json()["limit_class"] == "auth"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert 0 < int(refused.headers["RateLimit-Reset"]) <= 3600


def test_logged_in_callers_are_counted_per_user_and_classes_apart(
    limited: tuple[App, Settings],
) -> None:
    app, settings = limited
    users = []
    for _ in range(2):
        _, email = create_account(settings, Role.TAXPAYER)
        client = browser(app)
        login(client, email)
        users.append(client)
    first, second = users
    assert [first.get("/api/v1/auth/me").status_code for _ in range(6)] == [200] * 5 + [429]
    assert [second.get("/api/v1/auth/me").status_code for _ in range(5)] == [200] * 5
    # the expensive class has its own count (per user too)
    computed = [first.post("/api/v1/tax/compute", json=TAX_INPUT).status_code for _ in range(3)]
    assert computed == [200, 200, 429]
    # an anonymous caller has the address's own budget
    assert browser(app).get("/api/v1/filings").status_code == 401


def test_probes_and_metrics_are_never_limited(limited: tuple[App, Settings]) -> None:
    app, _ = limited
    anonymous = browser(app)
    for _ in range(8):
        r = anonymous.get("/health/live")
        assert r.status_code == 200 and "RateLimit-Limit" not in r.headers
    metrics = anonymous.get("/metrics")
    assert metrics.status_code == 200
    # The event log's horizon, read at scrape (docs/event-log.md).
    assert "burnblack_event_log_horizon_age_seconds " in metrics.text
    assert "burnblack_event_log_horizon_transactions " in metrics.text


@pytest.fixture(scope="module")
def redis_down(servers: ServerUrls) -> Iterator[App]:
    settings = Settings.from_env(
        {**_env(security_settings(servers)), "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    with api_client(settings) as client:
        yield client


def _env(settings: Settings) -> dict[str, str]:
    assert settings.database_url and settings.cipher_key
    return {
        "DATABASE_URL": settings.database_url,
        "BURNBLACK_CIPHER_KEY": settings.cipher_key,
        "BURNBLACK_DB_POOL_SIZE": "2",
    }


def test_without_redis_logins_fail_closed_and_other_traffic_fails_open(redis_down: App) -> None:
    client = browser(redis_down)
    body = {"email": "someone@example.com", "password": "correct horse battery staple"}
    for path in ("/api/v1/auth/login", "/api/v1/auth/register"):
        r = client.post(path, json=body)
        assert r.status_code == 503 and _type(r) == "auth-unavailable", r.text
        assert r.headers["Retry-After"]
    # the calculator needs no Redis: served without a limit
    r = client.post("/api/v1/tax/compute", json=TAX_INPUT)
    assert r.status_code == 200, r.text
    assert "RateLimit-Limit" not in r.headers
    # a session cannot be checked: 503, not "log in" (401)
    client.cookies.set("bb_session", "A" * 43)
    r = client.get("/api/v1/filings")
    assert r.status_code == 503 and _type(r) == "sessions-unavailable"

    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["security"].startswith("degraded")
    metrics = client.get("/metrics").text
    assert (
        'burnblack_rate_limit_decisions_total{decision="fail_open",limit_class="expensive"}'
        in metrics
    )
    assert (
        'burnblack_rate_limit_decisions_total{decision="fail_closed",limit_class="auth"}' in metrics
    )
