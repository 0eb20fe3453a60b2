"""Income taxed at special rates: s.111A short-term and s.112A long-term capital gains.

Gains are kept in four buckets (`rules.SPECIAL_RATES`, highest rate first) by section and
date of transfer: 111A at 15 % before 23 July 2024 and 20 % from then; 112A at 10 % and
12.5 %. The s.112A threshold (1,00,000 for AY 2024-25, 1,25,000 aggregate for the whole of
FY 2024-25 and later) is used up against the 12.5 % gains first: the Act does not order the
two and this is the order most favourable to the assessee (and the one the return forms let
the assessee choose). A resident's unused basic exemption limit is then set against the
remaining special-rate income, highest rate first (provisos to ss.111A(1) and 112A(2)).
No Chapter VI-A deduction is allowed against these gains.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import msgspec

from domain.tax.inputs import CapitalGain
from domain.tax.money import PER_MILLE_TO_UNITS
from domain.tax.rules import SECTION_111A_BUCKETS, SECTION_112A_BUCKETS, SPECIAL_RATES, SlabTable

BUCKETS = len(SPECIAL_RATES)
RATES = tuple(r.rate for r in SPECIAL_RATES)
_R0, _R1, _R2, _R3 = (rate * PER_MILLE_TO_UNITS for rate in RATES)
# The hot path works on the four buckets by index: 111A are the first two, 112A the last two.
assert SECTION_111A_BUCKETS == (0, 1) and SECTION_112A_BUCKETS == (2, 3)


def _section_split(section: str) -> tuple[dt.date, int, int]:
    """(date the rate changes, bucket from that date, bucket before it) for a section."""
    later = [i for i, r in enumerate(SPECIAL_RATES) if r.section == section and r.from_date]
    earlier = [i for i, r in enumerate(SPECIAL_RATES) if r.section == section and r.until_date]
    assert len(later) == 1 and len(earlier) == 1, "one change of rate per section"
    change = SPECIAL_RATES[later[0]].from_date
    assert change is not None
    return change, later[0], earlier[0]


_SPLIT = {section: _section_split(section) for section in ("111A", "112A")}


def gains_by_bucket(gains: tuple[CapitalGain, ...], until: dt.date | None = None) -> list[int]:
    """Gains per bucket; with `until`, only transfers on or before that date."""
    amounts = [0, 0, 0, 0]
    split = _SPLIT
    for gain in gains:
        date = gain.transfer_date
        if until is not None and date > until:
            continue
        change, later, earlier = split[gain.section]
        amounts[later if date >= change else earlier] += gain.amount
    return amounts


def absorb(amounts: list[int], amount: int) -> int:
    """Reduce the buckets by `amount`, highest rate first; return what could not be absorbed."""
    for i in range(BUCKETS):
        if amount <= 0:
            return 0
        have = amounts[i]
        if have:
            take = have if have < amount else amount
            amounts[i] = have - take
            amount -= take
    return amount if amount > 0 else 0


def apply_112a_threshold(amounts: list[int], threshold: int) -> int:
    """Take the s.112A threshold off the 112A buckets in place; return how much was used."""
    first = amounts[2]
    take_first = first if first < threshold else threshold
    rest = threshold - take_first
    second = amounts[3]
    take_second = second if second < rest else rest
    amounts[2] = first - take_first
    amounts[3] = second - take_second
    return take_first + take_second


def special_tax_units(taxable: list[int]) -> list[int]:
    return [taxable[0] * _R0, taxable[1] * _R1, taxable[2] * _R2, taxable[3] * _R3]


class SpecialRateTax(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Tax on special-rate income, per bucket (`rules.SPECIAL_RATES`); units where the name
    ends in `_u`."""

    threshold_112a: int
    """Part of the s.112A threshold used."""
    basic_exemption_used: int
    """Unused basic exemption limit set against special-rate income (provisos to ss.111A,
    112A)."""
    taxable: list[int]
    """Special-rate income actually taxed, after the threshold and the basic exemption."""
    tax_u: list[int]
    total_u: int


_ZEROS: list[int] = [0, 0, 0, 0]
"""Shared, never mutated."""
NO_SPECIAL_RATE_TAX: Final = SpecialRateTax(
    threshold_112a=0, basic_exemption_used=0, taxable=_ZEROS, tax_u=_ZEROS, total_u=0
)


def special_rate_tax(
    special: list[int], normal: int, table: SlabTable, threshold_112a: int
) -> SpecialRateTax:
    """Tax on `special` income per bucket, for a resident whose income at the slab rates
    (`table`) is `normal`: the s.112A threshold first, then the unused basic exemption."""
    taxable = special.copy()
    threshold_used = apply_112a_threshold(taxable, threshold_112a)
    bel = table.basic_exemption
    bel_used = 0
    if normal < bel:
        shortfall = bel - normal
        bel_used = shortfall - absorb(taxable, shortfall)
    tax_u = special_tax_units(taxable)
    return SpecialRateTax(
        threshold_112a=threshold_used,
        basic_exemption_used=bel_used,
        taxable=taxable,
        tax_u=tax_u,
        total_u=tax_u[0] + tax_u[1] + tax_u[2] + tax_u[3],
    )
