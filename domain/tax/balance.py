"""The balance of a regime: tax, interest and fees against the taxes paid, rounded u/s
288B (negative for a refund), and interest u/s 244A(1)(a) on a refund of TDS and advance
tax, accrued by the filing date (not part of the balance).
"""

from __future__ import annotations

import msgspec

from domain.tax.interest import Charges, ReturnTiming, refund_interest_244a
from domain.tax.money import round_288b_signed
from domain.tax.prepaid import Prepaid


class Balance(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    taxes_paid: int
    """Less any refund issued on the earlier return, which is owed back."""
    total_liability: int
    """Tax, interest, fees and additional tax u/s 140B."""
    net_payable: int
    refund_interest_244a: int


def balance(
    total_tax: int,
    charges: Charges,
    additional_tax: int,
    paid: Prepaid,
    timing: ReturnTiming,
    updated: bool,
) -> Balance:
    """`additional_tax` u/s 140B of an updated return, which gets no refund and so no
    s.244A interest."""
    liability = total_tax + charges.interest + charges.fee_234f + charges.fee_234i + additional_tax
    refund_issued = paid.refund_issued
    paid_total = paid.total - refund_issued
    net = round_288b_signed(liability - paid_total)
    i244a = 0
    if net < 0 and not updated:
        # From 1 April for a return filed by the due date, else from the filing date.
        months = 0 if timing.late else timing.months_234b
        i244a = refund_interest_244a(
            paid.tds + paid.advance_tax - refund_issued - liability, total_tax, months
        )
    return Balance(
        taxes_paid=paid_total,
        total_liability=liability,
        net_payable=net,
        refund_interest_244a=i244a,
    )
