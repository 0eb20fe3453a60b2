"""s.111A / s.112A: rates by date of transfer, the s.112A threshold, basic exemption, rebate."""

from __future__ import annotations

from domain.tax import TaxResult
from tests.unit.tax.taxkit import doc, run, step_amounts


def gain(section: str, amount: int, date: str) -> dict[str, object]:
    return {"section": section, "amount": amount, "transfer_date": date}


def test_stcg_rate_changes_on_23_july_2024() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 20_00_000},
            capital_gains=[
                gain("111A", 1_00_000, "2024-07-22"),
                gain("111A", 1_00_000, "2024-07-23"),
            ],
        )
    )
    assert result.new.special_rate_tax == 15_000 + 20_000


def test_ltcg_threshold_used_on_12_5_percent_gains_first() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 20_00_000},
            capital_gains=[
                gain("112A", 2_00_000, "2024-05-01"),
                gain("112A", 1_25_000, "2024-12-01"),
            ],
        )
    )
    # 1,25,000 exempt against the 12.5% gains; 2,00,000 at 10%.
    assert result.new.special_rate_tax == 20_000
    assert step_amounts(result.new, "s.112A threshold") == [-1_25_000]


def test_ltcg_threshold_by_year() -> None:
    for year, date, tax in (
        ("2024-25", "2023-10-01", 10_000),  # (2,00,000 - 1,00,000) x 10%
        ("2026-27", "2025-10-01", 9_375),  # (2,00,000 - 1,25,000) x 12.5%
    ):
        result = run(
            doc(year, salary={"gross": 20_00_000}, capital_gains=[gain("112A", 2_00_000, date)])
        )
        assert result.new.special_rate_tax == tax


def test_unused_basic_exemption_against_special_rate_income() -> None:
    result = run(doc("2026-27", capital_gains=[gain("111A", 5_00_000, "2025-06-01")]))
    # New regime: 4,00,000 exemption; 1,00,000 at 20%; no rebate on special-rate tax.
    assert result.new.special_rate_tax == 20_000
    assert result.new.rebate_87a == 0
    assert result.new.total_tax == 20_800
    # Old regime: 2,50,000 exemption; 2,50,000 at 20% = 50,000; rebate 12,500 (TI 5 lakh).
    assert result.old.special_rate_tax == 50_000
    assert result.old.rebate_87a == 12_500
    assert result.old.total_tax == 39_000


def test_rebate_against_111a_tax_for_ay_2025_26_follows_the_text() -> None:
    # Contested: the text of s.87A (before the Finance Act 2025 proviso) allows it.
    result = run(doc("2025-26", capital_gains=[gain("111A", 5_00_000, "2024-08-01")]))
    assert result.new.special_rate_tax == 40_000
    assert result.new.rebate_87a == 25_000
    assert result.new.total_tax == 15_600


def test_no_rebate_against_112a_tax() -> None:
    # s.112A(6): the rebate is allowed only from tax on income other than these gains.
    result = run(doc("2025-26", capital_gains=[gain("112A", 6_00_000, "2024-10-01")]))
    # 6,00,000 - 1,25,000 threshold - 3,00,000 exemption = 1,75,000 at 12.5%
    assert result.new.special_rate_tax == 21_875
    assert result.new.rebate_87a == 0
    assert result.new.total_tax == 22_750


def test_ay_2026_27_new_regime_rebate_only_against_slab_tax() -> None:
    # Second proviso to s.87A (Finance Act 2025): rebate not against special-rate tax.
    result = run(
        doc(
            "2026-27",
            salary={"gross": 9_75_000},
            capital_gains=[gain("111A", 2_00_000, "2025-09-09")],
        )
    )
    new = result.new
    assert new.total_income == 11_00_000
    assert new.slab_tax == 20_000 + 10_000
    assert new.rebate_87a == 30_000
    assert new.special_rate_tax == 40_000
    assert new.total_tax == 41_600


def test_ay_2026_27_marginal_relief_with_special_income_is_continuous() -> None:
    def tax(salary: int) -> int:
        r: TaxResult = run(
            doc(
                "2026-27",
                salary={"gross": salary},
                capital_gains=[gain("111A", 3_00_000, "2025-09-09")],
            )
        )
        return r.new.total_tax

    at_limit = tax(9_00_000 + 75_000)  # total income exactly 12 lakh
    just_above = tax(9_00_010 + 75_000)
    assert at_limit == 62_400  # 60,000 at 20% on gains, slab tax rebated, cess
    assert 0 <= just_above - at_limit <= 20


def test_surcharge_on_special_rate_tax_capped_at_15_percent() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 3_00_00_000},
            capital_gains=[gain("111A", 1_00_00_000, "2024-10-10")],
        )
    )
    old = result.old
    # Normal income above 2 crore: 25% on slab tax, 15% on the 111A tax.
    assert old.surcharge == (old.slab_tax * 25 + old.special_rate_tax * 15) // 100


def test_gains_alone_past_2_crore_keep_surcharge_at_15_percent() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 50_00_000},
            capital_gains=[gain("112A", 3_00_00_000, "2024-10-10")],
        )
    )
    old = result.old
    assert old.surcharge == (old.slab_tax + old.special_rate_tax) * 15 // 100


def test_surcharge_relief_where_normal_income_crosses_2_crore_with_large_gains() -> None:
    # Contested reading: relief compared at normal income of 2 crore (where the rate moves
    # from 15% to 25%), not at a total income of 2 crore. Tax rises by less than income.
    def liability(gross: int) -> int:
        r: TaxResult = run(
            doc(
                "2025-26",
                salary={"gross": gross},
                capital_gains=[gain("111A", 1_00_00_000, "2024-10-10")],
            )
        )
        return r.old.slab_tax + r.old.special_rate_tax + r.old.surcharge

    below = liability(2_00_00_000 + 50_000)
    above = liability(2_00_10_000 + 50_000)
    assert above > below
    assert above - below <= 10_000
