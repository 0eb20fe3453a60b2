"""Helpers shared by the tax-engine tests: build documents, compute, read a regime."""

from __future__ import annotations

from typing import Any

import msgspec

from domain.tax import RegimeResult, TaxResult, compute, decode_input

STANDARD_DEDUCTION_NEW = {
    "2024-25": 50_000,
    "2025-26": 75_000,
    "2026-27": 75_000,
    "2027-28": 75_000,
}
STANDARD_DEDUCTION_OLD = 50_000


def doc(assessment_year: str, **sections: Any) -> dict[str, Any]:
    return {"assessment_year": assessment_year, **sections}


def run(document: dict[str, Any]) -> TaxResult:
    """Through the front door: JSON bytes, decode_input, compute."""
    return compute(decode_input(msgspec.json.encode(document)))


def new_regime_on_taxable(assessment_year: str, taxable: int, **sections: Any) -> RegimeResult:
    """New-regime result for a salary whose taxable income is `taxable`."""
    gross = taxable + STANDARD_DEDUCTION_NEW[assessment_year]
    return run(doc(assessment_year, salary={"gross": gross}, **sections)).new


def old_regime_on_taxable(
    assessment_year: str, taxable: int, age: int = 35, **sections: Any
) -> RegimeResult:
    gross = taxable + STANDARD_DEDUCTION_OLD
    return run(doc(assessment_year, age=age, salary={"gross": gross}, **sections)).old


def step_amounts(regime: RegimeResult, step: str) -> list[int]:
    return [s.amount for s in regime.breakdown if s.step == step]
