"""The write side's applications skip eventsourcing's runtime protocol checks (commands/lean.py):
a write loads and saves its filing with plain class checks, and the result is the same."""

from __future__ import annotations

import secrets
import typing
from typing import Any

import pytest
from eventsourcing.domain import CanMutateProtocol, CollectEventsProtocol, DomainEventProtocol

from commands.accounts import AccountsApplication
from commands.context import CommandContext
from commands.filings import FilingsApplication
from commands.lean import LeanApplication
from domain.filing import IncomeDeclaration
from domain.filing.declarations import Salary

CHECKED = (CanMutateProtocol, CollectEventsProtocol, DomainEventProtocol)


@pytest.fixture
def protocol_checks(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """Every runtime check against eventsourcing's protocols while the test runs."""
    seen: list[type] = []
    meta: Any = type(CanMutateProtocol)  # typing's _ProtocolMeta
    original = meta.__instancecheck__

    def counting(cls: type, instance: object) -> bool:
        if cls in CHECKED:
            seen.append(cls)
        return bool(original(cls, instance))

    monkeypatch.setattr(meta, "__instancecheck__", counting)
    assert typing.Protocol is not None  # the patch is on the metaclass every protocol shares
    return seen


def test_a_write_runs_no_runtime_protocol_check(protocol_checks: list[type]) -> None:
    app = FilingsApplication(index_key=secrets.token_bytes(32))
    ctx = CommandContext("owner")
    written = app.start_filing(ctx, "ABCPE1234F", "2026-27")
    version = written.version
    for gross in (900_000, 1_200_000, 1_500_000):
        version = app.declare_income(
            ctx, written.aggregate_id, version, IncomeDeclaration(salary=Salary(gross=gross))
        ).version
    assert protocol_checks == []
    filing = app.get_filing(written.aggregate_id)
    assert filing.version == version == written.version + 3
    assert filing.income is not None and filing.income["salary"]["gross"] == 1_500_000
    # An older version is still rebuilt from its own events.
    assert app.get_filing(written.aggregate_id, version=written.version).income is None
    assert protocol_checks == []


def test_both_applications_are_lean() -> None:
    for app in (FilingsApplication, AccountsApplication):
        assert app.save is LeanApplication.save
        assert app.construct_repository is LeanApplication.construct_repository
