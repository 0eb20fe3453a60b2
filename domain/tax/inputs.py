"""The tax engine's input document: the sections a taxpayer declares, in whole rupees.

The same sections are what a filing declares (income, deductions, taxes paid), so the
filing's events and the stateless calculator share one schema. Unknown keys and negative
amounts are rejected at decoding time: msgspec names the offending field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Rupees = Annotated[int, msgspec.Meta(ge=0, le=10**13)]
AssessmentYear = Literal["2024-25", "2025-26", "2026-27", "2027-28"]
"""AY 2027-28 is tax year 2026-27 under the Income-tax Act, 2025."""
SUPPORTED_ASSESSMENT_YEARS: tuple[str, ...] = ("2024-25", "2025-26", "2026-27", "2027-28")
ReturnTypeName = Literal["original", "belated", "revised", "updated"]


class _Section(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class HouseRent(_Section, frozen=True):
    """What s.10(13A) and Rule 2A need, for the year: the exemption is worked out (old
    regime only) and added to `exempt_allowances`, which then excludes HRA."""

    basic_da: Rupees
    """Salary for Rule 2A: basic pay, dearness allowance forming part of retirement
    benefits, and commission at a fixed percentage of turnover."""
    hra_received: Rupees
    rent_paid: Rupees
    metro: bool = False
    """Rented home in Delhi, Mumbai, Kolkata or Chennai (50 % of salary; else 40 %)."""


class Salary(_Section, frozen=True):
    gross: Rupees = 0
    exempt_allowances: Rupees = 0
    professional_tax: Rupees = 0
    employer_nps: Rupees = 0
    family_pension: Rupees = 0
    house_rent: HouseRent | None = None


class HouseProperty(_Section, frozen=True):
    self_occupied_interest: Rupees = 0
    let_out_income: Rupees = 0
    let_out_interest: Rupees = 0
    """s.24(b) interest on capital borrowed for the let-out property: no ceiling, both
    regimes; a resulting loss is set off under s.71(3A) (old regime, 2,00,000)."""


class OtherSources(_Section, frozen=True):
    savings_interest: Rupees = 0
    other: Rupees = 0


class CapitalGain(_Section, frozen=True):
    section: Literal["111A", "112A"]
    amount: Rupees
    transfer_date: dt.date


class Donation(_Section, frozen=True):
    """A donation u/s 80G, paid otherwise than in cash above 2,000 (s.80G(5D))."""

    amount: Rupees
    percent: Literal[100, 50]
    qualifying_limit: bool = False
    """True for the funds and institutions whose donations count only up to 10 % of the
    adjusted gross total income (s.80G(4))."""


class Deductions(_Section, frozen=True):
    c80: Rupees = msgspec.field(default=0, name="80C")
    ccd_1b: Rupees = msgspec.field(default=0, name="80CCD(1B)")
    d_self: Rupees = msgspec.field(default=0, name="80D_self")
    d_parents: Rupees = msgspec.field(default=0, name="80D_parents")
    parents_senior: bool = False
    tta: Rupees = msgspec.field(default=0, name="80TTA")
    ttb: Rupees = msgspec.field(default=0, name="80TTB")
    e: Rupees = msgspec.field(default=0, name="80E")
    """Interest on a loan for higher education: no ceiling."""
    eea: Rupees = msgspec.field(default=0, name="80EEA")
    """Interest on a loan for an affordable first home: up to 1,50,000."""
    gg_rent_paid: Rupees = msgspec.field(default=0, name="80GG_rent_paid")
    """Rent paid for the year by someone who receives no HRA; the deduction is worked out."""
    dd: Literal["disability", "severe"] | None = msgspec.field(default=None, name="80DD")
    """Maintenance of a dependant with a disability: 75,000, or 1,25,000 when severe."""
    u: Literal["disability", "severe"] | None = msgspec.field(default=None, name="80U")
    """The taxpayer's own disability: 75,000, or 1,25,000 when severe."""
    ddb: Rupees = msgspec.field(default=0, name="80DDB")
    """Medical treatment of specified diseases, net of insurance: up to 40,000."""
    ddb_senior: bool = msgspec.field(default=False, name="80DDB_senior")
    """The patient is 60 or more: up to 1,00,000."""
    g: tuple[Donation, ...] = msgspec.field(default=(), name="80G")


class AdvanceTaxInstalment(_Section, frozen=True):
    date: dt.date
    amount: Rupees


class TaxesPaid(_Section, frozen=True):
    tds: Rupees = 0
    advance_tax: tuple[AdvanceTaxInstalment, ...] = ()
    self_assessment: Rupees = 0


class EarlierReturn(_Section, frozen=True):
    """The return an updated or revised return replaces, as it was filed and processed."""

    acknowledgement: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    filed_on: dt.date
    total_tax: Rupees
    """Tax assessed on it (after rebate, with surcharge and cess)."""
    interest: Rupees = 0
    """Interest u/ss 234A/B/C and the fee u/s 234F it charged."""
    taxes_paid: Rupees = 0
    """All taxes paid by then (TDS, advance tax, self-assessment tax)."""
    refund: Rupees = 0
    """Refund issued on it."""


class TaxInput(_Section, frozen=True):
    assessment_year: AssessmentYear
    age: Annotated[int, msgspec.Meta(ge=0, le=130)] = 35
    salary: Salary = Salary()
    house_property: HouseProperty = HouseProperty()
    other_sources: OtherSources = OtherSources()
    capital_gains: tuple[CapitalGain, ...] = ()
    deductions: Deductions = Deductions()
    taxes_paid: TaxesPaid = TaxesPaid()
    filing_date: dt.date | None = None
    return_type: ReturnTypeName | None = None
    """None: worked out from the filing date as for a first return (no earlier return)."""
    earlier_return: EarlierReturn | None = None
