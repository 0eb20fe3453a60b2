"""Interest under ss.234A, 234B, 234C and the fee under s.234F."""

from __future__ import annotations

from typing import Any

from domain.tax.interest import months_or_part
from tests.unit.tax.taxkit import doc, run

# 37,50,000 of taxable salary in the new regime, AY 2025-26: 20,000 + 30,000 + 30,000 +
# 60,000 + 6,75,000 = 8,15,000, plus 4% cess = 8,47,600.
SALARY = {"gross": 37_50_000 + 75_000}
TAX = 8_47_600


def new(**sections: Any) -> Any:
    return run(doc("2025-26", salary=SALARY, **sections)).new


def test_the_fixture_tax() -> None:
    assert new().total_tax == TAX


def test_months_or_part() -> None:
    import datetime as dt

    assert months_or_part(dt.date(2024, 8, 1), dt.date(2024, 8, 1)) == 1
    assert months_or_part(dt.date(2024, 8, 1), dt.date(2024, 8, 31)) == 1
    assert months_or_part(dt.date(2024, 8, 1), dt.date(2024, 9, 1)) == 2
    assert months_or_part(dt.date(2025, 9, 17), dt.date(2025, 10, 16)) == 1
    assert months_or_part(dt.date(2025, 9, 17), dt.date(2025, 10, 17)) == 2
    assert months_or_part(dt.date(2024, 4, 1), dt.date(2024, 7, 31)) == 4


def test_nothing_when_tds_covers_the_tax() -> None:
    regime = new(taxes_paid={"tds": TAX})
    assert (regime.interest_234a, regime.interest_234b, regime.interest_234c) == (0, 0, 0)
    assert regime.net_payable == 0


def test_refund_is_negative_and_rounded() -> None:
    regime = new(taxes_paid={"tds": TAX + 12_344})
    assert regime.net_payable == -12_340


def test_234b_and_234c_with_no_advance_tax() -> None:
    regime = new(taxes_paid={"tds": TAX - 1_00_000})
    # Due date for AY 2025-26 is 16 Sep 2025: filed then, 234B runs April-September.
    assert regime.interest_234b == 6_000
    # 15% of 1,00,000 for 3 months + 45% x 3 + 75% x 3 + 100% x 1
    assert regime.interest_234c == 450 + 1_350 + 2_250 + 1_000
    assert regime.net_payable == 1_00_000 + 6_000 + 5_050


def test_234b_to_the_filing_date_and_234a_after_the_due_date() -> None:
    regime = new(taxes_paid={"tds": TAX - 1_00_000}, filing_date="2025-10-05")
    assert regime.interest_234b == 7_000  # April to October
    assert regime.interest_234a == 1_000  # 17 Sep to 5 Oct: one month or part
    assert regime.fee_234f == 5_000


def test_interest_base_rounded_down_to_hundreds() -> None:
    regime = new(taxes_paid={"tds": TAX - 1_00_099})
    assert regime.interest_234b == 6_000


def test_advance_tax_on_schedule_means_no_interest() -> None:
    due = 1_00_000
    regime = new(
        taxes_paid={
            "tds": TAX - due,
            "advance_tax": [
                {"date": "2024-06-15", "amount": 15_000},
                {"date": "2024-09-15", "amount": 30_000},
                {"date": "2024-12-15", "amount": 30_000},
                {"date": "2025-03-15", "amount": 25_000},
            ],
        }
    )
    assert (regime.interest_234b, regime.interest_234c) == (0, 0)
    assert regime.net_payable == 0


def test_234c_safe_harbour_12_and_36_percent() -> None:
    regime = new(
        taxes_paid={
            "tds": TAX - 1_00_000,
            "advance_tax": [
                {"date": "2024-06-15", "amount": 12_000},
                {"date": "2024-09-15", "amount": 24_000},
                {"date": "2024-12-15", "amount": 39_000},
                {"date": "2025-03-15", "amount": 25_000},
            ],
        }
    )
    assert regime.interest_234c == 0


def test_234b_only_below_90_percent() -> None:
    paid_89 = new(
        taxes_paid={
            "tds": TAX - 1_00_000,
            "advance_tax": [{"date": "2025-03-15", "amount": 89_000}],
        }
    )
    paid_90 = new(
        taxes_paid={
            "tds": TAX - 1_00_000,
            "advance_tax": [{"date": "2025-03-15", "amount": 90_000}],
        }
    )
    assert paid_89.interest_234b == 11_000 * 6 // 100
    assert paid_90.interest_234b == 0


def test_no_advance_tax_interest_below_10_000() -> None:
    regime = new(taxes_paid={"tds": TAX - 9_990})
    assert (regime.interest_234b, regime.interest_234c) == (0, 0)


def test_no_advance_tax_interest_for_a_senior() -> None:
    # s.207(2): a resident of 60 or more with no business income pays no advance tax.
    result = run(doc("2025-26", age=60, salary=SALARY, taxes_paid={"tds": 0}))
    assert (result.new.interest_234b, result.new.interest_234c) == (0, 0)


def test_234c_leaves_out_gains_from_transfers_after_the_instalment() -> None:
    # First proviso to s.234C(1): tax on a gain that arose after 15 December is not due at
    # the earlier instalments.
    salary_tax_paid = run(doc("2025-26", salary=SALARY)).new.total_tax
    result = run(
        doc(
            "2025-26",
            salary=SALARY,
            capital_gains=[{"section": "111A", "amount": 10_00_000, "transfer_date": "2025-01-10"}],
            taxes_paid={"tds": salary_tax_paid},
        )
    )
    regime = result.new
    due = regime.total_tax - salary_tax_paid
    assert regime.interest_234c == due // 100 * 100 // 100


def test_234a_base_is_tax_less_tds_and_advance_tax() -> None:
    regime = new(
        taxes_paid={
            "tds": TAX - 50_000,
            "advance_tax": [{"date": "2025-03-15", "amount": 45_000}],
            "self_assessment": 5_000,
        },
        filing_date="2025-12-31",
    )
    assert regime.interest_234a == 5_000 * 4 // 100  # 17 Sep - 31 Dec: 4 months or part


def test_234f_fee_small_income_and_not_obliged() -> None:
    small = run(doc("2024-25", salary={"gross": 5_20_000}, filing_date="2024-08-10")).new
    assert small.total_income == 4_70_000
    assert small.fee_234f == 1_000
    tiny = run(doc("2024-25", salary={"gross": 2_00_000}, filing_date="2024-08-10")).new
    assert tiny.fee_234f == 0  # income below the basic exemption: no return was required


def test_ay_2025_26_due_date_extended_to_16_september() -> None:
    on_time = run(doc("2025-26", salary=SALARY, filing_date="2025-09-16"))
    assert on_time.new.fee_234f == 0 and on_time.old.available
    late = run(doc("2025-26", salary=SALARY, filing_date="2025-09-17"))
    assert late.new.fee_234f == 5_000 and not late.old.available


def test_late_return_cannot_choose_the_old_regime() -> None:
    # s.115BAC(6): the old regime is chosen in a return filed by the due date u/s 139(1).
    heavy = {
        "80C": 1_50_000,
        "80CCD(1B)": 50_000,
        "80D_self": 25_000,
        "80D_parents": 50_000,
        "parents_senior": True,
    }
    on_time = run(
        doc(
            "2024-25",
            salary={"gross": 12_00_000},
            house_property={"self_occupied_interest": 2_00_000},
            deductions=heavy,
        )
    )
    assert on_time.recommended == "old"
    late = run(
        doc(
            "2024-25",
            salary={"gross": 12_00_000},
            house_property={"self_occupied_interest": 2_00_000},
            deductions=heavy,
            filing_date="2024-09-01",
        )
    )
    assert late.old.total_liability < late.new.total_liability
    assert late.recommended == "new"
    assert late.old.breakdown[0].step == "Regime not available"
