"""Master-key rotation re-wraps the data keys and rewrites no event; events written before
data keys (the library's AES-GCM format) still read, before and after; and the keyed
cipher reads back exactly what it wrote and refuses any altered byte."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.utils import Environment
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from burnblack.bootstrap import wiring
from burnblack.cli import app as cli
from burnblack.keys import generate_key
from burnblack.settings import Settings
from commands.context import CommandContext
from commands.filings import FilingsApplication
from commands.keyring import KeyringCipher, _encrypting_for
from tests.taxpayer import PASSWORD, random_pan


def _events(database_url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT originator_id, originator_version, state FROM filings_events "
            "UNION ALL SELECT originator_id, originator_version, state FROM accounts_events "
            "ORDER BY 1, 2"
        ).fetchall()


def _rotate(settings: Settings, new: str, old: str) -> Any:
    env = {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "BURNBLACK_CIPHER_KEY": new,
        "BURNBLACK_OLD_CIPHER_KEYS": old,
    }
    return CliRunner().invoke(cli, ["keys", "rotate"], env=env)


def test_rotation_rewraps_data_keys_and_rewrites_no_event(own_database: Settings) -> None:
    database_url, _ = own_database.require_urls()
    old = own_database.require_cipher_key()
    # A store from before data keys: the library's own cipher, one key for every event.
    env = wiring.eventsourcing_env(database_url, 2, old)
    env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
    del env["MAPPER_TOPIC"]
    legacy_app = FilingsApplication(env=env, index_key=own_database.require_index_key())
    legacy_pan = random_pan()
    try:
        legacy = legacy_app.start_filing(CommandContext("owner-old"), legacy_pan, "2025-26")
    finally:
        legacy_app.close()

    accounts, filings = wiring.accounts_app(own_database), wiring.filings_app(own_database)
    email, pan = f"rotate-{uuid.uuid4().hex[:8]}@example.com", random_pan()
    try:
        assert filings.get_filing(legacy.aggregate_id).pan == legacy_pan  # migration: no rewrite
        account = accounts.register(CommandContext("test"), email, PASSWORD)
        fresh = filings.start_filing(CommandContext(str(account.id)), pan, "2026-27")
    finally:
        accounts.close()
        filings.close()
    before = _events(database_url)

    new = generate_key()
    rotated = _rotate(own_database, new, old)
    assert rotated.exit_code == 0, rotated.output
    assert int(rotated.stdout) >= 2  # the legacy key and the taxpayer's, at least
    assert _events(database_url) == before  # not one event rewritten
    again = _rotate(own_database, new, old)
    assert again.exit_code == 0 and int(again.stdout) == 0  # nothing left to re-wrap

    only_new = dataclasses.replace(own_database, cipher_key=new, old_cipher_keys=())
    accounts, filings = wiring.accounts_app(only_new), wiring.filings_app(only_new)
    try:
        assert filings.get_filing(legacy.aggregate_id).pan == legacy_pan
        assert filings.get_filing(fresh.aggregate_id).pan == pan
        assert accounts.get(account.id).email == email
    finally:
        accounts.close()
        filings.close()

    # A process started with only the retired key opens nothing any more.
    script = (
        "import sys, uuid\n"
        "from burnblack.bootstrap import wiring\n"
        "from burnblack.settings import Settings\n"
        "app = wiring.filings_app(Settings.from_env())\n"
        "app.get_filing(uuid.UUID(sys.argv[1]))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": own_database.redis_url or "",
        "BURNBLACK_CIPHER_KEY": old,
    }
    env.pop("BURNBLACK_OLD_CIPHER_KEYS", None)
    retired = subprocess.run(
        [sys.executable, "-c", script, str(fresh.aggregate_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert retired.returncode != 0 and "is not configured" in retired.stderr, retired.stderr


def _cipher(settings: Settings) -> KeyringCipher:
    database_url, _ = settings.require_urls()
    env = wiring.eventsourcing_env(database_url, 2, settings.require_cipher_key())
    return KeyringCipher(Environment("filings", env))


@given(st.binary(max_size=5_000), st.sampled_from(["system", "owner-a", "owner-b"]))
def test_it_reads_what_it_wrote_with_each_owners_key(
    app_settings: Settings, plaintext: bytes, owner: str
) -> None:
    cipher = _cipher(app_settings)
    token = _encrypting_for.set(owner)
    try:
        stored = cipher.encrypt(plaintext)
    finally:
        _encrypting_for.reset(token)
    assert cipher.decrypt(stored) == plaintext
    assert cipher.keys.owner_of(uuid.UUID(bytes=stored[4:20])) == owner


@given(st.binary(max_size=500), st.data())
def test_any_altered_byte_is_refused(app_settings: Settings, plaintext: bytes, data: Any) -> None:
    cipher = _cipher(app_settings)
    stored = bytearray(cipher.encrypt(plaintext))
    at = data.draw(st.integers(0, len(stored) - 1))
    stored[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ValueError):
        cipher.decrypt(bytes(stored))
