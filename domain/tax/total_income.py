"""From the heads of income to total income.

`income_before_gains`: the heads (`income_heads`), a house-property loss set off against
the other heads (`house_property`, s.71(3A)) and the Chapter VI-A deductions (`chapter_via`).
None of it depends on special-rate gains: the loss reaches the gains only after the other
heads, and no deduction is allowed against them. So s.234C, which needs the tax again
with fewer gains, reuses it.

`total_income`: the rest of the loss set off against the gains (highest rate first) and
carried forward (s.71B), gross total income, total income rounded u/s 288A (the rounding
difference is carried by normal income; with none, by special-rate income).
"""

from __future__ import annotations

import msgspec

from domain.tax.chapter_via import ChapterVIA, chapter_via_deductions
from domain.tax.house_property import (
    NO_LOSS,
    LossSetOff,
    set_off_against_gains,
    set_off_against_other_heads,
)
from domain.tax.income_heads import Heads, income_by_head
from domain.tax.inputs import TaxInput
from domain.tax.money import INCOME_SCALE, round_288a
from domain.tax.rules import RegimeRules, YearRules
from domain.tax.special_rates import absorb

_ZEROS: list[int] = [0, 0, 0, 0]
"""Shared, never mutated: the special-rate income of a computation without gains."""


class Income(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """What does not depend on special-rate gains."""

    heads: Heads
    set_off: LossSetOff
    gti_normal_300: int
    """Gross total income excluding special-rate income, in 1/300ths of a rupee."""
    chapter_via: ChapterVIA


def income_before_gains(inp: TaxInput, year: YearRules, rules: RegimeRules) -> Income:
    heads = income_by_head(inp, rules)
    gti_normal_300, set_off = set_off_against_other_heads(
        heads.house_property_300, INCOME_SCALE * heads.salary + heads.other_sources_300, rules
    )
    return Income(
        heads=heads,
        set_off=set_off,
        gti_normal_300=gti_normal_300,
        chapter_via=chapter_via_deductions(inp, year, rules, gti_normal_300),
    )


class TotalIncome(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    loss_set_off_against_gains: int
    loss_carried_forward: int
    gross_total_income: int
    total_income: int
    """Rounded u/s 288A."""
    normal: int
    """The part of total income taxed at the slab rates."""
    special: list[int]
    """Special-rate income per bucket (`rules.SPECIAL_RATES`) after set-off and rounding."""


def total_income(income: Income, gains: list[int]) -> TotalIncome:
    """Total income from `income` and the special-rate `gains` per bucket."""
    if gains[0] or gains[1] or gains[2] or gains[3]:
        special = gains.copy()
        if income.set_off is NO_LOSS:
            against_gains = carried_forward = 0
        else:
            against_gains, carried_forward = set_off_against_gains(income.set_off, special)
        special_total = special[0] + special[1] + special[2] + special[3]
    else:
        special = _ZEROS
        against_gains = special_total = 0
        carried_forward = (
            0 if income.set_off is NO_LOSS else set_off_against_gains(income.set_off, special)[1]
        )
    gti_normal = income.gti_normal_300 // INCOME_SCALE
    normal = gti_normal - income.chapter_via.allowed
    exact = normal + special_total
    total = round_288a(exact)
    normal += total - exact
    if normal < 0:  # rounded down with no normal income to carry it
        absorb(special, -normal)
        normal = 0
    return TotalIncome(
        loss_set_off_against_gains=against_gains,
        loss_carried_forward=carried_forward,
        gross_total_income=gti_normal + special_total,
        total_income=total,
        normal=normal,
        special=special,
    )
