"""A store written before the blind indexes (filing ids uuid5(PAN/year), account ids
uuid5(email)) keeps working: the API's start-up or `burnblack ids migrate` indexes it, the
old accounts log in, their returns are theirs, the PAN goes to its earliest return's account.
Each test has a database of its own, written the old way."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from typing import Any

from burnblack import wiring
from burnblack.settings import Settings
from commands.adapters.passwords import hash_password
from commands.id_indexes import ensure_indexes
from domain.account import Account, Role
from domain.filing import Filing
from tests.processes import ROOT
from tests.security_client import GENEROUS, api_client, browser, login
from tests.taxpayer import PASSWORD, random_pan

# The namespaces the release before the blind indexes derived ids with.
OLD_FILING_NS = uuid.UUID("6f1c1a52-7f0e-4b43-9a53-3a1f6bde0c11")
OLD_ACCOUNT_NS = uuid.UUID("0d6c7a47-2a53-4a4e-8d43-5f38f2b8e6a1")


@dataclasses.dataclass
class OldStore:
    emails: dict[str, str]  # name -> email
    accounts: dict[str, uuid.UUID]  # name -> account id (uuid5 of the email)
    pans: dict[str, str]  # name -> PAN
    filings: dict[tuple[str, str], uuid.UUID]  # (PAN name, year) -> filing id (uuid5)


def write_the_old_way(settings: Settings) -> OldStore:
    """Accounts and returns as the old code saved them: the same events, uuid5 ids."""
    emails = {n: f"old-{n}-{uuid.uuid4().hex[:8]}@example.com" for n in ("asha", "bala")}
    pans = {"x": random_pan(), "y": random_pan()}
    accounts_app, filings_app = wiring.accounts_app(settings), wiring.filings_app(settings)
    meta = {"actor": "anonymous"}
    ids: dict[str, uuid.UUID] = {}
    try:
        for name, email in emails.items():
            account = Account._create(
                event_class=Account.AccountRegistered,  # type: ignore[attr-defined]
                id=uuid.uuid5(OLD_ACCOUNT_NS, email),
                email=email,
                password_hash=hash_password(PASSWORD),
                role=Role.TAXPAYER,
                meta=meta,
            )
            accounts_app.save(account)
            ids[name] = account.id
        filings: dict[tuple[str, str], uuid.UUID] = {}
        # Under the old code any account could start a return on any PAN: bala started
        # a year of asha's PAN after asha had started another.
        for owner, pan, year in (
            ("asha", "x", "2025-26"),
            ("bala", "x", "2026-27"),
            ("asha", "y", "2026-27"),
        ):
            filing = Filing._create(
                event_class=Filing.FilingStarted,  # type: ignore[attr-defined]
                id=uuid.uuid5(OLD_FILING_NS, f"{pans[pan]}/{year}"),
                owner_id=str(ids[owner]),
                pan=pans[pan],
                assessment_year=year,
                meta={"actor": str(ids[owner])},
            )
            filings_app.save(filing)
            filings[(pan, year)] = filing.id
    finally:
        accounts_app.close()
        filings_app.close()
    return OldStore(emails, ids, pans, filings)


def _api_settings(own_database: Settings) -> Settings:
    env = {
        "DATABASE_URL": own_database.database_url or "",
        "REDIS_URL": own_database.redis_url or "",
        "BURNBLACK_CIPHER_KEY": own_database.require_cipher_key(),
        "BURNBLACK_DB_POOL_SIZE": "2",
        **GENEROUS,
    }
    return Settings.from_env(env)


def _start(client: Any, pan: str, year: str) -> tuple[int, str]:
    r = client.post("/api/v1/filings", json={"assessment_year": year, "pan": pan})
    return r.status_code, r.json().get("type", "").rsplit("/", 1)[-1]


def test_the_api_indexes_an_old_store_at_start_up(own_database: Settings) -> None:
    old = write_the_old_way(own_database)
    accounts = wiring.accounts_app(own_database)
    try:
        assert accounts.find_by_email(old.emails["asha"]) is None  # not indexed yet
    finally:
        accounts.close()

    with api_client(_api_settings(own_database)) as app:
        asha, bala = browser(app), browser(app)
        me = login(asha, old.emails["asha"]).json()
        assert me["id"] == str(old.accounts["asha"])  # the old id, found through the index
        login(bala, old.emails["bala"])
        x, y = old.pans["x"], old.pans["y"]

        for (pan, year), fid in old.filings.items():
            owner = asha if (pan, year) != ("x", "2026-27") else bala
            r = owner.get(f"/api/v1/filings/{fid}/return-type", params={"on": "2026-07-01"})
            assert r.status_code == 200, r.text  # the old filing is still its owner's

        assert _start(asha, x, "2025-26") == (409, "filing-exists")  # her own, old return
        assert _start(asha, y, "2026-27") == (409, "filing-exists")
        # x belongs to asha (its earliest return); bala's old return stays bala's.
        assert _start(bala, x, "2024-25") == (409, "pan-unavailable")
        assert _start(asha, x, "2026-27") == (409, "pan-unavailable")
        assert _start(asha, x, "2024-25")[0] == 201
        again = asha.post(
            "/api/v1/auth/register", json={"email": old.emails["bala"], "password": PASSWORD}
        )
        assert again.status_code == 409 and again.json()["type"].endswith("/email-taken")

    filings, accounts = wiring.filings_app(own_database), wiring.accounts_app(own_database)
    try:
        assert ensure_indexes(filings, accounts) == (0, 0)  # done once: start-ups only read
        assert ensure_indexes(filings, accounts, force=True) == (0, 0)  # nothing missing
    finally:
        filings.close()
        accounts.close()


def _burnblack(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "BURNBLACK_CIPHER_KEY": settings.require_cipher_key(),
    }
    return subprocess.run(
        [sys.executable, "-m", "burnblack", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_cli_migrates_and_moves_a_pan(own_database: Settings) -> None:
    old = write_the_old_way(own_database)
    migrated = _burnblack(own_database, "ids", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "indexed: 3 returns under PAN claims, 2 emails" in migrated.stderr
    again = _burnblack(own_database, "ids", "migrate")
    assert "indexed: 0 returns under PAN claims, 0 emails" in again.stderr

    moved = _burnblack(
        own_database, "pans", "transfer", old.pans["x"], old.emails["bala"], "--reason", "T-1"
    )
    assert moved.returncode == 0, moved.stderr
    claim_id = moved.stdout.strip()
    filings, accounts = wiring.filings_app(own_database), wiring.accounts_app(own_database)
    try:
        claim = filings.find_pan_claim(uuid.UUID(claim_id))
        assert claim is not None and claim.owner_id == str(old.accounts["bala"])
        trail = [e for e in accounts.audit_trail(0, 1000) if e.subject == claim_id]
        assert [(e.action, e.details["to"], e.actor[:4]) for e in trail] == [
            ("pan.transferred", str(old.accounts["bala"]), "cli:")
        ]
    finally:
        filings.close()
        accounts.close()

    unknown = _burnblack(
        own_database, "pans", "transfer", old.pans["x"], "no@example.com", "--reason", "T-2"
    )
    assert unknown.returncode == 1 and "no account has this email" in unknown.stderr
    bad = _burnblack(
        own_database, "pans", "transfer", "NOTAPAN", old.emails["asha"], "--reason", "T-3"
    )
    assert bad.returncode == 1 and "PAN must be" in bad.stderr
