"""Surcharge with marginal relief at every threshold, and the health and education cess.

Rates (First Schedule Part I Para A of the Finance Acts): 10 % above 50 lakh and 15 % above
1 crore of total income; 25 % above 2 crore and 37 % above 5 crore of total income
*excluding* s.111A/s.112A gains (15 % when only the gains carry total income past 2 crore);
the new regime stops at 25 %. On the part of the tax that is tax on s.111A/s.112A gains the
rate never exceeds 15 %.

Marginal relief: tax plus surcharge may not exceed the tax plus surcharge on income equal to
the threshold by more than the income above the threshold. Where the threshold is one of
total income, the point "at the threshold" is found by taking the excess off normal income
first, then off special-rate income (highest rate first): the excess is income taxed at the
top of the slab scale, and it is the reading that gives the assessee the relief. Where the
threshold is one of income excluding the gains (2 and 5 crore), the excess is taken off
normal income alone. (Contested, decided here: read literally, the 2-crore proviso compares
with a *total* income of 2 crore, which with large gains gives no relief at all and leaves a
cliff of lakhs where normal income crosses 2 crore; comparing at the point where the rate
changes is the reading that does what the proviso is for.)

Cess: 4 % of income-tax plus surcharge (Finance Acts, s.2(11)-(12)).
"""

from __future__ import annotations

from typing import Final

import msgspec

from domain.tax.income_tax import IncomeTax, income_tax
from domain.tax.money import UNIT
from domain.tax.rules import RegimeRules, SlabTable, SurchargeBand, YearRules
from domain.tax.special_rates import absorb


class Surcharge(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    band: int
    """Index of the band in `rules.surcharge_bands`, -1 for none."""
    surcharge_u: int
    """Before marginal relief."""
    marginal_relief_u: int
    payable_u: int
    """After marginal relief."""


NO_SURCHARGE: Final = Surcharge(band=-1, surcharge_u=0, marginal_relief_u=0, payable_u=0)


def surcharge_band(bands: tuple[SurchargeBand, ...], total: int, normal: int) -> int:
    """Index of the highest band that applies, -1 for none."""
    found = -1
    for i, band in enumerate(bands):
        if (total if band.basis == "total" else normal) > band.above:
            found = i
    return found


def surcharge_units(rules: RegimeRules, band: int, tax_normal: int, tax_special: int) -> int:
    if band < 0:
        return 0
    pct = rules.surcharge_bands[band].pct
    special_pct = pct if pct < rules.surcharge_special_cap_pct else rules.surcharge_special_cap_pct
    return (tax_normal * pct + tax_special * special_pct) // 100


def surcharge_with_relief(
    year: YearRules,
    rules: RegimeRules,
    table: SlabTable,
    total: int,
    normal: int,
    special: list[int],
    tax: IncomeTax,
) -> Surcharge:
    """Surcharge on `tax`, the income-tax on `total` income of which `normal` is taxed at
    the slab rates (`table`) and `special` per bucket at special rates."""
    bands = rules.surcharge_bands
    if total <= bands[0].above:
        return NO_SURCHARGE
    band = surcharge_band(bands, total, normal)
    tax_normal = tax.normal_after_rebate_u
    tax_special = tax.special.total_u
    surcharge = surcharge_units(rules, band, tax_normal, tax_special)
    # Marginal relief: the tax and surcharge on income at the threshold, plus the excess.
    threshold = bands[band]
    at_special = special.copy()
    if threshold.basis == "total":
        excess = total - threshold.above
        cut = excess if excess < normal else normal
        at_normal = normal - cut
        absorb(at_special, excess - cut)
    else:
        excess = normal - threshold.above
        at_normal = threshold.above
    at_total = at_normal + at_special[0] + at_special[1] + at_special[2] + at_special[3]
    at_tax = income_tax(year, rules, table, at_normal, at_special, at_total)
    at_tax_normal = at_tax.normal_after_rebate_u
    at_tax_special = at_tax.special.total_u
    at_band = surcharge_band(bands, total - excess, at_normal)
    ceiling = (
        at_tax_normal
        + at_tax_special
        + surcharge_units(rules, at_band, at_tax_normal, at_tax_special)
        + excess * UNIT
    )
    relief = tax_normal + tax_special + surcharge - ceiling
    if relief <= 0:
        relief = 0
    elif relief > surcharge:
        relief = surcharge
    return Surcharge(
        band=band, surcharge_u=surcharge, marginal_relief_u=relief, payable_u=surcharge - relief
    )


def cess_units(rules: RegimeRules, tax_and_surcharge: int) -> int:
    """Health and education cess on income-tax plus surcharge."""
    return tax_and_surcharge * rules.cess_pct // 100
