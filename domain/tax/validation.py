"""Checks a well-typed `TaxInput` must still pass: what the law allows, not what JSON allows.

msgspec has already rejected unknown keys, negative amounts, unsupported years and dates
that are not dates. What remains is about the year being computed:
* a capital gain must come from a transfer in the previous year (s.45);
* an advance-tax instalment must be paid within the previous year (s.207): tax paid after
  31 March is self-assessment tax;
* a return for the assessment year can be filed from 1 April of that year and, belatedly,
  until 31 December of it (s.139(4)); later returns are updated returns (s.139(8A)),
  which this engine does not compute;
* s.10 exempt allowances and the employer's NPS contribution are parts of gross salary.
"""

from __future__ import annotations

import datetime as dt

from domain.tax.errors import InvalidTaxInput
from domain.tax.inputs import TaxInput
from domain.tax.rules import YearRules


def check_semantics(inp: TaxInput, year: YearRules) -> None:
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
    filed = inp.filing_date
    if filed is not None and not end < filed <= year.belated_deadline:
        raise InvalidTaxInput(
            f"a return for {year.label} can be filed from "
            f"{(end + dt.timedelta(days=1)).isoformat()} to "
            f"{year.belated_deadline.isoformat()} (s.139(4)); updated returns are not computed",
            "$.filing_date",
        )
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
