"""Which return form, and why."""

from __future__ import annotations

from tests.unit.tax.taxkit import doc, run


def test_salary_and_interest_is_itr_1() -> None:
    result = run(
        doc("2025-26", salary={"gross": 12_00_000}, other_sources={"savings_interest": 5_000})
    )
    assert result.itr_form.form == "ITR-1"
    assert any("ITR-3" in r and "ITR-4" in r for r in result.itr_form.reasons)


def test_small_112a_gain_is_itr_1_from_ay_2025_26_only() -> None:
    gain = [{"section": "112A", "amount": 1_00_000, "transfer_date": "2024-11-11"}]
    assert (
        run(doc("2025-26", salary={"gross": 9_00_000}, capital_gains=gain)).itr_form.form == "ITR-1"
    )
    old_gain = [{"section": "112A", "amount": 1_00_000, "transfer_date": "2023-11-11"}]
    assert (
        run(doc("2024-25", salary={"gross": 9_00_000}, capital_gains=old_gain)).itr_form.form
        == "ITR-2"
    )
    big = [{"section": "112A", "amount": 1_25_001, "transfer_date": "2025-11-11"}]
    choice = run(doc("2026-27", salary={"gross": 9_00_000}, capital_gains=big)).itr_form
    assert choice.form == "ITR-2"
    assert "exceed the ITR-1 limit" in choice.reasons[0]


def test_111a_gain_is_itr_2() -> None:
    gain = [{"section": "111A", "amount": 10_000, "transfer_date": "2025-11-11"}]
    choice = run(doc("2026-27", salary={"gross": 9_00_000}, capital_gains=gain)).itr_form
    assert choice.form == "ITR-2"
    assert "111A" in choice.reasons[0]


def test_income_above_50_lakh_is_itr_2() -> None:
    assert run(doc("2026-27", salary={"gross": 50_75_000})).itr_form.form == "ITR-1"
    assert run(doc("2026-27", salary={"gross": 50_85_010})).itr_form.form == "ITR-2"


def test_two_house_properties_is_itr_2() -> None:
    result = run(
        doc(
            "2026-27",
            salary={"gross": 9_00_000},
            house_property={"self_occupied_interest": 10_000, "let_out_income": 1_00_000},
        )
    )
    assert result.itr_form.form == "ITR-2"


def test_loss_carried_forward_in_the_recommended_regime_is_itr_2() -> None:
    result = run(
        doc(
            "2024-25",
            other_sources={"other": 1_00_000},
            house_property={"self_occupied_interest": 2_00_000},
            deductions={"80C": 1_50_000},
        )
    )
    # both regimes owe nothing; the tie goes to the new regime, which has no loss
    assert result.recommended == "new"
    assert result.itr_form.form == "ITR-1"
