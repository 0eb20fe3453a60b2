"""Income under the heads "Salaries" and "Income from other sources".

Income is carried in 1/300ths of a rupee (`money.INCOME_SCALE`) until total income is rounded:
the family-pension deduction is a third of the pension (s.57(iia)), the s.24(a) deduction
30 % of annual value and the s.80CCD(2) ceiling 10 % or 14 % of salary, so 300 is the
smallest scale at which every head and deduction is exact. s.288A then ignores the paise.

Conventions of the input (documented here because the input schema is shared):
* `salary.gross` is gross salary as in Form 16 Part B: it includes the employer's NPS
  contribution (a perquisite u/s 17(2)(viii)) and any allowances later claimed exempt;
* `salary.family_pension` is a family pension received as a dependant of a deceased
  employee. It is not salary: it is taxed under "Income from other sources", less the
  s.57(iia) deduction, and gets no standard deduction;
* `salary.house_rent` gives what s.10(13A) needs; the HRA exemption worked out from it is
  added to `exempt_allowances` (old regime only, s.115BAC(2));
* `salary.professional_tax` is the tax on employment paid (s.16(iii)); Article 276(2) of the
  Constitution caps such a tax at 2,500 a year, so no more is deducted.
"""

from __future__ import annotations

from typing import Final

import msgspec

from domain.tax.house_property import house_property_scaled
from domain.tax.inputs import HouseRent, OtherSources, Salary, TaxInput
from domain.tax.money import INCOME_SCALE
from domain.tax.rules import RegimeRules

PROFESSIONAL_TAX_CAP: Final = 2_500


class Heads(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Income under each head in one regime: whole rupees, or 1/300ths of a rupee where
    the name ends in `_300`."""

    salary: int
    """Income from salary: gross less s.10 exemptions and the s.16 deductions."""
    exempt_allowances: int
    standard_deduction: int
    professional_tax: int
    other_sources_300: int
    house_property_300: int
    """Income from house property; negative for a loss (set off by `house_property`)."""
    self_occupied_interest: int
    """s.24(b) interest allowed on the self-occupied home."""


def income_by_head(inp: TaxInput, rules: RegimeRules) -> Heads:
    """Salaries (ss.15-17), house property (ss.22-24) and other sources (ss.56-57)."""
    salary, exempt, standard, professional = salary_income(inp.salary, rules)
    other = inp.other_sources
    pension = inp.salary.family_pension
    if pension:
        other_300 = other_sources_scaled(other, pension, rules)
    else:
        other_300 = INCOME_SCALE * (other.savings_interest + other.other)
    hp = inp.house_property
    if hp.let_out_income or hp.self_occupied_interest or hp.let_out_interest:
        hp_300, interest = house_property_scaled(hp, rules)
    else:
        hp_300 = interest = 0
    return Heads(
        salary=salary,
        exempt_allowances=exempt,
        standard_deduction=standard,
        professional_tax=professional,
        other_sources_300=other_300,
        house_property_300=hp_300,
        self_occupied_interest=interest,
    )


def hra_exemption(rent: HouseRent) -> int:
    """s.10(13A) with Rule 2A: the least of the HRA received, the rent paid less 10 % of
    salary, and 50 % (metro) or 40 % of salary; whole rupees, paise ignored."""
    basic = rent.basic_da
    tenth_up = -(-basic // 10)
    over_tenth = rent.rent_paid - tenth_up
    share = basic * (50 if rent.metro else 40) // 100
    exempt = min(rent.hra_received, over_tenth, share)
    return exempt if exempt > 0 else 0


def salary_income(salary: Salary, rules: RegimeRules) -> tuple[int, int, int, int]:
    """(income under the head, s.10 exemptions, s.16(ia) and s.16(iii) deductions)."""
    gross = salary.gross
    if rules.exempt_allowances_and_professional_tax:
        exempt = salary.exempt_allowances
        if salary.house_rent is not None:
            exempt += hra_exemption(salary.house_rent)
        if exempt > gross:
            exempt = gross
        professional = min(salary.professional_tax, PROFESSIONAL_TAX_CAP)
    else:
        exempt = professional = 0
    chargeable = gross - exempt
    standard = rules.standard_deduction if rules.standard_deduction < chargeable else chargeable
    chargeable -= standard
    if professional > chargeable:
        professional = chargeable
    return chargeable - professional, exempt, standard, professional


def family_pension_deduction_scaled(family_pension: int, rules: RegimeRules) -> int:
    """s.57(iia): one third of the family pension or the cap, whichever is less (in 1/300ths)."""
    third = 100 * family_pension
    cap = INCOME_SCALE * rules.family_pension_cap
    return third if third < cap else cap


def other_sources_scaled(other: OtherSources, family_pension: int, rules: RegimeRules) -> int:
    """Income from other sources in 1/300ths: interest, other income, family pension net."""
    gross = other.savings_interest + other.other + family_pension
    return INCOME_SCALE * gross - family_pension_deduction_scaled(family_pension, rules)
