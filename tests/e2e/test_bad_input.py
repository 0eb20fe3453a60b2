"""Every bad request is a 4xx problem document and writes no event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest

from tests.processes import Platform
from tests.servers import ServerUrls
from tests.taxpayer import Taxpayer

pytestmark = pytest.mark.e2e


def event_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM filings_events) + (SELECT count(*) FROM accounts_events)"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def draft(platform: Platform) -> tuple[Taxpayer, str, int]:
    me = Taxpayer(platform.url()).register_and_login()
    fid = me.start_filing("2026-27")["id"]
    r = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 900_000}})
    assert r.status_code == 200
    return me, fid, 2


def _problem(r: httpx.Response, status: int, type_suffix: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = dict(r.json())
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    if type_suffix:
        assert body["type"].endswith("/" + type_suffix), body
    return body


CASES: list[
    tuple[str, Callable[[Taxpayer, str, int], httpx.Response], int, str | None, str | None]
] = [
    (
        "malformed json",
        lambda me, fid, v: me.client.put(
            f"/api/v1/filings/{fid}/income",
            content=b'{"salary": {"gross": 1',
            headers={"If-Match": f'"{v}"', "content-type": "application/json"},
        ),
        400,
        None,
        None,
    ),
    (
        "wrong type",
        lambda me, fid, v: me.put(
            f"/api/v1/filings/{fid}/income", v, {"salary": {"gross": "lots"}}
        ),
        400,
        "validation",
        "salary.gross",
    ),
    (
        "negative amount",
        lambda me, fid, v: me.put(f"/api/v1/filings/{fid}/income", v, {"salary": {"gross": -5}}),
        400,
        "validation",
        "salary.gross",
    ),
    (
        "unknown key",
        lambda me, fid, v: me.put(f"/api/v1/filings/{fid}/income", v, {"salary": {"bonus": 5}}),
        400,
        "validation",
        None,
    ),
    (
        "unknown assessment year",
        lambda me, fid, v: me.client.post(
            "/api/v1/filings", json={"assessment_year": "2019-20", "pan": "ABCPE1234F"}
        ),
        422,
        "unsupported-assessment-year",
        "assessment_year",
    ),
    (
        "bad PAN",
        lambda me, fid, v: me.client.post(
            "/api/v1/filings", json={"assessment_year": "2026-27", "pan": "ABCDE12345"}
        ),
        400,
        "validation",
        "pan",
    ),
    (
        "stale If-Match",
        lambda me, fid, v: me.put(f"/api/v1/filings/{fid}/income", v - 1, {"salary": {"gross": 1}}),
        409,
        "version-conflict",
        None,
    ),
    (
        "missing If-Match",
        lambda me, fid, v: me.client.put(
            f"/api/v1/filings/{fid}/income", json={"salary": {"gross": 1}}
        ),
        428,
        "precondition-required",
        None,
    ),
    (
        "revision of a return not submitted",
        lambda me, fid, v: me.post(f"/api/v1/filings/{fid}/revisions", v),
        422,
        "invalid-transition",
        None,
    ),
    (
        "revision with a stale If-Match",
        lambda me, fid, v: me.post(f"/api/v1/filings/{fid}/revisions", v - 1),
        409,
        "version-conflict",
        None,
    ),
    (
        "revision without If-Match",
        lambda me, fid, v: me.client.post(f"/api/v1/filings/{fid}/revisions"),
        428,
        "precondition-required",
        None,
    ),
    (
        "submit without computation",
        lambda me, fid, v: me.post(f"/api/v1/filings/{fid}/submission", v, {"regime": "new"}),
        422,
        "computation-missing",
        None,
    ),
    (
        "unknown regime",
        lambda me, fid, v: me.post(f"/api/v1/filings/{fid}/submission", v, {"regime": "both"}),
        400,
        "validation",
        None,
    ),
    (
        "not logged in",
        lambda me, fid, v: httpx.get(str(me.client.base_url) + f"/api/v1/filings/{fid}"),
        401,
        "unauthenticated",
        None,
    ),
    (
        "no such route",
        lambda me, fid, v: me.client.get("/api/v1/nothing-here"),
        404,
        "not-found",
        None,
    ),
    (
        "oversized body",
        lambda me, fid, v: me.client.put(
            f"/api/v1/filings/{fid}/income",
            content=b"{" + b" " * 400_000 + b"}",
            headers={"If-Match": f'"{v}"', "content-type": "application/json"},
        ),
        413,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "send", "status", "type_suffix", "field"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_request_is_a_problem_and_writes_nothing(
    servers: ServerUrls,
    draft: tuple[Taxpayer, str, int],
    name: str,
    send: Callable[[Taxpayer, str, int], httpx.Response],
    status: int,
    type_suffix: str | None,
    field: str | None,
) -> None:
    me, fid, version = draft
    before = event_count(servers.database_url)
    body = _problem(send(me, fid, version), status, type_suffix)
    if field:
        assert field in (body.get("field") or ""), body
    if status == 409:
        assert body["current_version"] == version
    assert event_count(servers.database_url) == before


def test_another_users_filing_is_404_for_reads_and_writes(
    servers: ServerUrls, platform: Platform, draft: tuple[Taxpayer, str, int]
) -> None:
    _, fid, version = draft
    stranger = Taxpayer(platform.url()).register_and_login()
    before = event_count(servers.database_url)
    _problem(stranger.client.get(f"/api/v1/filings/{fid}"), 404, "not-found")
    _problem(
        stranger.put(f"/api/v1/filings/{fid}/income", version, {"salary": {"gross": 1}}),
        404,
        "not-found",
    )
    _problem(stranger.post(f"/api/v1/filings/{fid}/computations", version), 404, "not-found")
    assert stranger.client.get("/api/v1/filings").json()["items"] == []
    assert event_count(servers.database_url) == before


def test_starting_the_same_return_twice_is_a_conflict(
    servers: ServerUrls, platform: Platform
) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    r = me.client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": "ZZZPZ9999Z"})
    assert r.status_code == 201
    before = event_count(servers.database_url)
    _problem(
        me.client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": "ZZZPZ9999Z"}),
        409,
        "filing-exists",
    )
    assert event_count(servers.database_url) == before
