"""A taxpayer driving the HTTP API, as a web client would."""

from __future__ import annotations

import random
import string
import time
import uuid
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


def random_pan(rng: random.Random | None = None) -> str:
    r = rng or random.Random()
    letters = string.ascii_uppercase
    return (
        "".join(r.choices(letters, k=3))
        + "P"
        + r.choice(letters)
        + "".join(r.choices(string.digits, k=4))
        + r.choice(letters)
    )


class Taxpayer:
    def __init__(self, base_url: str, email: str | None = None) -> None:
        self.email = email or f"tp-{uuid.uuid4().hex[:12]}@example.com"
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def register_and_login(self) -> Taxpayer:
        r = self.client.post(
            "/api/v1/auth/register", json={"email": self.email, "password": PASSWORD}
        )
        assert r.status_code == 201, r.text
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
