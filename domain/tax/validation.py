"""Checks a well-typed `TaxInput` must still pass: what the law allows, not what JSON allows.

msgspec has already rejected unknown keys, negative amounts, unsupported years and dates
that are not dates. What remains is about the year being computed:
* a capital gain must come from a transfer in the previous year (s.45);
* an advance-tax instalment must be paid within the previous year (s.207): tax paid after
  31 March is self-assessment tax;
* a return can be filed only within one of the year's windows (`return_types`): original,
  belated, revised or updated; a declared `return_type` must be the one the filing date
  and the return's history allow, and an earlier return must have been filed within the
  year's windows before this one;
* s.10 exempt allowances and the employer's NPS contribution are parts of gross salary.
"""

from __future__ import annotations

import datetime as dt
import functools

from domain.tax.errors import InvalidTaxInput
from domain.tax.inputs import TaxInput
from domain.tax.return_types import (
    ReturnNotAllowed,
    ReturnTypeDecision,
    classify_return,
    windows,
)
from domain.tax.rules import YearRules


def check_semantics(inp: TaxInput, year: YearRules) -> ReturnTypeDecision:
    """Raise `InvalidTaxInput` for what the law rules out; the return type that applies."""
    start, end = year.previous_year_start, year.previous_year_end
    for gain in inp.capital_gains:
        if not start <= gain.transfer_date <= end:
            i = inp.capital_gains.index(gain)
            raise InvalidTaxInput(
                f"transfer date {gain.transfer_date.isoformat()} is outside the previous year "
                f"{start.isoformat()} to {end.isoformat()} of {year.label}",
                f"$.capital_gains[{i}].transfer_date",
            )
    for instalment in inp.taxes_paid.advance_tax:
        if not start <= instalment.date <= end:
            i = inp.taxes_paid.advance_tax.index(instalment)
            raise InvalidTaxInput(
                f"advance tax must be paid within the previous year {start.isoformat()} to "
                f"{end.isoformat()}; a later payment is self-assessment tax",
                f"$.taxes_paid.advance_tax[{i}].date",
            )
    decision = return_decision(inp, year)
    salary = inp.salary
    if salary.exempt_allowances > salary.gross:
        raise InvalidTaxInput(
            "exempt allowances are part of gross salary and cannot exceed it",
            "$.salary.exempt_allowances",
        )
    if salary.employer_nps > salary.gross:
        raise InvalidTaxInput(
            "the employer's NPS contribution is part of gross salary and cannot exceed it",
            "$.salary.employer_nps",
        )
    rent = salary.house_rent
    if rent is not None:
        if rent.hra_received > salary.gross:
            raise InvalidTaxInput(
                "HRA received is part of gross salary and cannot exceed it",
                "$.salary.house_rent.hra_received",
            )
        if rent.basic_da > salary.gross:
            raise InvalidTaxInput(
                "basic pay and dearness allowance are part of gross salary and cannot exceed it",
                "$.salary.house_rent.basic_da",
            )
        if rent.hra_received and inp.deductions.gg_rent_paid:
            raise InvalidTaxInput(
                "s.80GG is only for someone who receives no house rent allowance; claim the "
                "HRA exemption u/s 10(13A) instead",
                "$.deductions.80GG_rent_paid",
            )
    return decision


def return_decision(inp: TaxInput, year: YearRules) -> ReturnTypeDecision:
    """The return type the filing date and the declared history allow (`return_types`).

    With no filing date the return is taken as filed on the due date. A return that names
    an `earlier_return` (or says it is revised) revises or updates it; a declared
    `return_type` must be the type that applies.
    """
    kind = inp.return_type
    earlier = inp.earlier_return
    filed = inp.filing_date
    if filed is None:
        if kind == "updated":
            raise InvalidTaxInput(
                "an updated return u/s 139(8A) needs its filing date: the additional tax "
                "u/s 140B depends on it",
                "$.filing_date",
            )
        filed = year.due_date
    if earlier is not None and kind in ("original", "belated"):
        raise InvalidTaxInput(
            f"an {kind} return replaces no earlier return; a return filed after one was "
            "submitted is a revised (s.139(5)) or updated (s.139(8A)) return",
            "$.earlier_return",
        )
    revises = kind == "revised" or earlier is not None
    decision = decide(year.assessment_year, filed, revises)
    if kind is not None and kind != decision.return_type:
        wanted = next(w for w in windows(year.assessment_year) if w.return_type == kind)
        raise ReturnNotAllowed(
            f"a {kind} return u/s {wanted.section} for {year.label} can be filed from "
            f"{wanted.opens.isoformat()} to {wanted.closes.isoformat()}; this one is "
            f"{decision.return_type.value} ({decision.reason})"
        )
    if earlier is not None:
        last = min(filed, year.revised_deadline)
        if not year.assessment_year_start <= earlier.filed_on <= last:
            raise InvalidTaxInput(
                f"the return being {decision.return_type.value} must have been filed u/s "
                f"139(1), 139(4) or 139(5) from {year.assessment_year_start.isoformat()} to "
                f"{last.isoformat()}",
                "$.earlier_return.filed_on",
            )
    return decision


@functools.lru_cache(maxsize=4096)
def decide(assessment_year: str, filed: dt.date, revises: bool) -> ReturnTypeDecision:
    """`classify_return`, remembered: a computation asks for the same few dates again."""
    return classify_return(assessment_year, filed, revises=revises)
