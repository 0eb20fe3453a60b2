"""Interest under ss.234A, 234B, 234C and the fee under s.234F.

All interest is simple, 1 % for every month or part of a month, on an amount rounded down
to a multiple of 100 rupees (Rule 119A(b)); a base that is a multiple of 100 makes 1 % of it
a whole number of rupees, so no further rounding is needed.

Assumptions where the input is silent (documented, applied to every regime):
* self-assessment tax is paid on the day the return is filed (it must be paid before filing,
  s.140A); with no filing date the return is taken as filed on the due date;
* s.234B runs from 1 April of the assessment year to that day (the tax paid with the return
  stops it; anything still unpaid accrues further interest until paid, not computed here);
* s.234A runs from the day after the due date to the filing date, on the tax less TDS and
  advance tax;
* s.234C: the tax due at each instalment leaves out tax on capital gains from transfers
  after the instalment date (first proviso to s.234C(1)), as the return's accrual table does;
* no s.234B/234C when the tax due after TDS is below 10,000 (s.208), nor for a resident aged
  60 or more, who has no business income here (s.207(2));
* s.234F: 5,000, or 1,000 when total income does not exceed 5 lakh, for a return filed
  after the due date by a person obliged to file: gross total income above the basic
  exemption limit of the regime, or TDS of 25,000 (50,000 at 60 or more) under Rule 12AB.
"""

from __future__ import annotations

import datetime as dt

from domain.tax.money import floor_100
from domain.tax.rules import Instalment


def months_or_part(first_day: dt.date, last_day: dt.date) -> int:
    """Months or parts of a month from `first_day` to `last_day`, both included."""
    if last_day < first_day:
        return 0
    months = (last_day.year - first_day.year) * 12 + last_day.month - first_day.month
    return months + 1 if last_day.day >= first_day.day else months


def months_234a(due_date: dt.date, filed: dt.date) -> int:
    """Months or part from the day after the due date to the filing date (0 if on time)."""
    if filed <= due_date:
        return 0
    return months_or_part(due_date + dt.timedelta(days=1), filed)


def interest_234a(tax_unpaid: int, months: int) -> int:
    """1 % a month on the tax unpaid (less TDS and advance tax) for a late return."""
    if months <= 0 or tax_unpaid <= 0:
        return 0
    return floor_100(tax_unpaid) * months // 100


def interest_234b(assessed_tax: int, advance_paid: int, months: int) -> int:
    """1 % a month when advance tax is below 90 % of the assessed tax (tax less TDS);
    `months` runs from 1 April of the assessment year (`months_or_part`)."""
    if 10 * advance_paid >= 9 * assessed_tax:
        return 0
    return floor_100(assessed_tax - advance_paid) * months // 100


def interest_234b_after_credit(
    assessed_tax: int, advance_paid: int, credit: int, months: int
) -> int:
    """s.234B for the months after a later payment (`credit`, the self-assessment tax of an
    earlier return) reduced the shortfall: 1 % a month on what was still short. Call only
    when s.234B applies (advance tax below 90 % of the assessed tax)."""
    return floor_100(assessed_tax - advance_paid - credit) * months // 100


def refund_interest_244a(refund: int, total_tax: int, months: int) -> int:
    """s.244A(1)(a): 0.5 % for every month or part of a month on a refund of TDS and
    advance tax; none when the refund is less than 10 % of the tax determined (proviso)."""
    if refund <= 0 or months <= 0 or 10 * refund < total_tax:
        return 0
    return floor_100(refund) * months // 200


def fee_234i(total_income: int, small_income: int) -> int:
    """s.234I (Finance Act 2026): fee for a revised return filed after nine months from
    the end of the previous year: 1,000, or 5,000 when total income exceeds 5 lakh."""
    return 1_000 if total_income <= small_income else 5_000


def interest_234c(
    tax_due: list[int], paid_by: list[int], instalments: tuple[Instalment, ...]
) -> list[int]:
    """Interest per instalment; `tax_due[i]` is the tax due considered at instalment i."""
    june, september, december, march = instalments
    return [
        _deferment(tax_due[0], paid_by[0], june),
        _deferment(tax_due[1], paid_by[1], september),
        _deferment(tax_due[2], paid_by[2], december),
        _deferment(tax_due[3], paid_by[3], march),
    ]


def _deferment(due: int, paid: int, inst: Instalment) -> int:
    if due <= 0 or 100 * paid >= inst.safe_harbour_pct * due:
        return 0
    shortfall_100 = inst.pct * due - 100 * paid  # in hundredths of a rupee
    if shortfall_100 < 10_000:
        return 0
    return shortfall_100 // 10_000 * inst.months  # 1% a month of the base rounded to 100


def fee_234f(
    filed: dt.date,
    due_date: dt.date,
    obliged_to_file: bool,
    total_income: int,
    fee: int,
    small_fee: int,
    small_income: int,
) -> int:
    if filed <= due_date or not obliged_to_file:
        return 0
    return small_fee if total_income <= small_income else fee
