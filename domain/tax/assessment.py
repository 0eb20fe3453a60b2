"""One regime's tax on income, stage by stage, as the Act computes it.

    heads of income (`income_heads`, `house_property`)
    -> house-property loss set off against the other heads (`house_property`, s.71(3A))
    -> Chapter VI-A deductions (`chapter_via`)               [`total_income.income_before_gains`]
    -> loss set off against special-rate gains, gross total income,
       total income rounded u/s 288A                          [`total_income.total_income`]
    -> tax at the slab and special rates, rebate u/s 87A      [`income_tax`]
    -> surcharge with marginal relief, cess                   [`surcharge`]
    -> total tax rounded u/s 288B                             [`money`]

Each stage returns an immutable struct; an `Assessment` holds them all, for the result, the
breakdown and the choice of return form. Money is whole rupees unless the name ends in `_u`
(units of 10**-7 rupee, see `money`) or `_300` (1/300ths of a rupee, see `income_heads`).
"""

from __future__ import annotations

import msgspec

from domain.tax.income_tax import IncomeTax, income_tax
from domain.tax.inputs import TaxInput
from domain.tax.money import round_288b_units
from domain.tax.rules import RegimeRules, SlabTable, YearRules
from domain.tax.surcharge import Surcharge, cess_units, surcharge_with_relief
from domain.tax.total_income import Income, TotalIncome, income_before_gains, total_income


class Assessment(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    year: YearRules
    rules: RegimeRules
    table: SlabTable
    """The slab rates for the taxpayer's age in this regime."""
    income: Income
    gains: list[int]
    """Special-rate gains per bucket as declared."""
    total: TotalIncome
    tax: IncomeTax
    surcharge: Surcharge
    cess_u: int
    total_tax: int
    """Income-tax, surcharge and cess, rounded u/s 288B."""

    @property
    def total_income(self) -> int:
        return self.total.total_income

    def with_gains(self, gains: list[int]) -> Assessment:
        """The same income with other special-rate gains (s.234C: those transferred by an
        instalment date)."""
        return tax_on(self.year, self.rules, self.table, self.income, gains)

    @property
    def tax_before_cess_u(self) -> int:
        """Income-tax after rebate plus surcharge after relief, exact (the amount the Act's
        marginal reliefs bound)."""
        tax = self.tax
        return tax.normal_after_rebate_u + tax.special.total_u + self.surcharge.payable_u


def assess(inp: TaxInput, year: YearRules, rules: RegimeRules, gains: list[int]) -> Assessment:
    """One regime's tax on `inp`, with special-rate `gains` given per bucket."""
    return tax_on(
        year, rules, rules.slab_table(inp.age), income_before_gains(inp, year, rules), gains
    )


def tax_on(
    year: YearRules, rules: RegimeRules, table: SlabTable, income: Income, gains: list[int]
) -> Assessment:
    """The tax on `income` with special-rate `gains` per bucket (s.234C asks again with the
    gains of transfers up to each instalment)."""
    total = total_income(income, gains)
    tax = income_tax(year, rules, table, total.normal, total.special, total.total_income)
    surcharge = surcharge_with_relief(
        year, rules, table, total.total_income, total.normal, total.special, tax
    )
    tax_u = tax.normal_after_rebate_u + tax.special.total_u + surcharge.payable_u
    cess_u = cess_units(rules, tax_u)
    return Assessment(
        year=year,
        rules=rules,
        table=table,
        income=income,
        gains=gains,
        total=total,
        tax=tax,
        surcharge=surcharge,
        cess_u=cess_u,
        total_tax=round_288b_units(tax_u + cess_u),
    )
