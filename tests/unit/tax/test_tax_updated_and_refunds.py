"""Updated returns (s.139(8A), s.140B), revised returns (s.139(5), s.234I) and refunds
(s.244A), computed end to end through `decode_input` and `compute`.

Figures are worked by hand from the provisions cited on each test: the slab tax of the
year (First Schedule, Finance Act 2023 for AY 2024-25), ss.234A/B/C at 1 % a month or part
on amounts rounded down to 100 (Rule 119A), s.140B(3) as amended by the Finance Act 2025
(25/50/60/70 %), s.244A(1)(a) (0.5 % a month or part, from 1 April of the assessment year
for a return filed by the due date, from the filing date otherwise, none below 10 % of the
tax), s.234I (Finance Bill 2026: 1,000 / 5,000 for a revision after 31 December).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.tax import InvalidTaxInput
from domain.tax.return_types import ReturnNotAllowed
from tests.unit.tax.taxkit import doc, run, step_amounts

# AY 2024-25, new regime: 15,00,000 gross - 50,000 = 14,50,000 taxable:
# 15,000 + 30,000 + 45,000 + 50,000 = 1,40,000, cess 5,600: 1,45,600.
GROSS = {"gross": 15_00_000}
TAX = 1_45_600
EARLIER = {
    "acknowledgement": "123456789012345",
    "filed_on": "2024-07-20",
    "total_tax": 85_800,  # 12,00,000 gross: 82,500 + 3,300 cess
    "taxes_paid": 1_00_000,
    "refund": 14_200,
}


def test_updated_return_without_an_earlier_one() -> None:
    result = run(
        doc("2024-25", salary=GROSS, taxes_paid={"tds": 1_00_000}, filing_date="2026-12-02")
    )
    assert result.return_type == "updated"
    assert "139(8A)" in result.return_type_reason
    assert result.itr_form.form == "ITR-1"
    assert "ITR-U" in result.itr_form.reasons[-1]
    assert not result.old.available  # s.115BAC(6): no return by the due date
    new = result.new
    assert new.total_tax == TAX
    due = TAX - 1_00_000  # 45,600 after TDS
    # s.234A: 1 Aug 2024 to 2 Dec 2026 is 29 months or part.
    assert new.interest_234a == due * 29 // 100 == 13_224
    # s.234B: 1 Apr 2024 to 2 Dec 2026 is 33 months or part.
    assert new.interest_234b == due * 33 // 100 == 15_048
    # s.234C: 15/45/75/100 % of 45,600 rounded down to 100, 3/3/3/1 months.
    assert new.interest_234c == 68 * 3 + 205 * 3 + 342 * 3 + 456 == 2_301
    assert new.fee_234f == 5_000
    # s.140B(3): filed within 24 months from 31 March 2025: 50 % of tax and interest
    # payable, 45,600 + 30,573 = 76,173 -> 38,086.5, rounded off u/s 288B to 38,090.
    assert new.additional_tax_140b == 38_090
    assert step_amounts(new, "Additional tax u/s 140B") == [38_090]
    assert new.total_liability == TAX + 30_573 + 5_000 + 38_090
    assert new.net_payable == 1_19_260
    assert new.refund_interest_244a == 0


def test_updated_return_of_an_earlier_return_with_its_refund() -> None:
    result = run(
        doc(
            "2024-25",
            salary=GROSS,
            taxes_paid={"tds": 1_00_000},
            filing_date="2026-12-02",
            return_type="updated",
            earlier_return=EARLIER,
        )
    )
    assert result.return_type == "updated"
    assert result.old.available  # the earlier return was filed by the due date
    new = result.new
    assert result.recommended == "new"
    assert new.fee_234f == 0
    # 234A from 1 Aug 2024 (the earlier return was on time, no self-assessment tax):
    assert new.interest_234a == 13_224
    # 234B: 4 months to 20 Jul 2024, then 29 more, on 45,600.
    assert new.interest_234b == 456 * 4 + 456 * 29
    # s.140B(2): the refund issued on the earlier return is payable with the tax:
    # 1,45,600 - 1,00,000 + 14,200 = 59,800; with 30,573 interest, 50 %: 45,186.5 -> 45,190.
    assert new.additional_tax_140b == 45_190
    assert new.taxes_paid == 1_00_000 - 14_200
    assert new.net_payable == 1_35_560
    assert step_amounts(new, "Refund issued on the earlier return") == [14_200]


def test_updated_return_credits_the_earlier_self_assessment_tax() -> None:
    # Earlier return on time with 20,000 of self-assessment tax; the update adds income.
    earlier = dict(EARLIER, total_tax=1_20_000, taxes_paid=1_20_000, refund=0)
    new = run(
        doc(
            "2024-25",
            salary=GROSS,
            taxes_paid={"tds": 1_00_000, "self_assessment": 20_000},
            filing_date="2025-06-10",
            earlier_return=earlier,
        )
    ).new
    # s.234A: 1 Aug 2024 to 10 Jun 2025 = 11 months on 45,600 - 20,000 = 25,600.
    assert new.interest_234a == 256 * 11
    # s.234B: 4 months on 45,600 to 20 Jul 2024, then 11 months on 25,600.
    assert new.interest_234b == 456 * 4 + 256 * 11
    interest = new.interest_234a + new.interest_234b + new.interest_234c
    # Within 12 months from 31 March 2025: 25 % of (1,45,600 - 1,20,000) + interest.
    assert new.additional_tax_140b == ((25_600 + interest) * 25 // 100 + 5) // 10 * 10


def test_updated_return_may_not_lower_the_tax_of_the_earlier_return() -> None:
    earlier = dict(EARLIER, total_tax=1_60_000, refund=0)
    with pytest.raises(ReturnNotAllowed) as raised:
        run(doc("2024-25", salary=GROSS, filing_date="2026-12-02", earlier_return=earlier))
    assert "139(8A)" in raised.value.message
    assert "lower tax" in raised.value.message


def test_updated_return_may_not_claim_a_refund() -> None:
    with pytest.raises(ReturnNotAllowed) as raised:
        run(doc("2024-25", salary=GROSS, taxes_paid={"tds": 2_00_000}, filing_date="2026-12-02"))
    assert "139(8A)" in raised.value.message
    assert "refund" in raised.value.message


def test_updated_return_needs_a_date_and_the_right_window() -> None:
    with pytest.raises(InvalidTaxInput) as raised:
        run(doc("2024-25", salary=GROSS, return_type="updated"))
    assert raised.value.field == "$.filing_date"
    # An updated return is not possible while a belated one is.
    with pytest.raises(ReturnNotAllowed) as refused:
        run(doc("2024-25", salary=GROSS, return_type="updated", filing_date="2024-10-01"))
    assert "139(8A)" in refused.value.message and "2025-01-01" in refused.value.message
    # A revision after its window is refused when asked for by name.
    with pytest.raises(ReturnNotAllowed) as late:
        run(doc("2024-25", salary=GROSS, return_type="revised", filing_date="2025-02-01"))
    assert "139(5)" in late.value.message and "2024-12-31" in late.value.message


def test_earlier_return_must_come_first() -> None:
    with pytest.raises(InvalidTaxInput) as raised:
        run(
            doc(
                "2024-25",
                salary=GROSS,
                filing_date="2024-09-01",
                return_type="revised",
                earlier_return=dict(EARLIER, filed_on="2024-10-01"),
            )
        )
    assert raised.value.field == "$.earlier_return.filed_on"


def test_revised_return_after_31_december_pays_the_234i_fee() -> None:
    # AY 2026-27: revisable until 31 March 2027, a fee u/s 234I after 31 December 2026.
    revised = {
        "acknowledgement": "998877665544332",
        "filed_on": "2026-07-15",
        "total_tax": 0,
        "taxes_paid": 0,
    }
    early = run(
        doc(
            "2026-27",
            salary={"gross": 16_75_000},
            filing_date="2026-12-31",
            earlier_return=revised,
        )
    )
    late = run(
        doc(
            "2026-27",
            salary={"gross": 16_75_000},
            filing_date="2027-01-05",
            earlier_return=revised,
        )
    )
    assert early.return_type == late.return_type == "revised"
    assert early.new.fee_234i == 0
    assert early.old.available  # the original was filed by the due date
    assert late.new.fee_234i == 5_000
    assert late.new.total_liability == early.new.total_liability + 5_000 + (
        late.new.interest_234b - early.new.interest_234b
    )
    assert step_amounts(late.new, "Fee u/s 234I") == [5_000]


# AY 2025-26, new regime: 10,00,000 gross - 75,000 = 9,25,000: 20,000 + 22,500 = 42,500,
# cess 1,700: 44,200 (no s.87A rebate above 7 lakh; no marginal relief at 2,25,000 above).
REFUND_SALARY = {"gross": 10_00_000}


def test_refund_with_244a_interest_from_1_april() -> None:
    result = run(
        doc("2025-26", salary=REFUND_SALARY, taxes_paid={"tds": 80_000}, filing_date="2025-07-20")
    )
    new = result.new
    assert result.recommended == "new"
    assert new.total_tax == 44_200
    assert new.net_payable == -35_800
    # 1 Apr 2025 to 20 Jul 2025: 4 months or part at 0.5 % on 35,800.
    assert new.refund_interest_244a == 35_800 * 4 // 200 == 716
    assert step_amounts(new, "Interest u/s 244A on the refund") == [716]
    assert new.breakdown[-1].amount == new.net_payable  # the interest is not in the balance


def test_refund_on_a_belated_return_earns_interest_only_from_filing() -> None:
    new = run(
        doc("2025-26", salary=REFUND_SALARY, taxes_paid={"tds": 80_000}, filing_date="2025-10-01")
    ).new
    assert new.fee_234f == 5_000
    assert new.net_payable == -30_800
    assert new.refund_interest_244a == 0  # from the filing date: nothing accrued by then


def test_no_244a_interest_below_10_percent_of_the_tax() -> None:
    new = run(
        doc("2025-26", salary=REFUND_SALARY, taxes_paid={"tds": 48_000}, filing_date="2025-07-20")
    ).new
    assert new.net_payable == -3_800
    assert new.refund_interest_244a == 0  # 3,800 < 4,420 (proviso to s.244A(1)(a))


def _updated(salary: int, tds: int, filed: dt.date, earlier: dict[str, Any] | None) -> Any:
    document = doc(
        "2024-25", salary={"gross": salary}, taxes_paid={"tds": tds}, filing_date=filed.isoformat()
    )
    if earlier is not None:
        document["earlier_return"] = earlier
    return run(document)


_UPDATED_DAYS = st.dates(dt.date(2025, 1, 1), dt.date(2029, 3, 31))


@settings(max_examples=60, deadline=None)
@given(st.integers(8_00_000, 3_00_00_000), st.integers(0, 100), _UPDATED_DAYS, _UPDATED_DAYS)
def test_additional_tax_never_negative_and_grows_with_time(
    salary: int, tds_pct: int, a: dt.date, b: dt.date
) -> None:
    early, late = min(a, b), max(a, b)
    tax = run(doc("2024-25", salary={"gross": salary})).new.total_tax
    tds = tax * tds_pct // 100
    first = _updated(salary, tds, early, None).new
    second = _updated(salary, tds, late, None).new
    assert 0 <= first.additional_tax_140b <= second.additional_tax_140b
    assert first.refund_interest_244a == second.refund_interest_244a == 0


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 1_00_00_000),
    st.integers(0, 40_00_000),
    st.integers(0, 10_00_000),
    _UPDATED_DAYS,
)
def test_updated_return_never_lowers_the_tax_it_updates(
    salary: int, earlier_tax: int, tds: int, filed: dt.date
) -> None:
    earlier = {
        "acknowledgement": "1",
        "filed_on": "2024-07-01",
        "total_tax": earlier_tax,
        "taxes_paid": tds,
    }
    try:
        result = _updated(salary, tds, filed, earlier)
    except ReturnNotAllowed as refused:
        assert "139(8A)" in refused.message
        return
    chosen = result.old if result.recommended == "old" else result.new
    assert chosen.total_tax >= earlier_tax
    assume(chosen.total_tax > earlier_tax)
    assert chosen.additional_tax_140b > 0
