"""Personal data is encrypted in the event store: the raw rows hold no PAN and no email."""

from __future__ import annotations

import dataclasses
import uuid

import psycopg
import pytest

from burnblack.bootstrap import wiring
from burnblack.keys import generate_key
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.account import Role
from tests.servers import ServerUrls
from tests.taxpayer import PASSWORD, random_pan


def _raw_rows(database_url: str) -> list[bytes]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT topic, state FROM filings_events "
            "UNION ALL SELECT topic, state FROM accounts_events"
        ).fetchall()
    return [topic.encode() + b"\x00" + bytes(state) for topic, state in rows]


def test_the_events_tables_hold_no_pan_or_email_in_clear(
    servers: ServerUrls, app_settings: Settings
) -> None:
    email = f"Asha.Verma-{uuid.uuid4().hex[:8]}@Example.com"
    pan = random_pan()
    accounts, filings = wiring.accounts_app(app_settings), wiring.filings_app(app_settings)
    try:
        account = accounts.register(CommandContext("test"), email, PASSWORD, Role.TAXPAYER)
        ctx = CommandContext(str(account.id))
        fid = filings.start_filing(ctx, pan, "2026-27").aggregate_id
        admin = accounts.create_admin(CommandContext("cli:test"), "x" + email, PASSWORD)
        accounts.change_role(CommandContext(str(admin.id)), account.id, Role.AUDITOR)
        # the applications read it all back
        assert filings.get_filing(fid).pan == pan
        assert accounts.get(account.id).email == email.lower()
    finally:
        accounts.close()
        filings.close()

    rows = _raw_rows(servers.database_url)
    assert len(rows) >= 5
    needles = {pan, pan.lower(), email, email.lower(), email.split("@")[0].lower()}
    for row in rows:
        for needle in needles:
            assert needle.encode() not in row, f"{needle!r} stored in clear"
    assert not any(b"$argon2" in row for row in rows), "password hashes are encrypted too"


def test_without_the_key_the_events_cannot_be_read(app_settings: Settings) -> None:
    filings = wiring.filings_app(app_settings)
    try:
        fid = filings.start_filing(CommandContext("someone"), random_pan(), "2026-27").aggregate_id
    finally:
        filings.close()
    stranger = wiring.filings_app(dataclasses.replace(app_settings, cipher_key=generate_key()))
    try:
        with pytest.raises(ValueError, match="is not configured"):
            stranger.get_filing(fid)
    finally:
        stranger.close()
