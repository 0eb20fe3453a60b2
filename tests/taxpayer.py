"""A taxpayer driving the HTTP API, as a web client would."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import httpx

from burnblack import seed

PASSWORD = "correct horse battery staple"
CSRF_COOKIE = "bb_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cookie_value(client: httpx.Client, name: str) -> str | None:
    value = None
    for cookie in client.cookies.jar:
        if cookie.name == name:
            value = cookie.value
    return value


def send_csrf_token(client: httpx.Client) -> httpx.Client:
    """As the web client does: the CSRF cookie's value in X-CSRF-Token on unsafe requests."""

    def add_token(request: httpx.Request) -> None:
        if request.method in UNSAFE_METHODS and CSRF_HEADER not in request.headers:
            token = cookie_value(client, CSRF_COOKIE)
            if token:
                request.headers[CSRF_HEADER] = token

    client.event_hooks["request"] = [*client.event_hooks["request"], add_token]
    return client


def random_pan(rng: random.Random | None = None) -> str:
    """A valid, individual's PAN (fourth letter P), random unless `rng` is given."""
    return seed.random_pan(rng or random.Random())


class Taxpayer:
    def __init__(self, base_url: str, email: str | None = None) -> None:
        self.email = email or f"tp-{uuid.uuid4().hex[:12]}@example.com"
        self.client = send_csrf_token(httpx.Client(base_url=base_url, timeout=30))

    def register_and_login(self) -> Taxpayer:
        r = self.client.post(
            "/api/v1/auth/register", json={"email": self.email, "password": PASSWORD}
        )
        assert r.status_code == 201, r.text
        return self.relogin()

    def relogin(self) -> Taxpayer:
        """Log in (again): a new session, carrying the account's current role."""
        r = self.client.post("/api/v1/auth/login", json={"email": self.email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return self

    def start_filing(
        self, assessment_year: str = "2026-27", pan: str | None = None
    ) -> dict[str, Any]:
        r = self.client.post(
            "/api/v1/filings", json={"assessment_year": assessment_year, "pan": pan or random_pan()}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def put(self, path: str, version: int, body: dict[str, Any]) -> httpx.Response:
        return self.client.put(path, json=body, headers={"If-Match": f'"{version}"'})

    def post(self, path: str, version: int, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(path, json=body, headers={"If-Match": f'"{version}"'})

    def wait_for(self, filing_id: str, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            r = self.client.get(f"/api/v1/filings/{filing_id}")
            if r.status_code == 200:
                last = r.json()
                if predicate(last):
                    return dict(last)
            time.sleep(0.1)
        raise TimeoutError(f"filing {filing_id} never matched; last seen: {last}")
