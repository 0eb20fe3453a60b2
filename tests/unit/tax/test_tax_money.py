"""The Act's roundings and the exact units."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.tax.money import (
    UNIT,
    floor_100,
    inr,
    round_288a,
    round_288b_signed,
    round_288b_units,
)
from domain.tax.rules import YEAR_RULES
from domain.tax.slabs import slab_tax_units


def test_288a_nearest_ten_five_goes_up() -> None:
    assert [round_288a(x) for x in (0, 4, 5, 9, 10, 14, 15, 12_34_564, 12_34_565)] == [
        0,
        0,
        10,
        10,
        10,
        10,
        20,
        12_34_560,
        12_34_570,
    ]


def test_288b_ignores_paise_first() -> None:
    # 1,234.99 rupees: paise ignored -> 1,234 -> 1,230 (not 1,235 -> 1,240)
    assert round_288b_units(1_234 * UNIT + UNIT - 1) == 1_230
    assert round_288b_units(1_235 * UNIT) == 1_240
    assert round_288b_signed(-1_235) == -1_240
    assert round_288b_signed(-1_234) == -1_230


def test_rule_119a_hundreds() -> None:
    assert [floor_100(x) for x in (-5, 0, 99, 100, 1_999)] == [0, 0, 0, 100, 1_900]


def test_indian_grouping() -> None:
    assert inr(0) == "0"
    assert inr(99_999) == "99,999"
    assert inr(1_00_000) == "1,00,000"
    assert inr(12_34_56_789) == "12,34,56,789"
    assert inr(1_23_45_67_89_012) == "1,23,45,67,89,012"
    assert inr(-5_00_000) == "-5,00,000"


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12))
def test_indian_grouping_reads_back(amount: int) -> None:
    text = inr(amount)
    assert int(text.replace(",", "")) == amount
    groups = text.split(",")
    assert len(groups[-1]) == 3 or len(groups) == 1
    assert all(len(g) == 2 for g in groups[1:-1])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(YEAR_RULES)), st.integers(0, 10**10))
def test_slab_tax_matches_bracket_by_bracket(year: str, income: int) -> None:
    for rules in (YEAR_RULES[year].old, YEAR_RULES[year].new):
        for table in (rules.slabs_below_60, rules.slabs_60_to_79, rules.slabs_80_plus):
            expected = 0
            bounds = (*table.lowers, None)
            for i, rate in enumerate(table.rates):
                lower, upper = bounds[i], bounds[i + 1]
                assert lower is not None
                top = income if upper is None else min(income, upper)
                if top > lower:
                    expected += (top - lower) * rate
            assert slab_tax_units(table, income) == expected * UNIT // 1000
