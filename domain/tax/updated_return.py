"""An updated return (s.139(8A)): the additional tax u/s 140B(3) and the cases the law
refuses (a lower tax than the return it updates, a refund or a larger one, a loss).

Tax payable: the tax on the updated return less TDS, advance tax and the tax part of the
self-assessment tax paid with the earlier return (s.140A(2): that payment went to interest
and fee first), plus any refund issued on it (s.140B(2)). Interest payable: ss.234A/B/C on
the updated return less the interest charged on the earlier one.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import msgspec

from domain.tax.inputs import EarlierReturn
from domain.tax.money import inr, round_288b_signed
from domain.tax.prepaid import Prepaid
from domain.tax.return_types import additional_tax_140b
from domain.tax.rules import YearRules


class UpdatedReturnDues(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    additional_pct: int
    additional_tax: int
    """s.140B(3), in rupees: part of the regime's liability."""
    refusal: str | None
    """Why an updated return in this regime is not allowed; None when it is."""


NOT_UPDATED: Final = UpdatedReturnDues(additional_pct=0, additional_tax=0, refusal=None)


def updated_return_dues(
    year: YearRules,
    filed: dt.date,
    earlier: EarlierReturn | None,
    paid: Prepaid,
    total_tax: int,
    interest: int,
    fee: int,
    total_income: int,
    loss_carried_forward: int,
) -> UpdatedReturnDues:
    """`interest` u/ss 234A/B/C and the s.234F `fee` charged on the updated return."""
    prepaid_before = paid.tds + paid.advance_tax
    refund_issued = paid.refund_issued
    if earlier is not None:
        earlier_interest = earlier.interest - fee if earlier.interest > fee else 0
        tax_credit = paid.earlier_credit - earlier_interest
        tax_payable = total_tax - prepaid_before - (tax_credit if tax_credit > 0 else 0)
        tax_payable += refund_issued
        interest_payable = interest - earlier_interest
    else:
        tax_payable = total_tax - prepaid_before
        interest_payable = interest
    base = (tax_payable if tax_payable > 0 else 0) + (
        interest_payable if interest_payable > 0 else 0
    )
    pct, additional = additional_tax_140b(year.assessment_year, filed, base)
    refusal = None
    # A refund is rounded u/s 288B like any balance: the few rupees by which a rounded
    # self-assessment payment exceeded the earlier return's liability are no refund.
    refund = round_288b_signed(prepaid_before + paid.earlier_credit - (total_tax + interest + fee))
    if earlier is not None and total_tax < earlier.total_tax:
        refusal = (
            f"an updated return u/s 139(8A) cannot result in a lower tax than the return it "
            f"updates (acknowledgement {earlier.acknowledgement}, filed on "
            f"{earlier.filed_on.isoformat()}: tax {inr(earlier.total_tax)}; this return: "
            f"{inr(total_tax)})"
        )
    elif refund > refund_issued:
        refusal = (
            "an updated return u/s 139(8A) cannot result in a refund or increase the refund "
            f"due: taxes paid before it ({inr(prepaid_before + paid.earlier_credit)}) "
            f"exceed tax, interest and fee ({inr(total_tax + interest + fee)})"
        )
    elif loss_carried_forward and not total_income:
        refusal = (
            "an updated return u/s 139(8A) cannot be a return of a loss (house-property "
            f"loss of {inr(loss_carried_forward)} to carry forward, no total income)"
        )
    return UpdatedReturnDues(additional_pct=pct, additional_tax=additional, refusal=refusal)
