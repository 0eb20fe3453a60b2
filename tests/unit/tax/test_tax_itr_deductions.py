"""Deductions people claim on ITR-1/ITR-2: HRA u/s 10(13A), 80G, 80E, 80EEA, 80GG, 80DD,
80U, 80DDB, s.24(b) on a let-out property and the 2 lakh set-off limit of s.71(3A).

Each is old-regime only except s.24(b) interest on a let-out property (s.115BAC(2) bars
the exemptions and Chapter VI-A deductions other than 80CCD(2), and the set-off of a
house-property loss against other heads, not the deduction itself).

Ceilings pinned (sections of the Income-tax Act, 1961 as amended; summarised with these
figures in https://incometaxmanagement.in/deduction-in-computing-total-income-under-chapter-vi-a-sections-80a-to-80u
and https://mbrmassociates.in/Blog/6/deduction.aspx): 80DD and 80U 75,000 / 1,25,000
(severe), 80DDB 40,000 / 1,00,000 (senior), 80E actual interest, 80EEA 1,50,000, 80GG
5,000 a month (Rule 11B).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.tax import InvalidTaxInput
from domain.tax.return_types import ReturnNotAllowed
from tests.unit.tax.taxkit import doc, run, step_amounts

AY = "2025-26"  # standard deduction 50,000 old, 75,000 new


def old_deductions(gross: int, **sections: Any) -> int:
    return run(doc(AY, salary={"gross": gross}, **sections)).old.deductions


def test_hra_published_example_metro() -> None:
    # https://citehr.com/amp.php?t=274751: HRA 15,000, basic 30,000, rent 12,000 a month
    # in Mumbai: least of 15,000, 15,000 and 12,000 - 3,000 = 9,000 a month exempt.
    rent = {"basic_da": 3_60_000, "hra_received": 1_80_000, "rent_paid": 1_44_000, "metro": True}
    result = run(doc(AY, salary={"gross": 6_00_000, "house_rent": rent}))
    assert result.old.salary_income == 6_00_000 - 9_000 * 12 - 50_000
    assert result.new.salary_income == 6_00_000 - 75_000  # no HRA exemption (s.115BAC(2))
    assert step_amounts(result.old, "Exempt allowances") == [-1_08_000]


def test_hra_non_metro_forty_percent() -> None:
    # https://www.taxtmi.com/tmi_blog_details?id=393741: basic 7,000 + DA 1,000, HRA 3,000,
    # rent 3,000 a month, not a metro: least of 3,000, 3,000 - 800 = 2,200, 40 % = 3,200.
    rent = {"basic_da": 96_000, "hra_received": 36_000, "rent_paid": 36_000}
    salary = {"gross": 1_32_000, "house_rent": rent, "exempt_allowances": 1_000}
    result = run(doc(AY, salary=salary))
    assert result.old.salary_income == 1_32_000 - 2_200 * 12 - 1_000 - 50_000
    # The share of salary binds when rent is high: 40 % of 96,000.
    rent_high = dict(rent, hra_received=50_000, rent_paid=90_000)
    high = run(doc(AY, salary={"gross": 1_46_000, "house_rent": rent_high})).old
    assert high.salary_income == 1_46_000 - 38_400 - 50_000


def test_hra_needs_rent_above_a_tenth_of_salary() -> None:
    rent = {"basic_da": 6_00_000, "hra_received": 2_40_000, "rent_paid": 50_000, "metro": True}
    result = run(doc(AY, salary={"gross": 10_00_000, "house_rent": rent}))
    assert result.old.salary_income == 10_00_000 - 50_000


def _rent(basic_da: int, hra_received: int) -> dict[str, Any]:
    return {
        "gross": 1_00_000,
        "house_rent": {"basic_da": basic_da, "hra_received": hra_received, "rent_paid": 1},
    }


@pytest.mark.parametrize(
    ("salary", "field"),
    [
        (_rent(1, 2_00_000), "$.salary.house_rent.hra_received"),
        (_rent(2_00_000, 1), "$.salary.house_rent.basic_da"),
    ],
)
def test_hra_parts_of_gross_salary(salary: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidTaxInput) as raised:
        run(doc(AY, salary=salary))
    assert raised.value.field == field


def test_80gg_least_of_three() -> None:
    # Adjusted total income 4,00,000 (4,50,000 - 50,000): rent 1,20,000 less 40,000 =
    # 80,000; 25 % = 1,00,000; 60,000 (5,000 a month): 60,000.
    assert old_deductions(4_50_000, deductions={"80GG_rent_paid": 1_20_000}) == 60_000
    # Rent less 10 %: 70,000 - 40,000 = 30,000.
    assert old_deductions(4_50_000, deductions={"80GG_rent_paid": 70_000}) == 30_000
    # https://www.caclubindia.com/forum/rent-claiming-under-80gg-474617.asp: rent 96,000,
    # adjusted total income 12 lakh: rent less 10 % is negative, so nothing.
    assert old_deductions(12_50_000, deductions={"80GG_rent_paid": 96_000}) == 0
    # The other deductions come off first: 80C 1,50,000 leaves 2,50,000; 25 % = 62,500,
    # rent 90,000 less 25,000 = 65,000, capped at 60,000.
    both = {"80GG_rent_paid": 90_000, "80C": 1_50_000}
    assert old_deductions(4_50_000, deductions=both) == 1_50_000 + 60_000
    # 2,50,000 - 1,50,000 = 1,00,000 left: 25 % = 25,000 binds.
    assert old_deductions(3_00_000, deductions=both) == 1_50_000 + 25_000
    assert run(doc(AY, salary={"gross": 4_50_000}, deductions=both)).new.deductions == 0


def test_80gg_refused_with_hra() -> None:
    rent = {"basic_da": 3_00_000, "hra_received": 1_00_000, "rent_paid": 1_20_000}
    with pytest.raises(InvalidTaxInput) as raised:
        run(
            doc(
                AY,
                salary={"gross": 5_00_000, "house_rent": rent},
                deductions={"80GG_rent_paid": 1_20_000},
            )
        )
    assert raised.value.field == "$.deductions.80GG_rent_paid"


def test_80g_with_and_without_the_qualifying_limit() -> None:
    # https://www.caclubindia.com/forum/calculation-of-80g-deduction-580375.asp: adjusted
    # gross total income 6,00,000, 1,00,000 given at 50 % subject to the qualifying limit:
    # the donation counts up to 60,000 (10 %), half of which is deductible: 30,000.
    limited = {"80G": [{"amount": 1_00_000, "percent": 50, "qualifying_limit": True}]}
    assert old_deductions(6_50_000, deductions=limited) == 30_000
    # https://caclubindia.com/Experts/deduction-availaible-u-s-80-g-453870.asp: 10 % of
    # adjusted GTI 40,000, donation 20,000 at 50 %: 10,000.
    small = {"80G": [{"amount": 20_000, "percent": 50, "qualifying_limit": True}]}
    assert old_deductions(4_50_000, deductions=small) == 10_000
    # Without the limit: 100 % and 50 % of the whole amount.
    free = {"80G": [{"amount": 80_000, "percent": 100}, {"amount": 20_000, "percent": 50}]}
    assert old_deductions(6_50_000, deductions=free) == 90_000
    # Limited donations at 100 % use the limit before those at 50 %; the limit is taken
    # on income after the other deductions (80C 1,50,000: 10 % of 4,50,000 = 45,000).
    mixed = {
        "80C": 1_50_000,
        "80G": [
            {"amount": 30_000, "percent": 50, "qualifying_limit": True},
            {"amount": 40_000, "percent": 100, "qualifying_limit": True},
        ],
    }
    assert old_deductions(6_50_000, deductions=mixed) == 1_50_000 + 40_000 + 5_000 // 2
    assert run(doc(AY, salary={"gross": 6_50_000}, deductions=free)).new.deductions == 0


@pytest.mark.parametrize(
    ("deductions", "age", "allowed"),
    [
        ({"80E": 2_40_000}, 35, 2_40_000),
        ({"80EEA": 2_00_000}, 35, 1_50_000),
        ({"80EEA": 90_000}, 35, 90_000),
        ({"80DD": "disability"}, 35, 75_000),
        ({"80DD": "severe"}, 35, 1_25_000),
        ({"80U": "disability"}, 35, 75_000),
        ({"80U": "severe"}, 35, 1_25_000),
        ({"80DDB": 60_000}, 35, 40_000),
        ({"80DDB": 60_000, "80DDB_senior": True}, 35, 60_000),
        ({"80DDB": 1_60_000, "80DDB_senior": True}, 35, 1_00_000),
    ],
)
def test_fixed_ceilings(deductions: dict[str, Any], age: int, allowed: int) -> None:
    result = run(doc(AY, age=age, salary={"gross": 20_00_000}, deductions=deductions))
    assert result.old.deductions == allowed
    assert result.new.deductions == 0
    section = next(iter(deductions))
    assert step_amounts(result.old, "Chapter VI-A deduction") == [-allowed]
    assert any(s.detail == section for s in result.old.breakdown)


def test_let_out_interest_and_the_2_lakh_set_off_limit() -> None:
    # Annual value 3,00,000 less 30 % = 2,10,000; interest 4,00,000: loss 1,90,000.
    hp = {"let_out_income": 3_00_000, "let_out_interest": 4_00_000}
    result = run(doc(AY, salary={"gross": 12_00_000}, house_property=hp))
    assert result.old.house_property_income == -1_90_000
    assert result.old.gross_total_income == 11_50_000 - 1_90_000
    assert result.old.house_property_loss_carried_forward == 0
    # New regime: the interest is deducted, the loss is not set off (s.115BAC(2)).
    assert result.new.house_property_income == -1_90_000
    assert result.new.gross_total_income == 11_25_000
    assert result.new.house_property_loss_carried_forward == 1_90_000
    # Interest 6,00,000: loss 3,90,000, of which 2,00,000 is set off (s.71(3A)).
    bigger = dict(hp, let_out_interest=6_00_000)
    old = run(doc(AY, salary={"gross": 12_00_000}, house_property=bigger)).old
    assert old.gross_total_income == 11_50_000 - 2_00_000
    assert old.house_property_loss_carried_forward == 1_90_000
    assert step_amounts(old, "Interest on let-out property loan") == [-6_00_000]


def test_let_out_loss_shared_with_self_occupied_interest_under_the_same_limit() -> None:
    hp = {
        "self_occupied_interest": 2_50_000,
        "let_out_income": 1_00_000,
        "let_out_interest": 50_000,
    }
    old = run(doc(AY, salary={"gross": 12_00_000}, house_property=hp)).old
    # 70,000 - 2,00,000 (capped) - 50,000 = -1,80,000, all set off.
    assert old.house_property_income == -1_80_000
    assert old.gross_total_income == 11_50_000 - 1_80_000


def test_updated_return_of_a_loss_is_refused() -> None:
    # s.139(8A), first proviso: no updated return that is a return of a loss.
    hp = {"let_out_income": 1_00_000, "let_out_interest": 5_00_000}
    with pytest.raises(ReturnNotAllowed) as raised:
        run(doc(AY, house_property=hp, filing_date="2026-12-02"))
    assert "loss" in raised.value.message and "139(8A)" in raised.value.message
