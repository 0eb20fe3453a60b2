"""Rebate under s.87A, with the new regime's marginal relief.

* Old regime: total income up to 5,00,000 -> rebate of the tax, at most 12,500. No marginal
  relief above the limit (the Act gives none: a real cliff at 5,00,000).
* New regime (first proviso): up to 7,00,000 / 25,000 (AY 2024-25, 2025-26) or
  12,00,000 / 60,000 (AY 2026-27); above the limit, relief equal to the amount by which the
  tax exceeds the income above the limit.
* Never against tax on s.112A gains (s.112A(6)). AY 2026-27 new regime: never against tax at
  special rates at all (second proviso inserted by the Finance Act 2025: the deduction may
  not exceed the tax at the s.115BAC(1A) rates).
* Contested, decided here: for AY 2024-25 and 2025-26 the text of s.87A allows the rebate
  against tax on s.111A gains in either regime (the e-filing utility refused it from July
  2024; the Bombay High Court in Chetan Ferreira v. CBDT, Jan 2025, directed that claims be
  accepted; the Finance Act 2025 restriction is prospective). The engine follows the text.
* Contested, decided here: the marginal relief is limited to the tax the rebate may be set
  against and to the maximum rebate. With normal income alone neither limit ever binds (tax at
  the limit is at most the maximum rebate), but with special-rate income the literal proviso
  would make tax fall by tens of thousands as income crosses the limit; the limits keep the
  relief what it is meant to be, relief from the loss of the rebate.
"""

from __future__ import annotations

from domain.tax.money import UNIT
from domain.tax.rules import RegimeRules


def rebate_87a(
    rules: RegimeRules, total_income: int, slab_units: int, special_units: list[int]
) -> tuple[int, int]:
    """(rebate, marginal relief), both in units."""
    rebatable = slab_units
    if rules.rebate_on_111a:
        rebatable += special_units[0] + special_units[1]  # SECTION_111A_BUCKETS
    if rebatable <= 0:
        return 0, 0
    ceiling = rules.rebate_max * UNIT
    if rebatable < ceiling:
        ceiling = rebatable
    if total_income <= rules.rebate_limit:
        return ceiling, 0
    if not rules.rebate_marginal_relief:
        return 0, 0
    tax = slab_units + special_units[0] + special_units[1] + special_units[2] + special_units[3]
    over = tax - (total_income - rules.rebate_limit) * UNIT
    if over <= 0:
        return 0, 0
    return 0, over if over < ceiling else ceiling
