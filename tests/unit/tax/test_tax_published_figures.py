"""Figures published by the Government, reproduced by the engine.

Each test names its source. "Taxable income" is built as a salary whose gross is the taxable
income plus the standard deduction of the regime and year.
"""

from __future__ import annotations

import pytest

from tests.unit.tax.taxkit import doc, new_regime_on_taxable, old_regime_on_taxable, run

LAKH = 100_000


# Budget Speech 2025-26 (1 Feb 2025), Annexure to Part B, and the Income Tax Department's
# FAQs on the new regime of the same day (Q4, "tax benefit for different categories"): tax
# on slabs and rates, existing (AY 2025-26) and proposed (AY 2026-27).
BUDGET_2025_TABLE = [
    # (income, tax AY 2025-26, tax AY 2026-27 before rebate)
    (8 * LAKH, 30_000, 20_000),
    (9 * LAKH, 40_000, 30_000),
    (10 * LAKH, 50_000, 40_000),
    (11 * LAKH, 65_000, 50_000),
    (12 * LAKH, 80_000, 60_000),
    (16 * LAKH, 170_000, 120_000),
    (20 * LAKH, 290_000, 200_000),
    (24 * LAKH, 410_000, 300_000),
    (50 * LAKH, 1_190_000, 1_080_000),
]


@pytest.mark.parametrize(("income", "tax_2025_26", "tax_2026_27"), BUDGET_2025_TABLE)
def test_budget_2025_slab_tax_table(income: int, tax_2025_26: int, tax_2026_27: int) -> None:
    assert new_regime_on_taxable("2025-26", income).slab_tax == tax_2025_26
    assert new_regime_on_taxable("2026-27", income).slab_tax == tax_2026_27


@pytest.mark.parametrize("income", [8 * LAKH, 9 * LAKH, 10 * LAKH, 11 * LAKH, 12 * LAKH])
def test_budget_2025_no_tax_up_to_12_lakh(income: int) -> None:
    # Same table, column "Tax after rebate": nil up to 12 lakh (rebate u/s 87A of 60,000).
    regime = new_regime_on_taxable("2026-27", income)
    assert regime.rebate_87a == regime.slab_tax
    assert regime.total_tax == 0


@pytest.mark.parametrize(
    ("income", "payable_before_cess", "total_tax"),
    [
        (12_00_000, 0, 0),
        # Income Tax Department FAQs on Budget 2025 (marginal relief u/s 87A): at 12,10,000
        # tax of 61,500 is cut to 10,000 by marginal relief of 51,500; with 4% cess, 10,400.
        # The rows after it apply the same proviso (relief ends near 12,75,000).
        (12_10_000, 10_000, 10_400),
        (12_50_000, 50_000, 52_000),
        (12_70_000, 70_000, 72_800),
        (12_75_000, 71_250, 74_100),
    ],
)
def test_ay_2026_27_marginal_relief_above_12_lakh(
    income: int, payable_before_cess: int, total_tax: int
) -> None:
    regime = new_regime_on_taxable("2026-27", income)
    assert regime.slab_tax - regime.rebate_87a - regime.marginal_relief == payable_before_cess
    assert regime.total_tax == total_tax


def test_ay_2026_27_marginal_relief_at_12_10_000_is_51_500() -> None:
    regime = new_regime_on_taxable("2026-27", 12_10_000)
    assert regime.slab_tax == 61_500
    assert regime.marginal_relief == 51_500
    assert regime.rebate_87a == 0


def test_budget_july_2024_salaried_saves_up_to_17_500() -> None:
    # Budget Speech 2024-25 (23 July 2024), para on personal income tax: with the standard
    # deduction raised to 75,000 and the slabs revised, "a salaried employee in the new tax
    # regime stands to save up to 17,500 in income tax" (before cess).
    gross = 20 * LAKH
    before = run(doc("2024-25", salary={"gross": gross})).new
    after = run(doc("2025-26", salary={"gross": gross})).new
    assert before.slab_tax - after.slab_tax == 17_500


def test_finance_act_2023_new_regime_rebate_up_to_7_lakh() -> None:
    # s.87A first proviso (Finance Act 2023): total income up to 7 lakh pays no tax in the
    # new regime; slab tax on 7 lakh in AY 2024-25 is 25,000 = the maximum rebate.
    regime = new_regime_on_taxable("2024-25", 7 * LAKH)
    assert regime.slab_tax == 25_000
    assert regime.total_tax == 0


def test_finance_act_2023_marginal_relief_above_7_lakh() -> None:
    # s.87A proviso (b): at 7,10,000 the tax of 26,000 may not exceed the 10,000 above 7 lakh.
    regime = new_regime_on_taxable("2024-25", 7_10_000)
    assert regime.slab_tax == 26_000
    assert regime.marginal_relief == 16_000
    assert regime.total_tax == 10_400


def test_old_regime_rebate_up_to_5_lakh_and_no_marginal_relief() -> None:
    # s.87A main provision: up to 5 lakh, rebate up to 12,500; no relief above (a cliff).
    at_limit = old_regime_on_taxable("2025-26", 5 * LAKH)
    assert at_limit.slab_tax == 12_500
    assert at_limit.total_tax == 0
    above = old_regime_on_taxable("2025-26", 5 * LAKH + 10)
    assert above.rebate_87a == 0
    assert above.marginal_relief == 0
    assert above.total_tax == 13_000  # 12,502 + 4% cess = 13,002.08 -> 13,000


@pytest.mark.parametrize(
    ("age", "tax_on_10_lakh"),
    [(35, 112_500), (65, 110_000), (85, 100_000)],
)
def test_old_regime_age_bands(age: int, tax_on_10_lakh: int) -> None:
    # First Schedule Part III: basic exemption 2.5 lakh, 3 lakh (60-79), 5 lakh (80+).
    assert old_regime_on_taxable("2026-27", 10 * LAKH, age=age).slab_tax == tax_on_10_lakh


def test_surcharge_marginal_relief_at_50_lakh() -> None:
    # First Schedule Part I Para A, marginal-relief proviso (a): at 51 lakh (old regime) the
    # tax of 13,42,500 plus 10% surcharge 1,34,250 may not exceed the tax on 50 lakh
    # (13,12,500) by more than 1,00,000: relief 64,250, tax and surcharge 14,12,500.
    regime = old_regime_on_taxable("2025-26", 51 * LAKH)
    assert regime.slab_tax == 13_42_500
    assert regime.surcharge_marginal_relief == 64_250
    assert regime.slab_tax + regime.surcharge == 14_12_500
    assert regime.total_tax == 14_69_000  # 14,12,500 + 56,500 cess


def test_surcharge_marginal_relief_at_1_crore() -> None:
    # Proviso (b): at 1.01 crore, tax 28,42,500 + 15% = 32,68,875 against 30,93,750 on
    # 1 crore (with 10%) plus 1,00,000: relief 75,125.
    regime = old_regime_on_taxable("2025-26", 101 * LAKH)
    assert regime.slab_tax == 28_42_500
    assert regime.surcharge_marginal_relief == 75_125
    assert regime.slab_tax + regime.surcharge == 31_93_750


def test_new_regime_surcharge_capped_at_25_percent() -> None:
    # s.115BAC(1A) taxpayers: the 37% surcharge does not apply (Finance Act 2023).
    new = new_regime_on_taxable("2025-26", 6 * 100 * LAKH)
    old = old_regime_on_taxable("2025-26", 6 * 100 * LAKH)
    assert new.surcharge * 100 == new.slab_tax * 25
    assert old.surcharge * 100 == old.slab_tax * 37


def test_cess_is_four_percent() -> None:
    regime = new_regime_on_taxable("2026-27", 20 * LAKH)
    assert regime.cess == 8_000
    assert regime.total_tax == 2_08_000
