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
from domain.tax.special_rates import absorb, apply_112a_threshold, special_tax_units

_ZEROS: list[int] = [0, 0, 0, 0]
"""Shared, never mutated: the special-rate figures of income without special-rate gains."""


class IncomeTax(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    slab_bracket: int
    """Index of the slab bracket normal income reaches (0 for none)."""
    slab_u: int
    special_u: list[int]
    """Tax per special-rate bucket (`rules.SPECIAL_RATES`)."""
    taxable_special: list[int]
    """Special-rate income per bucket actually taxed (after the threshold and the BEL)."""
    threshold_112a: int
    """Part of the s.112A threshold used."""
    basic_exemption_used: int
    """Unused basic exemption limit set against special-rate income (provisos to ss.111A,
    112A)."""
    special_total_u: int
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
    if not (special[0] or special[1] or special[2] or special[3]):
        if total_income <= rules.rebate_limit or rules.rebate_marginal_relief:
            rebate_u, relief_u = rebate_87a(rules, total_income, slab_u, _ZEROS)
        else:
            rebate_u = relief_u = 0
        return IncomeTax(
            slab_bracket=bracket,
            slab_u=slab_u,
            special_u=_ZEROS,
            taxable_special=_ZEROS,
            threshold_112a=0,
            basic_exemption_used=0,
            special_total_u=0,
            rebate_u=rebate_u,
            marginal_relief_u=relief_u,
            normal_after_rebate_u=slab_u - rebate_u - relief_u,
        )
    taxable = special.copy()
    threshold_used = apply_112a_threshold(taxable, year.ltcg_112a_exemption)
    bel = table.basic_exemption
    bel_used = 0
    if normal < bel:
        shortfall = bel - normal
        bel_used = shortfall - absorb(taxable, shortfall)
    special_u = special_tax_units(taxable)
    rebate_u, relief_u = rebate_87a(rules, total_income, slab_u, special_u)
    return IncomeTax(
        slab_bracket=bracket,
        slab_u=slab_u,
        special_u=special_u,
        taxable_special=taxable,
        threshold_112a=threshold_used,
        basic_exemption_used=bel_used,
        special_total_u=special_u[0] + special_u[1] + special_u[2] + special_u[3],
        rebate_u=rebate_u,
        marginal_relief_u=relief_u,
        normal_after_rebate_u=slab_u - rebate_u - relief_u,
    )
