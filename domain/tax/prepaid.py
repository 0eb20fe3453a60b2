"""Taxes paid before the return: TDS, advance tax by instalment date, self-assessment tax,
and what a revised or updated return inherits from the return it replaces. The same for
both regimes: worked out once per computation.
"""

from __future__ import annotations

from typing import Final

import msgspec

from domain.tax.inputs import TaxInput
from domain.tax.rules import YearRules

_ZEROS: Final = (0, 0, 0, 0)


class Prepaid(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    tds: int
    advance_tax: int
    paid_by: tuple[int, int, int, int]
    """Advance tax paid by each instalment date (15 June, 15 September, 15 December,
    15 March), cumulative."""
    self_assessment: int
    total: int
    earlier_credit: int
    """Self-assessment tax paid with the earlier return (s.140B(5)): what it paid beyond
    TDS and advance tax."""
    refund_issued: int
    """Refund issued on the earlier return, repayable now."""


def taxes_paid(inp: TaxInput, year: YearRules) -> Prepaid:
    paid = inp.taxes_paid
    advance = 0
    if paid.advance_tax:
        june, september, december, march = year.instalment_dates
        by_june = by_september = by_december = by_march = 0
        for instalment in paid.advance_tax:
            amount = instalment.amount
            advance += amount
            date = instalment.date
            if date <= march:
                by_march += amount
                if date <= december:
                    by_december += amount
                    if date <= september:
                        by_september += amount
                        if date <= june:
                            by_june += amount
        paid_by = (by_june, by_september, by_december, by_march)
    else:
        paid_by = _ZEROS
    earlier = inp.earlier_return
    if earlier is None:
        refund_issued = earlier_credit = 0
    else:
        refund_issued = earlier.refund
        credit = earlier.taxes_paid - paid.tds - advance
        earlier_credit = credit if credit > 0 else 0
    return Prepaid(
        tds=paid.tds,
        advance_tax=advance,
        paid_by=paid_by,
        self_assessment=paid.self_assessment,
        total=paid.tds + advance + paid.self_assessment,
        earlier_credit=earlier_credit,
        refund_issued=refund_issued,
    )
