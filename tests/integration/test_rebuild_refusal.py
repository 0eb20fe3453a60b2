"""A rebuild switches only what it has compared and found identical: it catches the live
tables up when no projector kept up (so a comparison always runs), keeps the live tables when
they differ (the CLI exits 1), and `--force` switches but leaves an audit record first."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from typer.testing import CliRunner

from burnblack.bootstrap import wiring
from burnblack.bootstrap.operations import rebuild
from burnblack.cli import app as cli
from burnblack.seed import seed_filings
from burnblack.settings import Settings
from domain.audit import AuditAction
from projections.projector.rebuild import Rebuilder
from projections.projector.tracking import positions
from tests.integration.test_rebuild_load import project


def _seed(settings: Settings, filings: int, seed: int = 3) -> list[uuid.UUID]:
    app = wiring.filings_app(settings)
    try:
        return seed_filings(app, filings, owners=["owner-a", "owner-b"], seed=seed)
    finally:
        app.close()


def _one(settings: Settings, sql: str, *params: Any) -> Any:
    database_url, _ = settings.require_urls()
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql.encode(), params).fetchone()
    return None if row is None else row[0]


def _model_version(settings: Settings) -> int:
    v = _one(settings, "SELECT version FROM read_model_version WHERE name = 'filing_summary'")
    return int(v) if v is not None else 1


def _shadows(settings: Settings) -> int:
    return int(
        _one(settings, "SELECT count(*) FROM pg_tables WHERE tablename LIKE '%%__rebuild_%%'")
    )


def test_a_rebuild_compares_even_when_the_live_projector_is_behind(
    own_database: Settings,
) -> None:
    _seed(own_database, 20)
    project(own_database, batch_size=50)
    _seed(own_database, 15, seed=4)  # no projector running: the live tables are behind the log
    database_url, _ = own_database.require_urls()
    app = wiring.filings_app(own_database)
    try:
        head = app.recorder.max_notification_id()
        report = Rebuilder(
            database_url,
            wiring.event_log(own_database, app),
            wiring.redis_client(own_database),
            wiring.read_model_seal(app),
            processes=1,
        ).rebuild(patience=0.5)
    finally:
        app.close()
    assert report.comparisons, "no comparison ran"
    assert report.identical and report.switched, report.comparisons
    counts = {c.table: (c.live_rows, c.shadow_rows) for c in report.comparisons}
    assert counts["filing_summary"] == (35, 35)
    database_url, _ = own_database.require_urls()
    with psycopg.connect(database_url) as conn:
        assert positions(conn)["filing_summary"] == head == report.position


def test_a_rebuild_that_finds_differences_does_not_switch_unless_forced(
    own_database: Settings,
) -> None:
    ids = _seed(own_database, 12)
    project(own_database, batch_size=50)
    damaged = ids[4]
    _one(
        own_database,
        "UPDATE filing_summary SET total_tax = 123457 WHERE filing_id = %s RETURNING 1",
        damaged,
    )
    before = _model_version(own_database)

    report = rebuild(own_database, "filing_summary", processes=1)
    assert report.refused and not report.switched and not report.identical
    summary = next(c for c in report.comparisons if c.table == "filing_summary")
    assert summary.differing_keys == [str(damaged)]
    assert _model_version(own_database) == before  # the live tables were kept...
    total = "SELECT total_tax FROM filing_summary WHERE filing_id = %s"
    assert _one(own_database, total, damaged) == 123457  # ...as they were
    assert _shadows(own_database) == 0

    env = {
        "DATABASE_URL": own_database.database_url or "",
        "REDIS_URL": own_database.redis_url or "",
        "BURNBLACK_CIPHER_KEY": own_database.require_cipher_key(),
    }
    args = ["projections", "rebuild", "filing_summary", "--processes", "1"]
    refused = CliRunner().invoke(cli, args, env=env)
    assert refused.exit_code == 1, refused.output
    assert json.loads(refused.stdout.splitlines()[0])["refused"] is True
    assert _model_version(own_database) == before

    forced = CliRunner().invoke(cli, [*args, "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout.splitlines()[0])["forced"] is True
    assert _model_version(own_database) == before + 1
    assert _one(own_database, total, damaged) != 123457  # the rebuilt tables are live

    accounts = wiring.accounts_app(own_database)
    try:
        trail = [e for e in accounts.audit_trail() if e.action == AuditAction.REBUILD_FORCED]
    finally:
        accounts.close()
    assert len(trail) == 1
    assert trail[0].subject == "filing_summary" and trail[0].actor.startswith("cli:")
    differences = json.loads(trail[0].details["differences"])
    assert any(str(damaged) in d["differing_keys"] for d in differences)
