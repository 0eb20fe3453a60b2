"""Erasing a taxpayer destroys their data key: afterwards a whole database dump and the blob
store hold nothing of their PAN, name or email; their history still reads (as redacted); a
rebuild of the read models works; another taxpayer is untouched; stored events never change."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from typer.testing import CliRunner

from burnblack.bootstrap import wiring
from burnblack.bootstrap.operations import rebuild
from burnblack.cli import app as cli
from burnblack.settings import Settings
from commands.blobs import LocalBlobStore
from commands.context import CommandContext
from commands.datakeys import DataKeys
from commands.documents import DocumentsService
from commands.erasure import ERASED_ACTION, AdminNotErasable, erase_account
from commands.errors import EmailTaken, FilingNotFound
from commands.field_seal import KeyedFieldSeal
from domain.erasure import REDACTED, ErasedSubject, KeyDestroyed, Redacted
from domain.filing import IncomeDeclaration
from domain.pan import mask_pan
from domain.tax.inputs import Salary
from projections.read_models.filings.queries import SUMMARY_COLUMNS, summary_view
from tests.erasure_helpers import blob_files, clear_text_pdf, forms, hits, pg_dump, project_all
from tests.taxpayer import PASSWORD, random_pan

ASHA_GROSS = 98_765_431  # a figure found nowhere else in the database


def _person(name: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    first, last = name.split()
    return {"name": name, "email": f"{first}.{last}-{tag}@Example.com", "pan": random_pan()}


def _stored_events(database_url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM filings_events "
            "UNION ALL SELECT originator_id, originator_version, topic, state "
            "FROM accounts_events ORDER BY 1, 2"
        ).fetchall()


def _one(database_url: str, sql: str, *params: Any) -> Any:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql.encode(), params).fetchone()
    return None if row is None else row[0]


def _row(database_url: str, sql: str, *params: Any) -> tuple[Any, ...]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql.encode(), params).fetchone()
    assert row is not None
    return tuple(row)


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "BURNBLACK_CIPHER_KEY": settings.require_cipher_key(),
    }


def _taxpayer(
    settings: Settings, blobs: Path, person: dict[str, str], gross: int
) -> tuple[uuid.UUID, uuid.UUID, str, bytes]:
    """An account, a return with income, and an uploaded file naming them in clear."""
    accounts, filings = wiring.accounts_app(settings), wiring.filings_app(settings)
    try:
        account = accounts.register(CommandContext("test"), person["email"], PASSWORD)
        ctx = CommandContext(str(account.id))
        started = filings.start_filing(ctx, person["pan"], "2026-27")
        income = IncomeDeclaration(salary=Salary(gross=gross))
        filings.declare_income(ctx, started.aggregate_id, started.version, income)
        document = clear_text_pdf(person["name"], person["pan"], person["email"])
        service = DocumentsService(filings, LocalBlobStore(blobs))
        sha256 = service.upload(ctx, started.aggregate_id, document, f"{person['pan']}.pdf").sha256
        assert service.read_file(str(account.id), sha256) == document
        return account.id, started.aggregate_id, sha256, document
    finally:
        accounts.close()
        filings.close()


def test_after_erasure_the_dump_and_the_blob_store_hold_nothing_of_them(
    own_database: Settings, tmp_path: Path
) -> None:
    database_url, _ = own_database.require_urls()
    blobs = tmp_path / "blobs"
    asha, ravi = _person("Asha Verma"), _person("Ravi Iyer")
    asha_id, asha_filing, asha_sha, asha_pdf = _taxpayer(own_database, blobs, asha, ASHA_GROSS)
    ravi_id, ravi_filing, ravi_sha, ravi_pdf = _taxpayer(own_database, blobs, ravi, 1_234_567)
    project_all(own_database)
    needles = forms(asha["pan"], asha["name"], asha["email"])
    assert asha["pan"].encode() in asha_pdf and asha["name"].encode() in asha_pdf  # a real test
    events_before = _stored_events(database_url)
    # Her income is in the read models, sealed with her key: never in clear in a dump.
    income = forms(str(ASHA_GROSS))
    assert hits([("pg_dump", pg_dump(database_url))], income) == []
    row = "SELECT personal, totals, income, deductions FROM filing_summary WHERE owner_id = %s"
    sealed_before = _row(database_url, row, str(asha_id))
    assert sealed_before[0] is not None and sealed_before[2:] == (None, None)

    erased = CliRunner().invoke(
        cli, ["users", "erase", asha["email"], "--yes"], env=_env(own_database)
    )
    assert erased.exit_code == 0, erased.output
    assert erased.stdout.strip() == str(asha_id)
    project_all(own_database)  # the projector meets the redacted events: nothing breaks

    # Nothing of hers anywhere: the whole database, every blob.
    dump = pg_dump(database_url)
    assert b"data_keys" in dump and b"filings_events" in dump and str(ravi_id).encode() in dump
    assert hits([("pg_dump", dump)], needles) == []
    assert hits(blob_files(blobs), needles) == []
    # The stored events are exactly as they were (a hash chain over them still verifies):
    # the erasure only added its own audit record.
    after = _stored_events(database_url)
    assert [e for e in after if e in events_before] == events_before
    assert [e[2] for e in after if e not in events_before] == [
        "domain.audit:AuditRecord.PrivilegedActionRecorded"
    ]

    accounts, filings = wiring.accounts_app(own_database), wiring.filings_app(own_database)
    try:
        # Her history still reads, as structure without content.
        history = list(filings.repository.event_store.get(asha_filing))
        assert [type(e) for e in history] == [Redacted] * len(history)
        assert [e.redacted_type for e in history][:2] == ["FilingStarted", "IncomeDeclared"]  # type: ignore[attr-defined]
        with pytest.raises(FilingNotFound):
            filings.get_filing(asha_filing)
        assert accounts.find(asha_id) is None and accounts.find_by_email(asha["email"]) is None
        service = DocumentsService(filings, LocalBlobStore(blobs))
        with pytest.raises(KeyDestroyed):
            service.read_file(str(asha_id), asha_sha)
        # The erasure is audited, by id, and says nothing of her.
        trail = [e for e in accounts.audit_trail() if e.action == ERASED_ACTION]
        assert [(e.subject, e.actor.startswith("cli:")) for e in trail] == [(str(asha_id), True)]
        # Ravi is untouched.
        assert accounts.get(ravi_id).email == ravi["email"].lower()
        assert filings.get_filing(ravi_filing).pan == ravi["pan"]
        assert service.read_file(str(ravi_id), ravi_sha) == ravi_pdf
        admin = accounts.create_admin(
            CommandContext("cli:test"), f"a-{uuid.uuid4().hex[:6]}@example.com", PASSWORD
        )
        with pytest.raises(AdminNotErasable):
            erase_account(accounts, CommandContext("cli:test"), admin.id)
    finally:
        accounts.close()
        filings.close()

    # Her return's row stays, for auditors and the counts: structure only.
    kept = (
        "SELECT redacted, assessment_year, status, pan_masked, personal, totals, income, "
        "total_tax FROM filing_summary WHERE owner_id = %s"
    )
    erased_row = (True, "2026-27", "draft", REDACTED, None, None, None, None)
    assert _row(database_url, kept, str(asha_id)) == erased_row
    ravi_row = (False, "2026-27", "draft", mask_pan(ravi["pan"]))
    assert _row(database_url, kept, str(ravi_id))[:4] == ravi_row
    counted = (
        "SELECT filings FROM filing_counts WHERE assessment_year = '2026-27' AND status = 'draft'"
    )
    assert _one(database_url, counted) == 2
    # Her figures as sealed before the erasure (a backup of that day) open no more.
    master = base64.b64decode(own_database.require_cipher_key())
    seal = KeyedFieldSeal(DataKeys(database_url, [master]))
    assert seal.open(bytes(sealed_before[0])) is None and sealed_before[1] is None
    summary_sql = f"SELECT {SUMMARY_COLUMNS} FROM filing_summary WHERE filing_id = %s"
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(summary_sql.encode(), (asha_filing,)).fetchone()
    assert stored is not None
    view = msgspec.json.decode(summary_view(stored, seal).body)
    assert view["redacted"] is True and view["pan"] == REDACTED and view["income"] is None
    assert view["status"] == "draft" and view["assessment_year"] == "2026-27"
    docs = "SELECT count(*) FROM document_status WHERE owner_id = %s"
    assert (_one(database_url, docs, str(asha_id)), _one(database_url, docs, str(ravi_id))) == (
        0,
        1,
    )

    # A rebuild from the log agrees with the live tables: her row is carried over, redacted
    # (her events can no longer say its year), and nothing of hers is in the dump after it.
    report = rebuild(own_database, "filing_summary", processes=2)  # forked loaders
    assert report.identical and report.switched, report.comparisons
    assert _row(database_url, kept, str(asha_id)) == erased_row
    assert _one(database_url, counted) == 2
    assert hits([("pg_dump", pg_dump(database_url))], needles | income) == []

    again = CliRunner().invoke(
        cli, ["users", "erase", asha["email"], "--yes"], env=_env(own_database)
    )
    assert again.exit_code == 1  # her email leads nowhere any more
    refused = CliRunner().invoke(cli, ["users", "erase", ravi["email"]], env=_env(own_database))
    assert refused.exit_code == 1 and "--yes" in refused.output


def test_a_key_destroyed_elsewhere_is_forgotten_by_every_cache(app_settings: Settings) -> None:
    """Two processes' caches (two DataKeys): one destroys, the other, which had the key
    unwrapped, refuses it from its next poll on (interval 0 here: no waiting in the test)."""
    database_url, _ = app_settings.require_urls()
    master = base64.b64decode(app_settings.require_cipher_key())
    here, elsewhere = DataKeys(database_url, [master]), DataKeys(database_url, [master], 0.0)
    owner = f"owner-{uuid.uuid4()}"
    try:
        key = elsewhere.for_owner(owner)
        assert elsewhere.by_id(key.key_id) is key  # cached
        assert here.destroy(owner) is not None
        with pytest.raises(KeyDestroyed) as erased:
            elsewhere.by_id(key.key_id)
        assert erased.value.owner_id == owner
        with pytest.raises(KeyDestroyed):
            elsewhere.for_owner(owner)  # never a new key for an erased owner
        with pytest.raises(ValueError, match="belongs to no one"):
            here.destroy("system")
    finally:
        here.close()
        elsewhere.close()


def test_an_erased_email_points_nowhere_and_can_register_again(app_settings: Settings) -> None:
    """The email's index entry was sealed with the account's key: after the erasure it no
    longer names the account, and the email registers again (the index's next generation)."""
    email = f"again-{uuid.uuid4().hex[:8]}@example.com"
    accounts = wiring.accounts_app(app_settings)
    try:
        first = accounts.register(CommandContext("test"), email, PASSWORD)
        entry_id = accounts.email_index_id(email)
        erase_account(accounts, CommandContext("cli:test"), first.id)
        assert isinstance(accounts.repository.get(entry_id), ErasedSubject)  # no account id
        assert accounts.find_by_email(email) is None

        second = accounts.register(CommandContext("test"), email.upper(), PASSWORD)
        assert second.id != first.id
        assert accounts.find_by_email(email) == second
        assert accounts.authenticate(email, PASSWORD).id == second.id
        with pytest.raises(EmailTaken):
            accounts.register(CommandContext("test"), email, PASSWORD)
        erase_account(accounts, CommandContext("cli:test"), second.id)
        assert accounts.find_by_email(email) is None
        third = accounts.register(CommandContext("test"), email, PASSWORD)
        assert accounts.find_by_email(email) == third
    finally:
        accounts.close()
