"""Idempotency-Key: a retried POST that creates something gets its first answer, per user,
also when the duplicates arrive at once (in-process API, real PostgreSQL and Redis)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from burnblack.settings import Settings
from tests.integration.read_side import InProcess, in_process
from tests.processes import TEST_SECURITY_ENV
from tests.taxpayer import random_pan


@pytest.fixture(scope="module")
def api(servers: Any) -> Iterator[InProcess]:
    settings = Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            "BURNBLACK_DB_POOL_SIZE": "4",
            **TEST_SECURITY_ENV,
        }
    )
    with in_process(settings) as api:
        yield api


def _events(settings: Settings, filing_id: str) -> int:
    database_url, _ = settings.require_urls()
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM filings_events WHERE originator_id = %s",
            (uuid.UUID(filing_id),),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _start(client: httpx.Client, key: str, pan: str) -> httpx.Response:
    return client.post(
        "/api/v1/filings",
        json={"assessment_year": "2026-27", "pan": pan},
        headers={"Idempotency-Key": key},
    )


def test_a_retry_gets_the_first_answer(api: InProcess) -> None:
    client, _ = api.user()
    key, pan = str(uuid.uuid4()), random_pan()
    first = _start(client, key, pan)
    assert first.status_code == 201, first.text
    retry = _start(client, key, pan)
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert _events(api.settings, first.json()["id"]) == 1
    # Without the key, the same request is a new attempt: the return exists.
    again = client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": pan})
    assert again.status_code == 409


def test_a_key_belongs_to_its_user_and_its_request(api: InProcess) -> None:
    alice, _ = api.user()
    bob, _ = api.user()
    key = str(uuid.uuid4())
    assert _start(alice, key, random_pan()).status_code == 201
    assert _start(bob, key, random_pan()).status_code == 201  # bob's own key space
    reused = _start(alice, key, random_pan())  # another request under the same key
    assert reused.status_code == 422, reused.text
    assert reused.json()["type"].endswith("/idempotency-key-reused")


def test_a_refused_request_is_not_kept(api: InProcess) -> None:
    client, _ = api.user()
    key = str(uuid.uuid4())
    bad = client.post(
        "/api/v1/filings",
        json={"assessment_year": "2026-27", "pan": "nope"},
        headers={"Idempotency-Key": key},
    )
    assert bad.status_code == 400
    # Nothing was kept: the client fixes the body and retries under the same key.
    fixed = _start(client, key, random_pan())
    assert fixed.status_code == 201, fixed.text
    assert "idempotent-replayed" not in fixed.headers


def test_concurrent_duplicates_create_once_and_answer_alike(api: InProcess) -> None:
    client, _ = api.user()
    key, pan = str(uuid.uuid4()), random_pan()
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        answers.append(_start(client, key, pan))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert _events(api.settings, answers[0].json()["id"]) == 1
