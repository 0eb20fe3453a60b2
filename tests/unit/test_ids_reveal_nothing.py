"""Ids that reveal nothing: a filing's and an account's id are random, never computed from
the PAN or the email, so two runs given the same PAN and email give different ids; what
finds them again is a blind index under a secret key (in-memory stores, hypothesis)."""

from __future__ import annotations

import secrets
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.accounts import AccountsApplication
from commands.context import CommandContext
from commands.filings import FilingsApplication
from domain.blind_index import blind_index
from tests.taxpayer import PASSWORD

PANS = st.from_regex(r"[A-Z]{5}[0-9]{4}[A-Z]", fullmatch=True)
YEARS = st.sampled_from(["2024-25", "2025-26", "2026-27"])
EMAILS = st.from_regex(r"[a-z][a-z0-9]{0,15}@[a-z]{1,10}\.(in|com|org)", fullmatch=True)
# What main derived ids from (uuid5 namespaces of the release before the blind indexes).
OLD_FILING_NS = uuid.UUID("6f1c1a52-7f0e-4b43-9a53-3a1f6bde0c11")
OLD_ACCOUNT_NS = uuid.UUID("0d6c7a47-2a53-4a4e-8d43-5f38f2b8e6a1")
ANY_NS = (OLD_FILING_NS, OLD_ACCOUNT_NS, uuid.NAMESPACE_DNS, uuid.NAMESPACE_URL)


def _filing_ids(pan: str, year: str) -> tuple[uuid.UUID, uuid.UUID]:
    app = FilingsApplication(index_key=secrets.token_bytes(32))  # one run of the product
    written = app.start_filing(CommandContext("owner"), pan, year)
    filing = app.get_filing(written.aggregate_id)
    claim_id = app.pan_claim_id(pan)
    assert filing.pan == pan and app.find_pan_claim(claim_id) is not None
    return written.aggregate_id, claim_id


@given(pan=PANS, year=YEARS)
def test_no_filing_id_is_computed_from_the_pan(pan: str, year: str) -> None:
    first, first_claim = _filing_ids(pan, year)
    second, second_claim = _filing_ids(pan, year)
    assert first.version == second.version == 4
    assert first != second and first_claim != second_claim
    for ns in ANY_NS:
        for name in (pan, f"{pan}/{year}", f"{year}/{pan}"):
            assert uuid.uuid5(ns, name) not in (first, second)


@settings(max_examples=10)  # each registration hashes a password (argon2id)
@given(email=EMAILS)
def test_no_account_id_is_computed_from_the_email(email: str) -> None:
    ids = []
    for _ in range(2):
        app = AccountsApplication(index_key=secrets.token_bytes(32))
        account = app.register(CommandContext("anonymous"), email, PASSWORD)
        found = app.find_by_email(email.upper())  # found again through the index
        assert found is not None and found.id == account.id
        ids.append(account.id)
    assert ids[0].version == ids[1].version == 4 and ids[0] != ids[1]
    assert all(uuid.uuid5(ns, email) not in ids for ns in ANY_NS)


@given(value=st.text(max_size=40), key=st.binary(min_size=16, max_size=64))
def test_indexes_of_different_purposes_never_meet(value: str, key: bytes) -> None:
    assert blind_index(key, "pan", value) != blind_index(key, "email", value)
    assert blind_index(key, "pan", value) == blind_index(key, "pan", value)
