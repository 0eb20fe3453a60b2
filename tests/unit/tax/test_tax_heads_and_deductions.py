"""Heads of income, set-off and Chapter VI-A, regime by regime."""

from __future__ import annotations

from tests.unit.tax.taxkit import doc, run, step_amounts


def test_standard_deduction_by_regime_and_year() -> None:
    for year, new_sd in (("2024-25", 50_000), ("2025-26", 75_000), ("2026-27", 75_000)):
        result = run(doc(year, salary={"gross": 10_00_000}))
        assert result.old.salary_income == 9_50_000
        assert result.new.salary_income == 10_00_000 - new_sd


def test_exempt_allowances_and_professional_tax_old_regime_only() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 10_00_000, "exempt_allowances": 1_00_000, "professional_tax": 3_000},
        )
    )
    # Professional tax is capped at 2,500 (Article 276(2)).
    assert result.old.salary_income == 10_00_000 - 1_00_000 - 50_000 - 2_500
    assert result.new.salary_income == 10_00_000 - 75_000


def test_standard_deduction_never_exceeds_salary() -> None:
    result = run(doc("2026-27", salary={"gross": 30_000}))
    assert result.old.salary_income == 0
    assert result.new.salary_income == 0


def test_family_pension_deduction() -> None:
    # s.57(iia): a third, at most 15,000 (old; new AY 2024-25) or 25,000 (new from 2025-26).
    for year, new_cap in (("2024-25", 15_000), ("2025-26", 25_000), ("2026-27", 25_000)):
        result = run(doc(year, salary={"family_pension": 1_20_000}))
        assert result.old.other_sources_income == 1_05_000
        assert result.new.other_sources_income == 1_20_000 - new_cap
    small = run(doc("2026-27", salary={"family_pension": 30_000}))
    assert small.new.other_sources_income == 20_000


def test_let_out_property_thirty_percent() -> None:
    result = run(doc("2025-26", house_property={"let_out_income": 2_00_000}))
    assert result.old.house_property_income == 1_40_000
    assert result.new.house_property_income == 1_40_000


def test_self_occupied_interest_old_regime_capped_new_regime_nil() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 20_00_000},
            house_property={"self_occupied_interest": 2_50_000},
        )
    )
    assert result.old.house_property_income == -2_00_000
    assert result.old.gross_total_income == 19_50_000 - 2_00_000
    assert result.new.house_property_income == 0
    assert result.new.gross_total_income == 19_25_000


def test_house_property_loss_beyond_other_income_is_carried_forward() -> None:
    result = run(
        doc(
            "2025-26",
            salary={"gross": 1_50_000},
            house_property={"self_occupied_interest": 2_00_000},
        )
    )
    assert result.old.gross_total_income == 0
    assert result.old.house_property_loss_carried_forward == 1_00_000
    assert result.itr_form.form == "ITR-1"  # recommended regime is new: no loss there


def test_house_property_loss_set_off_against_capital_gains() -> None:
    result = run(
        doc(
            "2026-27",
            house_property={"self_occupied_interest": 2_00_000},
            capital_gains=[{"section": "111A", "amount": 5_00_000, "transfer_date": "2025-09-01"}],
        )
    )
    assert result.old.gross_total_income == 3_00_000
    assert step_amounts(result.old, "House property loss set off") == [2_00_000]


def test_chapter_via_caps_old_regime() -> None:
    result = run(
        doc(
            "2025-26",
            age=40,
            salary={"gross": 30_00_000},
            other_sources={"savings_interest": 40_000},
            deductions={
                "80C": 2_00_000,
                "80CCD(1B)": 80_000,
                "80D_self": 40_000,
                "80D_parents": 60_000,
                "parents_senior": True,
                "80TTA": 40_000,
                "80TTB": 40_000,
            },
        )
    )
    # 1,50,000 + 50,000 + 25,000 + 50,000 + 10,000 (80TTB not for below 60)
    assert result.old.deductions == 2_85_000
    assert result.new.deductions == 0


def test_chapter_via_senior_limits() -> None:
    result = run(
        doc(
            "2025-26",
            age=65,
            salary={"gross": 10_00_000},
            other_sources={"savings_interest": 20_000, "other": 60_000},
            deductions={
                "80D_self": 60_000,
                "80D_parents": 30_000,
                "80TTA": 10_000,
                "80TTB": 70_000,
            },
        )
    )
    # 80D self 50,000 (senior), parents 25,000, 80TTA not for seniors, 80TTB 50,000
    assert result.old.deductions == 1_25_000


def test_80ccd2_employer_nps_ceiling_by_regime_and_year() -> None:
    gross = 20_00_000
    nps = 3_00_000
    for year, new_pct in (("2024-25", 10), ("2025-26", 14), ("2026-27", 14)):
        result = run(doc(year, salary={"gross": gross, "employer_nps": nps}))
        assert result.old.deductions == gross * 10 // 100
        assert result.new.deductions == gross * new_pct // 100


def test_deductions_limited_to_income_excluding_special_rate_income() -> None:
    result = run(
        doc(
            "2026-27",
            salary={"gross": 1_50_000},
            capital_gains=[{"section": "111A", "amount": 10_00_000, "transfer_date": "2025-05-05"}],
            deductions={"80C": 1_50_000},
        )
    )
    assert result.old.deductions == 1_00_000
    assert result.old.total_income == 10_00_000


def test_total_income_rounded_to_ten() -> None:
    result = run(doc("2026-27", salary={"gross": 10_00_004}))
    assert result.old.total_income == 9_50_000
    result = run(doc("2026-27", salary={"gross": 10_00_005}))
    assert result.old.total_income == 9_50_010


def test_total_tax_rounded_to_ten_rupees() -> None:
    result = run(doc("2026-27", salary={"gross": 20_00_030}))
    assert result.new.total_tax % 10 == 0
    assert result.old.total_tax % 10 == 0
