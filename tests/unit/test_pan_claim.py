"""PAN binding as a domain rule: the first account holds the PAN, one return per year,
an admin's transfer moves who may start new ones (hypothesis, including a state machine
against a plain model)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from domain.pan_claim import PanClaim, Refusal, pan_claim_id

ACCOUNTS = st.sampled_from(["alice", "bob", "carol"])
YEARS = st.sampled_from(["2024-25", "2025-26", "2026-27", "2027-28"])
KEYS = st.binary(min_size=16, max_size=64)
PANS = st.from_regex(r"[A-Z]{5}[0-9]{4}[A-Z]", fullmatch=True)
META = {"actor": "test"}


class ClaimLife(RuleBasedStateMachine):
    """Random starts and transfers on one claim, checked against the rule in plain words:
    an account may start a year's return iff it holds the PAN and nobody has that year's."""

    def __init__(self) -> None:
        super().__init__()
        self.claim: PanClaim | None = None
        self.holder: str | None = None
        self.years: dict[str, str] = {}  # year -> who started it
        self.history: list[Any] = []  # the claim's events so far

    @rule(account=ACCOUNTS, year=YEARS)
    def start(self, account: str, year: str) -> None:
        if self.claim is None:
            self.claim = PanClaim.open(uuid.uuid4(), account, META)
            self.holder = account
        refusal = self.claim.refusal(account, year)
        if year in self.years:
            mine = self.years[year] == account
            expected = Refusal.EXISTS if mine else Refusal.EXISTS_UNDER_ANOTHER
        elif self.holder != account:
            expected = Refusal.CLAIMED_BY_ANOTHER
        else:
            expected = None
        assert refusal == expected
        if refusal is None:
            self.claim.register_filing(year, uuid.uuid4(), account, META)
            self.years[year] = account

    @rule(account=ACCOUNTS)
    def transfer(self, account: str) -> None:
        if self.claim is None:
            return
        self.claim.transfer(account, "dispute settled", META)
        self.holder = account

    @invariant()
    def replaying_the_events_gives_the_same_claim(self) -> None:
        if self.claim is None:
            return
        events = self.claim.collect_events()
        replayed = None
        self.history.extend(events)
        for e in self.history:
            replayed = e.mutate(replayed)
        assert replayed is not None
        assert replayed.owner_id == self.holder == self.claim.owner_id
        assert {y: who for y, (_, who) in replayed.filings.items()} == self.years


def test_the_claim_follows_the_rule_under_random_starts_and_transfers() -> None:
    run_state_machine_as_test(ClaimLife)


def test_a_year_is_registered_once() -> None:
    claim = PanClaim.open(uuid.uuid4(), "alice", META)
    claim.register_filing("2026-27", uuid.uuid4(), "alice", META)
    with pytest.raises(ValueError, match="already has a return"):
        claim.register_filing("2026-27", uuid.uuid4(), "alice", META)


@given(pan=PANS, key=KEYS, other_key=KEYS)
def test_a_claim_id_needs_the_key(pan: str, key: bytes, other_key: bytes) -> None:
    """Same key, same PAN: the same claim (the index works); another key: another id, so
    whoever has the ids but not the key cannot try PANs against them."""
    assert pan_claim_id(key, pan) == pan_claim_id(key, pan)
    if key != other_key:
        assert pan_claim_id(key, pan) != pan_claim_id(other_key, pan)
