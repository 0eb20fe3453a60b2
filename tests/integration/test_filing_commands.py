"""The write side on PostgreSQL: versions, conflicts, and worker results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from commands.errors import FilingAlreadyExists, FilingNotFound, VersionConflict
from commands.filings import FilingsApplication
from commands.pan_claims import PanUnavailable
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from tests.taxpayer import random_pan

TODAY = dt.date(2026, 7, 1)


@pytest.fixture(scope="module")
def app(app_settings: Settings) -> Iterator[FilingsApplication]:
    a = wiring.filings_app(app_settings)
    yield a
    a.close()


def income(gross: int) -> IncomeDeclaration:
    return IncomeDeclaration(salary=Salary(gross=gross))


def test_positions_increase_and_versions_count_events(app: FilingsApplication) -> None:
    me = CommandContext("owner-1")
    w1 = app.start_filing(me, random_pan(), "2026-27")
    w2 = app.declare_income(me, w1.aggregate_id, 1, income(100))
    assert (w1.version, w2.version) == (1, 2)
    assert w2.position > w1.position


def test_stale_version_is_refused_with_the_current_one(app: FilingsApplication) -> None:
    me = CommandContext("owner-2")
    fid = app.start_filing(me, random_pan(), "2026-27").aggregate_id
    app.declare_income(me, fid, 1, income(100))
    with pytest.raises(VersionConflict) as exc:
        app.declare_income(me, fid, 1, income(200))
    assert exc.value.current == 2
    assert app.get_filing(fid).income["salary"]["gross"] == 100  # type: ignore[index]


def test_duplicate_start_and_foreign_owner(app: FilingsApplication) -> None:
    pan = random_pan()
    fid = app.start_filing(CommandContext("a"), pan, "2025-26").aggregate_id
    with pytest.raises(FilingAlreadyExists):
        app.start_filing(CommandContext("a"), pan, "2025-26")
    with pytest.raises(PanUnavailable):  # the PAN is a's: b hears nothing more
        app.start_filing(CommandContext("b"), pan, "2025-26")
    with pytest.raises(FilingNotFound):
        app.declare_income(CommandContext("b"), fid, 1, income(1))


def test_a_stale_or_repeated_result_is_discarded(app: FilingsApplication) -> None:
    me = CommandContext("owner-3")
    fid = app.start_filing(me, random_pan(), "2026-27").aggregate_id
    app.declare_income(me, fid, 1, income(100))
    asked = app.request_computation(me, fid, 2, TODAY).version
    app.declare_income(me, fid, asked, income(500))  # the taxpayer changes the return
    worker = CommandContext("worker")
    assert app.record_computation(worker, fid, asked, {"recommended": "new"}) is None
    assert app.get_filing(fid).version == asked + 1  # nothing was written

    again = app.request_computation(me, fid, asked + 1, TODAY).version
    first = app.record_computation(worker, fid, again, {"recommended": "old"})
    assert first is not None and first.version == again + 1
    assert app.record_computation(worker, fid, again, {"recommended": "old"}) is None
    assert app.get_filing(fid).version == again + 1


def test_a_result_recorded_on_a_filing_read_before_a_change_is_still_discarded(
    app: FilingsApplication,
) -> None:
    """The worker hands over the filing it read for the computation (one read a job); one
    the taxpayer changed since is saved against a newer version, conflicts, and the retry
    reads the newer filing, where the aggregate discards the stale result."""
    me = CommandContext("owner-4")
    worker = CommandContext("worker")
    fid = app.start_filing(me, random_pan(), "2026-27").aggregate_id
    app.declare_income(me, fid, 1, income(100))
    asked = app.request_computation(me, fid, 2, TODAY).version
    read_then = app.get_filing(fid)
    app.declare_income(me, fid, asked, income(500))
    assert app.record_computation(worker, fid, asked, {"r": 1}, loaded=read_then) is None
    assert app.get_filing(fid).version == asked + 1  # nothing was written

    again = app.request_computation(me, fid, asked + 1, TODAY).version
    current = app.get_filing(fid)
    written = app.record_computation(worker, fid, again, {"r": 2}, loaded=current)
    assert written is not None and written.version == again + 1
    assert app.get_filing(fid).computation == {"r": 2}
