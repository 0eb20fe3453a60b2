"""Accounts racing to claim one PAN through two real API processes: exactly one wins, every
other gets the neutral 409, and the store holds one claim with the winner's return."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from tests.processes import TEST_SECURITY_ENV, Platform
from tests.servers import ServerUrls
from tests.taxpayer import Taxpayer, random_pan

pytestmark = pytest.mark.e2e

RACERS = 6  # accounts, alternating between the two API processes
ROUNDS = 6
YEARS = ("2024-25", "2025-26", "2026-27", "2027-28")


@pytest.fixture(scope="module")
def pair(servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = Platform(
        servers.database_url,
        servers.redis_url,
        Path(tmp_path_factory.mktemp("pan-race-logs")),
        api_count=2,
    )
    p.start()
    try:
        yield p
    finally:
        p.stop()


def _race(racers: list[Taxpayer], pan: str, years: list[str]) -> list[httpx.Response]:
    """Every racer starts a return on `pan` at the same moment (a barrier, no sleeps)."""
    barrier = threading.Barrier(len(racers))

    def go(i: int) -> httpx.Response:
        barrier.wait()
        return racers[i].client.post(
            "/api/v1/filings", json={"assessment_year": years[i], "pan": pan}
        )

    with ThreadPoolExecutor(len(racers)) as pool:
        return list(pool.map(go, range(len(racers))))


@pytest.mark.parametrize("same_year", [True, False], ids=["same-year", "any-year"])
def test_exactly_one_account_claims_a_pan(
    pair: Platform, servers: ServerUrls, same_year: bool
) -> None:
    racers = [Taxpayer(pair.url(i % 2)).register_and_login() for i in range(RACERS)]
    ids = [r.client.get("/api/v1/auth/me").json()["id"] for r in racers]
    settings = Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            **TEST_SECURITY_ENV,
        }
    )
    filings = wiring.filings_app(settings)
    try:
        for _ in range(ROUNDS):
            pan = random_pan()
            years = [YEARS[2] if same_year else YEARS[i % len(YEARS)] for i in range(RACERS)]
            answers = _race(racers, pan, years)
            won = [i for i, a in enumerate(answers) if a.status_code == 201]
            assert len(won) == 1, [a.text for a in answers]
            lost = [a for a in answers if a.status_code != 201]
            assert {a.status_code for a in lost} == {409}, [a.text for a in lost]
            assert len({a.text for a in lost}) == 1  # one neutral body for every loser
            assert lost[0].json()["type"].endswith("/pan-unavailable")

            winner = won[0]
            claim = filings.find_pan_claim(filings.pan_claim_id(pan))
            assert claim is not None and claim.owner_id == ids[winner]
            assert claim.filings == {years[winner]: (answers[winner].json()["id"], ids[winner])}
            assert uuid.UUID(answers[winner].json()["id"]).version == 4
    finally:
        filings.close()
