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
from typing import TYPE_CHECKING, Final

import msgspec

from domain.tax.chapter_via import SENIOR_AGE
from domain.tax.inputs import CapitalGain, TaxInput
from domain.tax.money import floor_100
from domain.tax.prepaid import Prepaid
from domain.tax.return_types import ReturnType
from domain.tax.rules import Instalment, YearRules
from domain.tax.special_rates import gains_by_bucket

if TYPE_CHECKING:
    from domain.tax.assessment import Assessment

_UPDATED: Final = ReturnType.UPDATED
_REVISED: Final = ReturnType.REVISED
"""Module constants: reading an enum member off its class costs a lookup each time."""
_NO_234C: Final = (0, 0, 0, 0)


class ReturnTiming(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """When the return is filed, and the periods that follow from it: the same for both
    regimes, worked out once per computation."""

    return_type: ReturnType
    filed: dt.date
    """The filing date; the due date when none is given."""
    option_date: dt.date
    """The date of the return u/s 139(1) or 139(4) (the earlier return, for a revised or
    updated one): it decides s.234F, the old-regime option (s.115BAC(6)) and whether s.244A
    interest runs from 1 April."""
    late: bool
    """`option_date` is after the due date."""
    months_234a: int
    months_234a_first: int
    """s.234A months up to the earlier return (s.140B(5): after it, on the tax less the
    tax it paid); equal to `months_234a` unless updating."""
    months_234b: int
    """Months or part from 1 April of the assessment year to the filing date (s.234B;
    s.244A(1)(a) for a refund)."""
    months_234b_first: int
    latest_transfer: dt.date | None
    """Of the special-rate gains (s.234C leaves out gains transferred after an instalment)."""


def return_timing(inp: TaxInput, year: YearRules, return_type: ReturnType) -> ReturnTiming:
    filed = inp.filing_date if inp.filing_date is not None else year.due_date
    earlier = inp.earlier_return
    option_date = earlier.filed_on if earlier is not None else filed
    ay_start = year.assessment_year_start
    months_b = months_or_part(ay_start, filed)
    if return_type is _UPDATED:
        months_a = months_234a(year.due_date, filed)
        if earlier is not None:
            months_a_first = months_234a(year.due_date, earlier.filed_on)
            months_b_first = months_or_part(ay_start, earlier.filed_on)
        else:
            months_a_first = months_a
            months_b_first = months_b
    else:
        months_a = months_a_first = (
            months_234a(year.due_date, option_date) if inp.filing_date else 0
        )
        months_b_first = months_b
    latest = None
    for gain in inp.capital_gains:
        if latest is None or gain.transfer_date > latest:
            latest = gain.transfer_date
    return ReturnTiming(
        return_type=return_type,
        filed=filed,
        option_date=option_date,
        late=option_date > year.due_date,
        months_234a=months_a,
        months_234a_first=months_a_first,
        months_234b=months_b,
        months_234b_first=months_b_first,
        latest_transfer=latest,
    )


class Charges(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Interest u/ss 234A, 234B, 234C and the fees u/ss 234F, 234I of one regime."""

    interest_234a: int
    months_234a: int
    """0 when there is no s.234A interest."""
    interest_234b: int
    months_234b: int
    """0 when there is no s.234B interest."""
    interest_234c: tuple[int, int, int, int]
    """Per instalment."""
    fee_234f: int
    fee_234i: int
    interest: int
    """Under ss.234A, 234B and 234C together."""


NO_CHARGES: Final = Charges(
    interest_234a=0,
    months_234a=0,
    interest_234b=0,
    months_234b=0,
    interest_234c=_NO_234C,
    fee_234f=0,
    fee_234i=0,
    interest=0,
)


def interest_and_fees(
    inp: TaxInput, year: YearRules, a: Assessment, paid: Prepaid, timing: ReturnTiming
) -> Charges:
    """What regime `a` charges on top of its tax, given the taxes `paid` and the `timing`."""
    tds = paid.tds
    due = a.total_tax - tds
    kind = timing.return_type
    if due <= 0 and not timing.late and kind is not _REVISED:
        return NO_CHARGES
    i234a = m234a = i234b = m234b = 0
    i234c = _NO_234C
    if due > 0:
        advance = paid.advance_tax
        credit = paid.earlier_credit
        if timing.late or kind is _UPDATED:
            m234a = timing.months_234a
            first = timing.months_234a_first
            i234a = interest_234a(due - advance, first)
            if m234a > first:  # s.140B(5): after the earlier return, less its tax paid
                i234a += interest_234a(due - advance - credit, m234a - first)
        if due >= year.advance_tax_threshold and inp.age < year.senior_advance_tax_exempt_age:
            first = timing.months_234b_first
            i234b = interest_234b(due, advance, first)
            if i234b:
                m234b = timing.months_234b
                if m234b > first:
                    i234b += interest_234b_after_credit(due, advance, credit, m234b - first)
            latest = timing.latest_transfer
            if latest is None or latest <= year.instalments[0].due:
                dues = (due, due, due, due)
            else:
                dues = instalment_dues(inp.capital_gains, year, a, due, tds, paid.paid_by, latest)
            i234c = interest_234c(dues, paid.paid_by, year.instalments)
    fee = 0
    if timing.late:
        obliged = a.total.gross_total_income > a.table.basic_exemption or tds >= (
            year.mandatory_filing_tds_senior if inp.age >= SENIOR_AGE else year.mandatory_filing_tds
        )
        fee = fee_234f(
            timing.option_date,
            year.due_date,
            obliged,
            a.total.total_income,
            year.fee_234f,
            year.fee_234f_small,
            year.fee_234f_small_income,
        )
    fee_i = 0
    if kind is _REVISED and timing.filed > year.belated_deadline:
        fee_i = fee_234i(a.total.total_income, year.fee_234f_small_income)
    interest = i234a + i234b + i234c[0] + i234c[1] + i234c[2] + i234c[3]
    if not (interest or fee or fee_i):
        return NO_CHARGES
    return Charges(
        interest_234a=i234a,
        months_234a=m234a,
        interest_234b=i234b,
        months_234b=m234b,
        interest_234c=i234c,
        fee_234f=fee,
        fee_234i=fee_i,
        interest=interest,
    )


def instalment_dues(
    gains: tuple[CapitalGain, ...],
    year: YearRules,
    a: Assessment,
    full_due: int,
    tds: int,
    paid_by: tuple[int, int, int, int],
    latest: dt.date,
) -> tuple[int, int, int, int]:
    """Tax due at each s.234C instalment, leaving out gains from later transfers (first
    proviso to s.234C(1)): regime `a` again with the gains transferred by then.

    Tax never falls when gains are added, so an instalment already covered against the
    full year's tax needs no recomputation.
    """
    dues = []
    partial_dues: dict[tuple[int, ...], int] = {}
    for inst, paid in zip(year.instalments, paid_by, strict=True):
        if latest <= inst.due or 100 * paid >= inst.safe_harbour_pct * full_due:
            dues.append(full_due)
            continue
        by_then = gains_by_bucket(gains, inst.due)
        key = tuple(by_then)
        due = partial_dues.get(key)
        if due is None:
            due = a.with_gains(by_then).total_tax - tds
            due = partial_dues[key] = due if due > 0 else 0
        dues.append(due)
    return dues[0], dues[1], dues[2], dues[3]


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
    tax_due: tuple[int, int, int, int],
    paid_by: tuple[int, int, int, int],
    instalments: tuple[Instalment, ...],
) -> tuple[int, int, int, int]:
    """Interest per instalment; `tax_due[i]` is the tax due considered at instalment i."""
    june, september, december, march = instalments
    return (
        _deferment(tax_due[0], paid_by[0], june),
        _deferment(tax_due[1], paid_by[1], september),
        _deferment(tax_due[2], paid_by[2], december),
        _deferment(tax_due[3], paid_by[3], march),
    )


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
