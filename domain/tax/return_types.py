"""Which return a filing date allows: original, belated, revised or updated, and why.

Pure functions of the assessment year, the filing date and whether a return for the year
was already submitted. Sections are those of the Income-tax Act, 1961 (see README.md for
the Income-tax Act, 2025's numbers for tax year 2026-27):

* s.139(1) original return: from 1 April of the assessment year to the due date;
* s.139(4) belated return: after the due date, until 31 December of the assessment year
  (nine months from the end of the previous year);
* s.139(5) revised return of a return already furnished: until 31 December of the
  assessment year; from AY 2026-27 until 31 March (twelve months, Finance Act 2026), with
  a fee u/s 234I for a revision filed after 31 December;
* s.139(8A) updated return: within 48 months from the end of the assessment year (Finance
  Act 2025; 24 months before), with additional tax u/s 140B(3) of 25 % / 50 % / 60 % / 70 %
  of the aggregate of tax and interest payable when furnished within 12 / 24 / 36 / 48
  months from the end of the assessment year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.tax.errors import InvalidTaxInput
from domain.tax.money import round_288b_signed
from domain.tax.rules import YearRules, year_rules


class ReturnType(StrEnum):
    ORIGINAL = "original"
    BELATED = "belated"
    REVISED = "revised"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class ReturnWindow:
    return_type: ReturnType
    section: str
    """"139(1)", "139(4)", "139(5)" or "139(8A)" (Income-tax Act, 1961)."""
    opens: dt.date
    closes: dt.date

    def describe(self) -> str:
        return (
            f"{self.return_type.value} return u/s {self.section} from "
            f"{self.opens.isoformat()} to {self.closes.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class ReturnTypeDecision:
    return_type: ReturnType
    window: ReturnWindow
    reason: str
    """Plain English: why this type applies."""


class ReturnNotAllowed(InvalidTaxInput):
    """No return of the asked kind can be filed on that date; the message names the
    section(s) and window(s) that were open."""

    def __init__(self, message: str, field: str = "$.filing_date") -> None:
        super().__init__(message, field)


UPDATED_RETURN_MONTHS: Final = 48
"""s.139(8A) as amended by the Finance Act 2025 (24 months before 1 April 2025)."""

ADDITIONAL_TAX_140B: Final[tuple[tuple[int, int], ...]] = ((12, 25), (24, 50), (36, 60), (48, 70))
"""s.140B(3)(b): (within months from the end of the assessment year, percent)."""


def year_label(assessment_year: str) -> str:
    """ "AY 2026-27", or "tax year 2026-27" for AY 2027-28 and later (Income-tax Act, 2025)."""
    return year_rules(assessment_year).label


def _months_after(end: dt.date, months: int) -> dt.date:
    """The last day of the month `months` months after `end` (a 31 March)."""
    year = end.year + (end.month - 1 + months) // 12
    month = (end.month - 1 + months) % 12 + 1
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _ay_end(rules: YearRules) -> dt.date:
    return dt.date(rules.assessment_year_start.year + 1, 3, 31)


_WINDOWS: dict[str, tuple[ReturnWindow, ...]] = {}


def windows(assessment_year: str) -> tuple[ReturnWindow, ...]:
    """The four windows of a year: original, belated, revised, updated (in that order)."""
    cached = _WINDOWS.get(assessment_year)
    if cached is not None:
        return cached
    rules = year_rules(assessment_year)
    start = rules.assessment_year_start
    after_belated = rules.belated_deadline + dt.timedelta(days=1)
    result = (
        ReturnWindow(ReturnType.ORIGINAL, "139(1)", start, rules.due_date),
        ReturnWindow(
            ReturnType.BELATED,
            "139(4)",
            rules.due_date + dt.timedelta(days=1),
            rules.belated_deadline,
        ),
        ReturnWindow(ReturnType.REVISED, "139(5)", start, rules.revised_deadline),
        ReturnWindow(
            ReturnType.UPDATED,
            "139(8A)",
            after_belated,
            _months_after(_ay_end(rules), UPDATED_RETURN_MONTHS),
        ),
    )
    _WINDOWS[assessment_year] = result
    return result


def _not_allowed(
    assessment_year: str, filing_date: dt.date, open_windows: tuple[ReturnWindow, ...], why: str
) -> ReturnNotAllowed:
    listed = "; ".join(w.describe() for w in open_windows)
    return ReturnNotAllowed(
        f"no return for {year_label(assessment_year)} can be filed on {filing_date.isoformat()}"
        f" {why}: the windows are {listed}"
    )


def classify_return(
    assessment_year: str, filing_date: dt.date, *, revises: bool
) -> ReturnTypeDecision:
    """The return a filing on `filing_date` is. `revises`: a return for the year was
    already submitted, so this one revises or updates it."""
    original, belated, revised, updated = windows(assessment_year)
    label = year_label(assessment_year)
    day = filing_date.isoformat()
    if not revises:
        if original.opens <= filing_date <= original.closes:
            return ReturnTypeDecision(
                ReturnType.ORIGINAL,
                original,
                f"filed on {day}, by the due date {original.closes.isoformat()} for {label} "
                f"(s.139(1))",
            )
        if belated.opens <= filing_date <= belated.closes:
            return ReturnTypeDecision(
                ReturnType.BELATED,
                belated,
                f"filed on {day}, after the due date {original.closes.isoformat()} and by "
                f"{belated.closes.isoformat()}: a belated return u/s 139(4)",
            )
        if updated.opens <= filing_date <= updated.closes:
            return ReturnTypeDecision(
                ReturnType.UPDATED,
                updated,
                f"filed on {day}, after {belated.closes.isoformat()}, the last day for a "
                f"belated return u/s 139(4): only an updated return u/s 139(8A) can be "
                f"filed, until {updated.closes.isoformat()}",
            )
        return _raise(assessment_year, filing_date, (original, belated, updated))
    if revised.opens <= filing_date <= revised.closes:
        return ReturnTypeDecision(
            ReturnType.REVISED,
            revised,
            f"a return for {label} was already submitted and this one, filed on {day}, is "
            f"within the time for a revised return u/s 139(5) (until "
            f"{revised.closes.isoformat()})",
        )
    if revised.closes < filing_date <= updated.closes:
        return ReturnTypeDecision(
            ReturnType.UPDATED,
            updated,
            f"a return for {label} was already submitted and the time for revising it u/s "
            f"139(5) ended on {revised.closes.isoformat()}: filed on {day}, only an updated "
            f"return u/s 139(8A) can change it, until {updated.closes.isoformat()}",
        )
    return _raise(assessment_year, filing_date, (revised, updated))


def _raise(
    assessment_year: str, filing_date: dt.date, open_windows: tuple[ReturnWindow, ...]
) -> ReturnTypeDecision:
    first = open_windows[0].opens
    why = (
        "before the assessment year begins"
        if filing_date < first
        else "after the last day for an updated return"
    )
    raise _not_allowed(assessment_year, filing_date, open_windows, why)


def additional_tax_140b(
    assessment_year: str, filing_date: dt.date, tax_and_interest: int
) -> tuple[int, int]:
    """(percent, rupees) of additional tax u/s 140B(3) on an updated return filed on
    `filing_date`, on the aggregate of tax and interest payable on it (rounded u/s 288B)."""
    rules = year_rules(assessment_year)
    updated = windows(assessment_year)[3]
    if not updated.opens <= filing_date <= updated.closes:
        raise _not_allowed(
            assessment_year,
            filing_date,
            (updated,),
            "as an updated return (additional tax u/s 140B applies only to one)",
        )
    end = _ay_end(rules)
    base = tax_and_interest if tax_and_interest > 0 else 0
    for months, pct in ADDITIONAL_TAX_140B:
        if filing_date <= _months_after(end, months):
            return pct, round_288b_signed(base * pct // 100)
    raise AssertionError("unreachable: the updated window ends at 48 months")  # pragma: no cover
