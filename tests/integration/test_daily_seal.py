"""The projector's daily seal (projections/eventlog/daily_seal.py) on a real store: each day
is sealed once, a tail deleted after the seal is named by verification, and a clock that runs
back is refused without stopping anything."""

from __future__ import annotations

import datetime as dt

import psycopg

from burnblack.audit_keys import generate_key, private_key, public_bytes
from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from projections.eventlog.chain import Report
from projections.eventlog.chain_days import verify_anchors
from projections.eventlog.daily_seal import DailySeal
from tests.taxpayer import random_pan

TABLE = "filings_events"


def test_each_day_is_sealed_once_and_a_later_deleted_tail_is_named(
    own_database: Settings,
) -> None:
    app = wiring.filings_app(own_database)
    try:
        me = CommandContext("owner")
        fid = app.start_filing(me, random_pan(), "2026-27").aggregate_id
        app.declare_income(me, fid, 1, IncomeDeclaration(salary=Salary(gross=900_000)))
    finally:
        app.close()
    key = private_key(generate_key(), "test")
    today = [dt.date(2027, 3, 31)]
    seal = DailySeal(TABLE, public_bytes(key.public_key()), key.sign, lambda: today[0])
    assert own_database.database_url is not None
    with psycopg.connect(own_database.database_url, autocommit=True) as conn:

        def days() -> list[tuple[dt.date, int]]:
            rows = conn.execute("SELECT day, filings FROM event_chain_days ORDER BY day")
            return [(r[0], r[1]) for r in rows.fetchall()]

        seal.run(conn)
        seal.run(conn)  # later checks on the same day keep the day's one seal
        assert days() == [(dt.date(2027, 3, 31), 2)]  # the filing and its PAN claim

        conn.execute(
            "CREATE TABLE kept AS SELECT * FROM filings_events WHERE originator_id = %s "
            "AND originator_version = 2",
            (fid,),
        )
        conn.execute(
            "DELETE FROM filings_events WHERE originator_id = %s AND originator_version = 2",
            (fid,),
        )
        report = Report()
        verify_anchors(conn, TABLE, report)
        assert [(b.originator_id, b.version) for b in report.breaks] == [(fid, 2)]
        conn.execute("INSERT INTO filings_events SELECT * FROM kept; DROP TABLE kept")

        today[0] = dt.date(2027, 3, 1)  # a clock behind the last seal: refused, logged
        seal.run(conn)
        today[0] = dt.date(2027, 4, 1)  # the next day: sealed again, nothing moved since
        seal.run(conn)
        assert days() == [(dt.date(2027, 3, 31), 2), (dt.date(2027, 4, 1), 0)]
        report = Report()
        verify_anchors(conn, TABLE, report)
        assert report.intact and report.anchors == 2
