"""The working of one regime's computation: every intermediate figure, exact.

Filled in by `engine.assess`, read by `breakdown.explain` and by the result builder. Money
is whole rupees unless the name ends in `_u` (units of 10**-7 rupee, see `money`) or
`_300` (1/300ths of a rupee, see `income_heads`).
"""

from __future__ import annotations

from domain.tax.rules import RegimeRules, SlabTable


class Assessment:
    __slots__ = (
        "bel_used",
        "buckets",
        "carried_forward",
        "cess_u",
        "claims",
        "claims_300",
        "deductions",
        "exempt_allowances",
        "gains",
        "gross_total_income",
        "hp_300",
        "hp_interest",
        "normal",
        "other_300",
        "professional_tax",
        "rebate_u",
        "relief_u",
        "rules",
        "salary",
        "setoff_normal_300",
        "setoff_special",
        "slab_u",
        "special_u",
        "standard_deduction",
        "surcharge_band",
        "surcharge_relief_u",
        "surcharge_u",
        "table",
        "taxable",
        "threshold_used",
        "total_income",
        "total_income_exact",
        "total_tax",
        "total_u",
    )

    rules: RegimeRules
    table: SlabTable
    salary: int
    exempt_allowances: int
    standard_deduction: int
    professional_tax: int
    other_300: int
    hp_300: int
    hp_interest: int
    gains: list[int]
    """Special-rate gains per bucket as declared."""
    setoff_normal_300: int
    setoff_special: int
    carried_forward: int
    buckets: list[int]
    """Special-rate income per bucket after set-off and rounding: part of total income."""
    gross_total_income: int
    claims: list[tuple[str, int]]
    claims_300: int
    deductions: int
    total_income_exact: int
    total_income: int
    normal: int
    """Total income taxed at the slab rates."""
    threshold_used: int
    bel_used: int
    taxable: list[int]
    """Special-rate income per bucket actually taxed (after the s.112A threshold and BEL)."""
    slab_u: int
    special_u: list[int]
    rebate_u: int
    relief_u: int
    surcharge_band: int
    surcharge_u: int
    surcharge_relief_u: int
    cess_u: int
    total_u: int
    total_tax: int

    @property
    def tax_before_cess_u(self) -> int:
        """Income-tax after rebate plus surcharge after relief, exact (the amount the Act's
        marginal reliefs bound)."""
        return (
            self.slab_u
            + sum(self.special_u)
            - self.rebate_u
            - self.relief_u
            + self.surcharge_u
            - self.surcharge_relief_u
        )
