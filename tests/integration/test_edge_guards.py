"""Guards run in the edge middleware (api/security/edge.py, `move_guards_to_the_edge`):
Litestar's own path copied the route handler for every guard on every request. The same
answers as before (401, 403, 503 problem documents; the handler for a role it admits),
without a single copy of a handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.handlers import base as litestar_handlers

from burnblack.settings import Settings
from domain.account import Role
from tests.security_client import App, api_client, browser, logged_in, security_settings
from tests.servers import ServerUrls
from tests.taxpayer import random_pan


@pytest.fixture(scope="module")
def settings(servers: ServerUrls) -> Settings:
    return security_settings(servers)


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[App]:
    with api_client(settings) as client:
        yield client


@pytest.fixture
def no_handler_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestar's guard path calls `copy(handler)` for each guard: make it fail loudly."""

    def refuse(_: Any) -> Any:
        raise AssertionError("a route handler was copied to call a guard")

    monkeypatch.setattr(litestar_handlers, "copy", refuse)


@pytest.mark.usefixtures("no_handler_copies")
def test_guards_answer_as_before_without_copying_a_handler(app: App, settings: Settings) -> None:
    taxpayer, _ = logged_in(app, settings, Role.TAXPAYER)
    r = taxpayer.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": random_pan()})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert taxpayer.get(f"/api/v1/filings/{fid}/history").status_code == 200
    assert taxpayer.get("/api/v1/filings").status_code == 200
    assert taxpayer.get("/api/v1/auth/me").status_code == 200  # requires_session

    auditor, _ = logged_in(app, settings, Role.AUDITOR)
    r = auditor.get("/api/v1/filings")
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("forbidden")
    # A write refused by the guard writes nothing, idempotency key or not.
    r = auditor.post(
        "/api/v1/filings",
        json={"assessment_year": "2026-27", "pan": random_pan()},
        headers={"Idempotency-Key": "edge-guard-1"},
    )
    assert r.status_code == 403, r.text

    anonymous: httpx.Client = browser(app)
    r = anonymous.get(f"/api/v1/filings/{fid}")
    assert r.status_code == 401, r.text
    assert r.json()["type"].endswith("unauthenticated")
    assert anonymous.get("/api/v1/auth/me").status_code == 401


def test_openapi_still_names_the_guards_statuses(app: App) -> None:
    doc = app.get("/schema/openapi.json").json()
    responses = doc["paths"]["/api/v1/filings/{filing_id}"]["get"]["responses"]
    assert {"401", "403"} <= set(responses)
