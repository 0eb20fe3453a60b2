"""Tampering with the stored events in PostgreSQL, by hand, is found and named: a flipped byte,
a deleted row, two swapped rows, a deleted tail after a sealed day; and a changed bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from burnblack.audit_keys import generate_key, private_key, public_text
from burnblack.settings import Settings
from domain.account import Role
from tests.cipher import TEST_CIPHER_KEY
from tests.processes import ROOT
from tests.security_client import App, api_client, logged_in, security_settings
from tests.servers import ServerUrls
from tests.taxpayer import random_pan

SIGNING_KEY = generate_key()
PUBLIC_KEY = public_text(private_key(SIGNING_KEY, "test").public_key())
VERSIONS = 4


@pytest.fixture(scope="module")
def database(servers: ServerUrls) -> Iterator[str]:
    name = f"bb_chain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(servers.admin_database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield make_conninfo(servers.database_url, dbname=name)
    finally:
        with psycopg.connect(servers.admin_database_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE "{name}"'.encode())


@pytest.fixture(scope="module")
def settings(servers: ServerUrls, database: str) -> Settings:
    return security_settings(servers, DATABASE_URL=database)


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[App]:
    with api_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def auditor(app: App, settings: Settings) -> httpx.Client:
    return logged_in(app, settings, Role.AUDITOR)[0]


@pytest.fixture(scope="module")
def filings(app: App, settings: Settings) -> tuple[str, str]:
    """Two returns at version 4: the one tampered with, and a bystander."""
    client, _ = logged_in(app, settings, Role.TAXPAYER)
    ids = []
    for _ in range(2):
        r = client.post("/api/v1/filings", json={"assessment_year": "2026-27", "pan": random_pan()})
        assert r.status_code == 201, r.text
        fid = r.json()["id"]
        for version in range(1, VERSIONS):
            r = client.put(
                f"/api/v1/filings/{fid}/income",
                json={"salary": {"gross": 500_000 + version}},
                headers={"If-Match": f'"{version}"'},
            )
            assert r.status_code == 200, r.text
        ids.append(fid)
    return ids[0], ids[1]


def _burnblack(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never used by `audit`
        "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
        "BURNBLACK_AUDIT_SIGNING_KEY": SIGNING_KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "burnblack", "audit", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _sql(database: str, statement: str, params: tuple[Any, ...] = ()) -> None:
    with psycopg.connect(database) as conn:  # one transaction
        for part in statement.split(";"):
            if part.strip():
                conn.execute(part.encode(), params if "%s" in part else ())


def _assert_broken(
    database: str, auditor: httpx.Client, fid: str, version: int, bystander: str
) -> None:
    out = _burnblack(database, "verify")
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"filing {fid} version {version}:" in out.stdout
    assert bystander not in out.stdout
    one = _burnblack(database, "verify", "--filing", fid)
    assert one.returncode == 1 and f"filing {fid} version {version}:" in one.stdout
    r = auditor.get(f"/api/v1/audit/filings/{fid}/verification")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["filing_id"] == fid and body["intact"] is False
    assert body["breaks"][0]["version"] == version
    assert auditor.get(f"/api/v1/audit/filings/{bystander}/verification").json()["intact"]


def _assert_intact(database: str, auditor: httpx.Client, fid: str) -> None:
    out = _burnblack(database, "verify")
    assert out.returncode == 0, out.stdout + out.stderr
    r = auditor.get(f"/api/v1/audit/filings/{fid}/verification")
    assert r.status_code == 200 and r.json()["intact"] is True, r.text
    assert r.json()["events"] == VERSIONS and r.json()["head_version"] == VERSIONS


def test_untouched_history_verifies(
    database: str, auditor: httpx.Client, filings: tuple[str, str]
) -> None:
    _assert_intact(database, auditor, filings[0])


def test_a_flipped_byte_is_named(
    database: str, auditor: httpx.Client, filings: tuple[str, str]
) -> None:
    fid, bystander = filings
    flip = (
        "UPDATE filings_events SET state = set_byte(state, 20, get_byte(state, 20) # 1) "
        "WHERE originator_id = %s AND originator_version = 2"
    )
    _sql(database, flip, (fid,))
    _assert_broken(database, auditor, fid, 2, bystander)
    _sql(database, flip, (fid,))  # flipped back
    _assert_intact(database, auditor, fid)


def test_a_deleted_row_is_named(
    database: str, auditor: httpx.Client, filings: tuple[str, str]
) -> None:
    fid, bystander = filings
    _sql(
        database,
        "CREATE TABLE kept AS SELECT * FROM filings_events WHERE originator_id = %s "
        "AND originator_version = 3; "
        "DELETE FROM filings_events WHERE originator_id = %s AND originator_version = 3",
        (fid,),
    )
    _assert_broken(database, auditor, fid, 3, bystander)
    _sql(database, "INSERT INTO filings_events SELECT * FROM kept; DROP TABLE kept")
    _assert_intact(database, auditor, fid)


def test_two_swapped_rows_are_named(
    database: str, auditor: httpx.Client, filings: tuple[str, str]
) -> None:
    fid, bystander = filings
    swap = (
        "UPDATE filings_events SET originator_version = -1 WHERE originator_id = %s "
        "AND originator_version = 2; "
        "UPDATE filings_events SET originator_version = 2 WHERE originator_id = %s "
        "AND originator_version = 3; "
        "UPDATE filings_events SET originator_version = 3 WHERE originator_id = %s "
        "AND originator_version = -1"
    )
    _sql(database, swap, (fid,))
    _assert_broken(database, auditor, fid, 2, bystander)
    _sql(database, swap, (fid,))  # swapped back
    _assert_intact(database, auditor, fid)


def test_a_deleted_tail_after_a_sealed_day_is_named(
    database: str, auditor: httpx.Client, filings: tuple[str, str]
) -> None:
    """The chain alone cannot see its last rows go; the signed day that anchored them can."""
    fid, bystander = filings
    sealed = _burnblack(database, "seal", "--day", "2026-07-31")
    assert sealed.returncode == 0, sealed.stderr
    assert _burnblack(database, "seal", "--day", "2026-07-30").returncode == 1  # days move forward
    _sql(
        database,
        "CREATE TABLE kept AS SELECT * FROM filings_events WHERE originator_id = %s "
        "AND originator_version = 4; "
        "DELETE FROM filings_events WHERE originator_id = %s AND originator_version = 4",
        (fid,),
    )
    _assert_broken(database, auditor, fid, VERSIONS, bystander)
    _sql(database, "INSERT INTO filings_events SELECT * FROM kept; DROP TABLE kept")
    _assert_intact(database, auditor, fid)
    r = auditor.get(f"/api/v1/audit/filings/{fid}/verification")
    assert r.json()["anchors"] == 1


def test_a_changed_bundle_fails_offline(
    database: str, filings: tuple[str, str], tmp_path: Path
) -> None:
    fid, _ = filings
    bundle = tmp_path / "bundle.json"
    out = _burnblack(database, "export", fid, "--out", str(bundle))
    assert out.returncode == 0, out.stderr
    key = _burnblack(database, "public-key").stdout.strip()
    assert key == PUBLIC_KEY
    ok = _burnblack("", "verify-bundle", str(bundle), "--public-key", key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    doc = json.loads(bundle.read_text())
    assert TEST_CIPHER_KEY not in bundle.read_text()
    state = bytearray(__import__("base64").b64decode(doc["payload"]["events"][1]["state"]))
    state[5] ^= 1
    doc["payload"]["events"][1]["state"] = __import__("base64").b64encode(bytes(state)).decode()
    bundle.write_text(json.dumps(doc))
    bad = _burnblack("", "verify-bundle", str(bundle), "--public-key", key)
    assert bad.returncode == 1
    assert "signature does not match" in bad.stdout and f"filing {fid} version 2:" in bad.stdout
    other = public_text(private_key(generate_key(), "other").public_key())
    bundle.write_text(json.dumps(json.loads(bundle.read_text())))
    assert _burnblack("", "verify-bundle", str(bundle), "--public-key", other).returncode == 1
