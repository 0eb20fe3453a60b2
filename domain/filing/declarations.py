"""What a taxpayer declares on a return: the tax engine's input sections, nothing else.

Declarations travel in events as plain builtins (msgspec.to_builtins) so that a stored event
never depends on a Python class's layout; they are validated by decoding into these structs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from domain.tax.inputs import (
    CapitalGain,
    Deductions,
    HouseProperty,
    OtherSources,
    Salary,
    TaxesPaid,
    TaxInput,
)


class IncomeDeclaration(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    age: Annotated[int, msgspec.Meta(ge=18, le=130)] = 35
    salary: Salary = Salary()
    house_property: HouseProperty = HouseProperty()
    other_sources: OtherSources = OtherSources()
    capital_gains: tuple[CapitalGain, ...] = ()
    taxes_paid: TaxesPaid = TaxesPaid()


def to_plain(value: msgspec.Struct) -> dict[str, Any]:
    """JSON-native builtins (lists, ISO dates), exactly what the event store gives back."""
    plain = msgspec.json.decode(msgspec.json.encode(value))
    assert isinstance(plain, dict)
    return plain


def income_from_plain(plain: dict[str, Any]) -> IncomeDeclaration:
    return msgspec.convert(plain, IncomeDeclaration)


def deductions_from_plain(plain: dict[str, Any]) -> Deductions:
    return msgspec.convert(plain, Deductions)


def tax_input(
    assessment_year: str,
    income: dict[str, Any],
    deductions: dict[str, Any],
    filing_date: dt.date | None,
    earlier_return: dict[str, Any] | None = None,
) -> TaxInput:
    """The engine's input for this return as declared, filed on `filing_date`;
    `earlier_return` (as `EarlierReturn` builtins): the submitted return a revision replaces."""
    doc = dict(income)
    doc["assessment_year"] = assessment_year
    doc["deductions"] = deductions
    if filing_date is not None:
        doc["filing_date"] = filing_date.isoformat()
    if earlier_return is not None:
        doc["earlier_return"] = earlier_return
    return msgspec.convert(doc, TaxInput)
