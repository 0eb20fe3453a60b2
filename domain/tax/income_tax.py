"""Income-tax on total income: slab rates on normal income (`slabs`), special rates on
s.111A/s.112A gains after the s.112A threshold and the unused basic exemption
(`special_rates`), less the rebate and its marginal relief u/s 87A (`rebate`).

Amounts in units of 10**-7 rupee (`money`) where the name ends in `_u`, else whole rupees.
"""

from __future__ import annotations

import msgspec

from domain.tax.rebate import rebate_87a
from domain.tax.rules import RegimeRules, SlabTable, YearRules
from domain.tax.slabs import slab_tax
from domain.tax.special_rates import NO_SPECIAL_RATE_TAX, SpecialRateTax, special_rate_tax


class IncomeTax(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    slab_bracket: int
    """Index of the slab bracket normal income reaches (0 for none)."""
    slab_u: int
    special: SpecialRateTax
    rebate_u: int
    marginal_relief_u: int
    """Marginal relief under the proviso to s.87A (new regime)."""
    normal_after_rebate_u: int
    """Tax at the slab rates less the rebate and its relief: the part of the tax that bears
    surcharge at the full rate."""


def income_tax(
    year: YearRules,
    rules: RegimeRules,
    table: SlabTable,
    normal: int,
    special: list[int],
    total_income: int,
) -> IncomeTax:
    """Tax on `normal` income at the slab rates of `table` and on `special` income per
    bucket at the special rates, after the s.87A rebate on `total_income`."""
    bracket, slab_u = slab_tax(table, normal)
    if special[0] or special[1] or special[2] or special[3]:
        at_special = special_rate_tax(special, normal, table, year.ltcg_112a_exemption)
        rebate_u, relief_u = rebate_87a(rules, total_income, slab_u, at_special.tax_u)
    else:
        at_special = NO_SPECIAL_RATE_TAX
        if total_income <= rules.rebate_limit or rules.rebate_marginal_relief:
            rebate_u, relief_u = rebate_87a(rules, total_income, slab_u, at_special.tax_u)
        else:
            rebate_u = relief_u = 0
    return IncomeTax(
        slab_bracket=bracket,
        slab_u=slab_u,
        special=at_special,
        rebate_u=rebate_u,
        marginal_relief_u=relief_u,
        normal_after_rebate_u=slab_u - rebate_u - relief_u,
    )
