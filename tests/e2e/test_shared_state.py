"""Two real API processes sharing one Redis: sessions, rate limits and lockouts hold across
instances exactly as on one (small limits configured for these processes)."""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from burnblack.settings import Settings
from domain.account import Role
from tests.processes import Platform
from tests.security_client import create_account
from tests.servers import ServerUrls
from tests.taxpayer import PASSWORD, Taxpayer, send_csrf_token

pytestmark = pytest.mark.e2e

EXPENSIVE_LIMIT = 7
ACCOUNT_THRESHOLD = 3
TAX_INPUT = {"assessment_year": "2026-27", "salary": {"gross": 900_000}}
_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


@pytest.fixture(scope="module")
def pair(servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = Platform(
        servers.database_url,
        servers.redis_url,
        Path(tmp_path_factory.mktemp("shared-state-logs")),
        api_count=2,
        env={
            "BURNBLACK_TRUSTED_PROXIES": "127.0.0.1",  # so each test can be its own client
            "BURNBLACK_RATE_LIMIT_EXPENSIVE": f"{EXPENSIVE_LIMIT}/hour",
            "BURNBLACK_LOCKOUT_ACCOUNT_THRESHOLD": str(ACCOUNT_THRESHOLD),
        },
    )
    p.start()
    try:
        yield p
    finally:
        p.stop()


def _login(url: str, email: str, password: str, address: str) -> httpx.Response:
    return httpx.post(
        url + "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def test_a_session_from_one_instance_works_on_the_other_and_logout_on_either_ends_it(
    pair: Platform,
) -> None:
    first, second = pair.url(0), pair.url(1)
    me = Taxpayer(first).register_and_login()
    client = me.client
    assert client.get(second + "/api/v1/auth/me").json()["email"] == me.email
    # a change (with the CSRF token) on the other instance
    r = client.post(
        second + "/api/v1/filings", json={"assessment_year": "2026-27", "pan": "AAAPA1234A"}
    )
    assert r.status_code in (201, 409), r.text
    # a second device logs in on the other instance; logging out there ends only that one
    phone = send_csrf_token(httpx.Client(timeout=30))
    assert (
        phone.post(
            second + "/api/v1/auth/login", json={"email": me.email, "password": PASSWORD}
        ).status_code
        == 200
    )
    assert phone.post(second + "/api/v1/auth/logout").status_code == 204
    assert phone.get(first + "/api/v1/auth/me").status_code == 401
    assert client.get(first + "/api/v1/auth/me").status_code == 200
    # logging out on the second instance ends the session on the first too
    assert client.post(second + "/api/v1/auth/logout").status_code == 204
    for url in (first, second):
        assert client.get(url + "/api/v1/auth/me").status_code == 401


def test_a_limit_of_n_across_both_instances_admits_exactly_n(pair: Platform) -> None:
    address = next(_addresses)
    urls = [pair.url(i % 2) + "/api/v1/tax/compute" for i in range(3 * EXPENSIVE_LIMIT)]

    def send(url: str) -> int:
        r = httpx.post(url, json=TAX_INPUT, headers={"X-Forwarded-For": address}, timeout=30)
        return r.status_code

    with ThreadPoolExecutor(6) as pool:
        outcomes = Counter(pool.map(send, urls))
    assert outcomes == {200: EXPENSIVE_LIMIT, 429: 2 * EXPENSIVE_LIMIT}
    # alternating one by one after that: still refused on both, and another client is not
    assert send(pair.url(0) + "/api/v1/tax/compute") == 429
    assert send(pair.url(1) + "/api/v1/tax/compute") == 429
    other = httpx.post(
        pair.url(1) + "/api/v1/tax/compute",
        json=TAX_INPUT,
        headers={"X-Forwarded-For": next(_addresses)},
        timeout=30,
    )
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == str(
        EXPENSIVE_LIMIT - 1
    )


def test_a_lockout_through_one_instance_holds_on_the_other(pair: Platform) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    address = next(_addresses)
    for _ in range(ACCOUNT_THRESHOLD):
        assert _login(pair.url(0), me.email, "wrong password!!", address).status_code == 401
    # the right password, on the other instance, from another address: the account is locked
    r = _login(pair.url(1), me.email, PASSWORD, next(_addresses))
    assert r.status_code == 429, r.text
    assert r.json()["type"].endswith("/login-locked")
    assert 0 < int(r.headers["Retry-After"]) <= 60


def test_a_burst_of_wrong_passwords_on_both_instances_checks_only_the_threshold(
    pair: Platform,
) -> None:
    me = Taxpayer(pair.url(1)).register_and_login()
    address = next(_addresses)
    urls = [pair.url(i % 2) for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(
            pool.map(
                lambda url: _login(url, me.email, f"guess-{uuid.uuid4()}", address).status_code,
                urls,
            )
        )
    assert outcomes == {401: ACCOUNT_THRESHOLD, 429: 24 - ACCOUNT_THRESHOLD}


def test_an_admins_revocation_on_one_instance_ends_sessions_used_on_the_other(
    pair: Platform, app_settings: Settings
) -> None:
    _, admin_email = create_account(app_settings, Role.ADMIN)
    admin = send_csrf_token(httpx.Client(base_url=pair.url(0), timeout=30))
    assert (
        admin.post(
            "/api/v1/auth/login", json={"email": admin_email, "password": PASSWORD}
        ).status_code
        == 200
    )
    user = Taxpayer(pair.url(1)).register_and_login()
    user_id = user.client.get("/api/v1/auth/me").json()["id"]
    r = admin.post(f"/api/v1/admin/users/{user_id}/session-revocation")
    assert r.status_code == 200 and r.json()["ended"] == 1
    assert user.client.get("/api/v1/auth/me").status_code == 401


def _on(url: str, me: Taxpayer) -> httpx.Client:
    """The same user's session, through another instance."""
    other = send_csrf_token(httpx.Client(base_url=url, timeout=30))
    other.cookies = me.client.cookies
    return other


def test_writes_reads_and_the_cache_hold_across_instances(pair: Platform) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    through_b = _on(pair.url(1), me)
    fid = me.start_filing()["id"]
    first = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 500_000}})
    assert first.status_code == 200, first.text

    # Read your write through B: B answers once its read model has A's write.
    r = through_b.get(f"/api/v1/filings/{fid}", params={"min_position": first.json()["position"]})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text

    # A stale If-Match through B after a write through A is a conflict.
    stale = through_b.put(
        f"/api/v1/filings/{fid}/income",
        json={"salary": {"gross": 1}},
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["current_version"] == 2

    # B has version 2 cached; A's next write invalidates it for B too (the TTL is minutes).
    assert through_b.get(f"/api/v1/filings/{fid}").json()["version"] == 2
    second = me.put(f"/api/v1/filings/{fid}/income", 2, {"salary": {"gross": 600_000}})
    assert second.status_code == 200, second.text
    deadline = time.monotonic() + 20
    seen = 2
    while time.monotonic() < deadline and seen != 3:
        seen = through_b.get(f"/api/v1/filings/{fid}").json()["version"]
        time.sleep(0.05)
    assert seen == 3
    listed = through_b.get("/api/v1/filings").json()["items"]
    assert [(i["id"], i["version"]) for i in listed] == [(fid, 3)]
    through_b.close()
