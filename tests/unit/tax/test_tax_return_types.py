"""Return types: which return a filing date allows, why, and the s.140B additional tax.

Sources:
* s.139(1), (4), (5), (8A) and s.140B(3) of the Income-tax Act, 1961 as amended by the
  Finance Act 2025 (updated return within 48 months; 25/50/60/70 %), CBDT/ITD FAQs on
  updated returns (https://www.incometax.gov.in/iec/foportal/help/individual/return-applicable-1
  "ITR-U"), and the Finance Bill 2026 (revised return until 31 March from AY 2026-27,
  https://www.livelawbiz.com/... "Budget 2026-27 Proposes 12-Month Window").
"""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tax import InvalidTaxInput, result_from_builtins, result_to_builtins
from domain.tax.return_types import (
    ReturnNotAllowed,
    ReturnType,
    additional_tax_140b,
    classify_return,
    windows,
)
from tests.unit.tax.taxkit import doc, run

D = dt.date


def test_windows_of_ay_2024_25() -> None:
    original, belated, revised, updated = windows("2024-25")
    assert (original.section, original.opens, original.closes) == (
        "139(1)",
        D(2024, 4, 1),
        D(2024, 7, 31),
    )
    assert (belated.section, belated.opens, belated.closes) == (
        "139(4)",
        D(2024, 8, 1),
        D(2024, 12, 31),
    )
    assert (revised.section, revised.opens, revised.closes) == (
        "139(5)",
        D(2024, 4, 1),
        D(2024, 12, 31),
    )
    # 48 months from the end of AY 2024-25 (31 March 2025): 31 March 2029.
    assert (updated.section, updated.opens, updated.closes) == (
        "139(8A)",
        D(2025, 1, 1),
        D(2029, 3, 31),
    )


def test_revised_returns_until_31_march_from_ay_2026_27() -> None:
    # Finance Bill 2026, clause amending s.139(5): twelve months from the end of the
    # previous year, from AY 2026-27 (fee u/s 234I after nine months).
    assert windows("2026-27")[2].closes == D(2027, 3, 31)
    assert windows("2027-28")[2].closes == D(2028, 3, 31)
    assert windows("2025-26")[2].closes == D(2025, 12, 31)
    decision = classify_return("2026-27", D(2027, 2, 1), revises=True)
    assert decision.return_type is ReturnType.REVISED
    # A first return is still belated only until 31 December.
    assert classify_return("2026-27", D(2027, 1, 2), revises=False).return_type == "updated"


@pytest.mark.parametrize(
    ("day", "revises", "expected"),
    [
        (D(2024, 4, 1), False, ReturnType.ORIGINAL),
        (D(2024, 7, 31), False, ReturnType.ORIGINAL),
        (D(2024, 8, 1), False, ReturnType.BELATED),
        (D(2024, 12, 31), False, ReturnType.BELATED),
        (D(2025, 1, 1), False, ReturnType.UPDATED),
        (D(2029, 3, 31), False, ReturnType.UPDATED),
        (D(2024, 4, 1), True, ReturnType.REVISED),
        (D(2024, 12, 31), True, ReturnType.REVISED),
        (D(2025, 1, 1), True, ReturnType.UPDATED),
        (D(2029, 3, 31), True, ReturnType.UPDATED),
    ],
)
def test_classification(day: dt.date, revises: bool, expected: ReturnType) -> None:
    decision = classify_return("2024-25", day, revises=revises)
    assert decision.return_type is expected
    assert decision.window.opens <= day <= decision.window.closes
    assert decision.window.section in decision.reason


def test_updated_return_reason_names_the_section_and_the_last_day() -> None:
    decision = classify_return("2024-25", D(2026, 12, 2), revises=False)
    assert decision.return_type == "updated"
    assert "139(8A)" in decision.reason
    assert "2029-03-31" in decision.reason
    assert "2024-12-31" in decision.reason


@pytest.mark.parametrize(
    ("day", "revises"),
    [
        (D(2024, 3, 31), False),
        (D(2029, 4, 1), False),
        (D(2024, 3, 31), True),
        (D(2029, 4, 1), True),
    ],
)
def test_outside_every_window(day: dt.date, revises: bool) -> None:
    with pytest.raises(ReturnNotAllowed) as raised:
        classify_return("2024-25", day, revises=revises)
    error = raised.value
    assert isinstance(error, InvalidTaxInput)
    assert error.field == "$.filing_date"
    assert "139(8A)" in error.message
    assert "2029-03-31" in error.message
    assert ("139(5)" if revises else "139(1)") in error.message


def test_unsupported_year() -> None:
    with pytest.raises(InvalidTaxInput) as raised:
        windows("2023-24")
    assert raised.value.field == "$.assessment_year"


@pytest.mark.parametrize(
    ("day", "pct"),
    [
        # s.140B(3) as amended by the Finance Act 2025: 25 % within 12 months from the end
        # of the relevant assessment year, 50 % within 24, 60 % within 36, 70 % within 48.
        (D(2025, 1, 1), 25),
        (D(2026, 3, 31), 25),
        (D(2026, 4, 1), 50),
        (D(2027, 3, 31), 50),
        (D(2027, 4, 1), 60),
        (D(2028, 3, 31), 60),
        (D(2028, 4, 1), 70),
        (D(2029, 3, 31), 70),
    ],
)
def test_additional_tax_percentages(day: dt.date, pct: int) -> None:
    assert additional_tax_140b("2024-25", day, 1_00_000) == (pct, pct * 1_000)


def test_additional_tax_is_rounded_to_ten_and_needs_an_updated_return() -> None:
    assert additional_tax_140b("2024-25", D(2025, 6, 1), 12_345) == (25, 3_090)
    with pytest.raises(ReturnNotAllowed):
        additional_tax_140b("2024-25", D(2024, 12, 31), 12_345)
    with pytest.raises(ReturnNotAllowed):
        additional_tax_140b("2024-25", D(2029, 4, 1), 12_345)


_UPDATED_DAYS = st.dates(D(2025, 1, 1), D(2029, 3, 31))


@given(_UPDATED_DAYS, _UPDATED_DAYS, st.integers(0, 10**12))
def test_additional_tax_never_negative_nor_smaller_later(a: dt.date, b: dt.date, base: int) -> None:
    early, late = min(a, b), max(a, b)
    pct_early, tax_early = additional_tax_140b("2024-25", early, base)
    pct_late, tax_late = additional_tax_140b("2024-25", late, base)
    assert 0 <= tax_early <= tax_late
    assert 25 <= pct_early <= pct_late <= 70


def test_ay_2027_28_is_tax_year_2026_27_with_fy_2025_26_rates() -> None:
    # Budget 2026 kept the slabs, the s.87A rebate and the standard deduction (Taxmann,
    # "Highlights of the Finance Bill 2026": no change to rates under either regime).
    same = {"salary": {"gross": 12_75_000}}
    assert run(doc("2027-28", **same)).new.total_tax == 0
    for sections in (
        {"salary": {"gross": 16_75_000}},
        {"salary": {"gross": 9_50_000}, "deductions": {"80C": 1_50_000}},
        {"salary": {"gross": 60_00_000}, "taxes_paid": {"tds": 15_00_000}},
    ):
        tax_year = run(doc("2027-28", **sections))
        ay = run(doc("2026-27", **sections))
        for regime in ("old", "new"):
            a, b = getattr(tax_year, regime), getattr(ay, regime)
            assert a.breakdown[1:] == b.breakdown[1:]
            assert msgspec.structs.replace(a, breakdown=()) == msgspec.structs.replace(
                b, breakdown=()
            )
        assert tax_year.new.breakdown[0].detail == "original return u/s 139(1) for tax year 2026-27"
        assert ay.new.breakdown[0].detail == "original return u/s 139(1) for AY 2026-27"
        assert "tax year 2026-27" in tax_year.return_type_reason


def test_results_stored_before_return_types_still_decode() -> None:
    result = run(doc("2026-27", salary={"gross": 16_00_000}))
    stored = result_to_builtins(result)
    for key in ("return_type", "return_type_reason"):
        stored.pop(key)
    for regime in ("old", "new"):
        for key in ("additional_tax_140b", "refund_interest_244a", "fee_234i"):
            stored[regime].pop(key)
    old = result_from_builtins(stored)
    assert old.return_type is None
    assert old.return_type_reason == ""
    assert old.new.additional_tax_140b == 0 == old.old.refund_interest_244a == old.new.fee_234i
    assert old.new.total_tax == result.new.total_tax


def test_earlier_return_and_return_type_decode() -> None:
    from domain.tax import decode_input

    inp = decode_input(
        msgspec.json.encode(
            doc(
                "2024-25",
                return_type="revised",
                earlier_return={
                    "acknowledgement": "123456789012345",
                    "filed_on": "2024-07-20",
                    "total_tax": 50_000,
                },
            )
        )
    )
    assert inp.return_type == "revised"
    assert inp.earlier_return is not None
    assert inp.earlier_return.interest == 0
    with pytest.raises(InvalidTaxInput) as raised:
        decode_input(b'{"assessment_year": "2024-25", "return_type": "late"}')
    assert raised.value.field == "$.return_type"


_ORDER = {"original": 0, "belated": 1, "revised": 1, "updated": 2}


@given(
    st.sampled_from(("2024-25", "2025-26", "2026-27", "2027-28")),
    st.integers(0, 6 * 366),
    st.integers(0, 6 * 366),
    st.booleans(),
)
def test_every_date_has_at_most_one_type_and_types_never_go_back(
    year: str, a: int, b: int, revises: bool
) -> None:
    start = windows(year)[0].opens - dt.timedelta(days=30)
    early, late = start + dt.timedelta(days=min(a, b)), start + dt.timedelta(days=max(a, b))
    decided: list[str | None] = []
    for day in (early, late):
        try:
            decision = classify_return(year, day, revises=revises)
        except ReturnNotAllowed:
            decided.append(None)
            continue
        assert decision.window.opens <= day <= decision.window.closes
        assert (decision.return_type == "revised") == (
            revises and decision.return_type != "updated"
        )
        decided.append(decision.return_type.value)
    first, second = decided
    if first is not None and second is not None:
        assert _ORDER[first] <= _ORDER[second]
    if first is None and second is not None:
        assert early < windows(year)[0].opens  # refused only before the year or after all
