"""The return a filing is, from the recorded date and its own history (domain/filing/
return_kind.py), and what the Filing refuses: windows exact at their boundaries, types that
never go back as the date moves on, revisions and their limits, the s.140B bands.

Sources: ss.139(1), 139(4), 139(5), 139(8A) and 140B(3) of the Income-tax Act, 1961 as
amended by the Finance Act 2025 (updated return within 48 months of the end of the
assessment year; additional tax 25/50/60/70 % within 12/24/36/48 months), the Finance Bill
2026 (revised return until 31 March from AY 2026-27); see domain/tax/README.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ComputationMissing, InvalidTransition
from domain.filing import Filing, IncomeDeclaration, ReturnTypeRefused, return_kind
from domain.tax import compute, encode_result
from domain.tax.inputs import SUPPORTED_ASSESSMENT_YEARS, Salary, TaxesPaid
from domain.tax.return_types import additional_tax_140b

META = {"actor": "t", "correlation_id": "c", "causation_id": "c"}
D = dt.date
SALARY = IncomeDeclaration(salary=Salary(gross=1_675_000))  # 16 lakh taxable, no TDS

RANK = {"original": 0, "belated": 1, "revised": 2, "updated": 3}


def submitted(return_type: str, on: str) -> dict[str, Any]:
    return {"acknowledgement": "111", "submitted_on": on, "return_type": return_type}


def ay_start(ay: str) -> int:
    return int(ay[:4])


def filing(ay: str = "2026-27", income: IncomeDeclaration = SALARY) -> Filing:
    f = Filing.start("owner", "ABCPE1234F", ay, META)
    f.declare_income(income, META)
    return f


def computed_and_submitted(f: Filing, day: dt.date, ack: str) -> dict[str, Any]:
    f.request_computation(day, META)
    assert f.requested_version is not None
    result = msgspec.json.decode(encode_result(compute(f.tax_input_for(day))))
    assert f.record_computation(f.requested_version, result, META)
    f.submit(result["recommended"], ack, day, META)
    return dict(result)


# --- windows, exact at the boundaries ---------------------------------------------------


@pytest.mark.parametrize(
    ("ay", "day", "history", "expected"),
    [
        ("2026-27", D(2026, 4, 1), [], "original"),
        ("2026-27", D(2026, 7, 31), [], "original"),  # the due date, s.139(1)
        ("2026-27", D(2026, 8, 1), [], "belated"),
        ("2026-27", D(2026, 12, 31), [], "belated"),  # s.139(4): 31 December of the AY
        ("2026-27", D(2027, 1, 1), [], "updated"),  # s.139(8A)
        ("2026-27", D(2031, 3, 31), [], "updated"),  # 48 months from 31 March 2027
        ("2025-26", D(2025, 9, 16), [], "original"),  # extended due date (CBDT)
        ("2025-26", D(2025, 9, 17), [], "belated"),
        ("2024-25", D(2024, 12, 31), ["belated"], "revised"),  # s.139(5) before AY 2026-27
        ("2024-25", D(2025, 1, 1), ["belated"], "updated"),
        ("2026-27", D(2027, 3, 31), ["original"], "revised"),  # Finance Bill 2026: 31 March
        ("2026-27", D(2027, 4, 1), ["original"], "updated"),
        ("2026-27", D(2027, 4, 1), ["original", "revised"], "updated"),
        ("2027-28", D(2027, 7, 31), [], "original"),  # tax year 2026-27
        ("2027-28", D(2028, 1, 1), [], "updated"),
    ],
)
def test_windows_are_exact_at_their_boundaries(
    ay: str, day: dt.date, history: list[str], expected: str
) -> None:
    decision = return_kind(ay, day, [submitted(t, f"{ay_start(ay)}-04-01") for t in history])
    assert decision.return_type.value == expected


@pytest.mark.parametrize(
    ("ay", "day", "history", "named"),
    [
        ("2026-27", D(2031, 4, 1), [], "139(8A)"),  # after the 48 months
        ("2027-28", D(2026, 12, 3), [], "139(1)"),  # before the assessment year begins
        ("2026-27", D(2031, 4, 1), ["original"], "139(5)"),
        ("2026-27", D(2027, 1, 5), ["updated"], "139(8A)"),  # no second updated return
        ("2026-27", D(2026, 12, 5), ["original", "updated"], "139(5)"),  # nor its revision
    ],
)
def test_outside_every_window_is_refused_naming_the_section(
    ay: str, day: dt.date, history: list[str], named: str
) -> None:
    with pytest.raises(ReturnTypeRefused) as refused:
        return_kind(ay, day, [submitted(t, f"{ay_start(ay)}-04-01") for t in history])
    assert named in refused.value.message
    assert refused.value.code == "return-not-allowed"


def test_a_revision_is_not_filed_before_the_return_it_replaces() -> None:
    with pytest.raises(ReturnTypeRefused) as refused:
        return_kind("2026-27", D(2026, 7, 9), [submitted("original", "2026-07-10")])
    assert "filed after the return it replaces" in refused.value.message


YEARS = st.sampled_from(SUPPORTED_ASSESSMENT_YEARS)
HISTORIES = st.sampled_from([[], ["original"], ["belated"], ["original", "revised"]])


@given(YEARS, HISTORIES, st.dates(D(2024, 1, 1), D(2032, 12, 31)), st.integers(0, 2000))
def test_the_type_never_goes_back_as_the_date_moves_on(
    ay: str, history: list[str], day: dt.date, later_by: int
) -> None:
    subs = [submitted(t, f"{ay_start(ay)}-04-01") for t in history]
    later = day + dt.timedelta(days=later_by)

    def kind(d: dt.date) -> str | None:
        try:
            return return_kind(ay, d, subs).return_type.value
        except ReturnTypeRefused:
            return None

    first, second = kind(day), kind(later)
    if first is not None and second is not None:
        assert RANK[second] >= RANK[first]
    if first is None and second is not None:
        assert day < D(ay_start(ay), 4, 1)  # refused only before the year opens...
    if first is not None and second is None:
        assert later > D(ay_start(ay) + 5, 3, 31)  # ...or after the 48 months
    if history and first is not None:
        assert first in ("revised", "updated")  # a return after a submission replaces it


@given(YEARS, st.dates(D(2024, 1, 1), D(2032, 12, 31)), st.integers(0, 10**9))
def test_additional_tax_bands(ay: str, day: dt.date, base: int) -> None:
    """s.140B(3): 25 / 50 / 60 / 70 % within 12 / 24 / 36 / 48 months from the end of the AY
    (an oracle that counts years from 31 March, not the module's month arithmetic)."""
    end = D(ay_start(ay) + 1, 3, 31)
    try:
        kind = return_kind(ay, day, []).return_type.value
    except ReturnTypeRefused:
        return
    if kind != "updated":
        return
    bands = [(D(end.year + n, 3, 31), pct) for n, pct in ((1, 25), (2, 50), (3, 60), (4, 70))]
    expected = next(pct for last, pct in bands if day <= last)
    pct, rupees = additional_tax_140b(ay, day, base)
    assert pct == expected
    assert rupees >= 0 and abs(rupees - base * pct / 100) <= 5


# --- the Filing: dates are inputs, refusals record nothing ------------------------------


def test_a_computation_after_31_december_computes_as_an_updated_return() -> None:
    """The bug of issue 12: AY 2026-27 asked on 2 January 2027 was `computation_failed`."""
    f = filing()
    f.request_computation(D(2027, 1, 2), META)
    result = compute(f.tax_input_for(f.requested_on))
    assert result.return_type == "updated"
    assert "139(8A)" in result.return_type_reason
    new = result.new
    assert new.total_tax == 124_800
    # 25 % (within 12 months of 31 March 2027) of tax and interest, rounded u/s 288B.
    interest = new.interest_234a + new.interest_234b + new.interest_234c
    assert new.additional_tax_140b == ((124_800 + interest) * 25 + 500) // 1000 * 10
    assert any("ITR-U" in r for r in result.itr_form.reasons)


@pytest.mark.parametrize(
    ("ay", "day", "income", "named"),
    [
        ("2026-27", D(2031, 4, 1), SALARY, "139(8A)"),
        ("2027-28", D(2026, 12, 3), SALARY, "139(1)"),
        # An updated return may not claim a refund (s.139(8A)).
        (
            "2025-26",
            D(2026, 12, 3),
            IncomeDeclaration(salary=Salary(gross=900_000), taxes_paid=TaxesPaid(tds=100_000)),
            "refund",
        ),
    ],
)
def test_a_computation_the_law_refuses_records_nothing(
    ay: str, day: dt.date, income: IncomeDeclaration, named: str
) -> None:
    f = filing(ay, income)
    version = f.version
    with pytest.raises(ReturnTypeRefused) as refused:
        f.request_computation(day, META)
    assert named in refused.value.message
    assert f.version == version and f.requested_version is None


def test_a_computation_is_submitted_only_as_the_type_it_was_computed_for() -> None:
    f = filing()
    f.request_computation(D(2026, 12, 31), META)
    assert f.requested_version is not None
    result = msgspec.json.decode(encode_result(compute(f.tax_input_for(D(2026, 12, 31)))))
    f.record_computation(f.requested_version, result, META)
    assert result["return_type"] == "belated"
    with pytest.raises(ComputationMissing) as missing:
        f.submit("new", "111", D(2027, 1, 1), META)  # a day later it is an updated return
    assert "updated" in missing.value.message
    f.submit("new", "111", D(2026, 12, 31), META)


def test_a_revision_chain_references_what_it_replaces() -> None:
    f = filing()
    first = computed_and_submitted(f, D(2026, 12, 20), "111")
    assert first["return_type"] == "belated"
    f.e_verify("aadhaar_otp", D(2026, 12, 21), META)
    f.open_revision(D(2027, 1, 2), META)
    assert f.status.value == "draft" and f.revision == 1
    assert f.revises is not None
    assert (f.revises["acknowledgement"], f.revises["filed_on"]) == ("111", "2026-12-20")
    f.declare_income(IncomeDeclaration(salary=Salary(gross=1_875_000)), META)
    second = computed_and_submitted(f, D(2027, 1, 2), "222")
    assert second["return_type"] == "revised"  # s.139(5), until 31 March 2027
    assert second["new"]["fee_234i"] == 5_000  # after 31 December, income above 5 lakh
    # The self-assessment tax paid with the belated return counts as paid.
    assert second["new"]["taxes_paid"] == first["new"]["net_payable"]
    f.open_revision(D(2027, 4, 2), META)
    assert f.revises is not None and f.revises["acknowledgement"] == "222"
    f.declare_income(IncomeDeclaration(salary=Salary(gross=1_975_000)), META)
    third = computed_and_submitted(f, D(2027, 4, 2), "333")
    assert third["return_type"] == "updated"
    assert third["new"]["additional_tax_140b"] > 0
    assert [s["acknowledgement"] for s in f.submissions] == ["111", "222", "333"]
    version = f.version
    with pytest.raises(ReturnTypeRefused) as refused:
        f.open_revision(D(2027, 4, 3), META)
    assert "139(8A)" in refused.value.message
    assert f.version == version


def test_an_updated_return_lowering_the_tax_of_the_return_it_updates_is_refused() -> None:
    f = filing()
    computed_and_submitted(f, D(2026, 12, 20), "111")
    f.open_revision(D(2027, 4, 2), META)  # the revision window closed on 31 March 2027
    f.declare_income(IncomeDeclaration(salary=Salary(gross=1_000_000)), META)
    with pytest.raises(ReturnTypeRefused) as refused:
        f.request_computation(D(2027, 4, 2), META)
    assert "lower tax" in refused.value.message and "111" in refused.value.message


def test_only_a_submitted_return_can_be_revised() -> None:
    f = filing()
    with pytest.raises(InvalidTransition):
        f.open_revision(D(2026, 12, 3), META)
    computed_and_submitted(f, D(2026, 7, 1), "111")
    with pytest.raises(ReturnTypeRefused) as refused:
        f.open_revision(D(2031, 4, 1), META)  # every window closed
    assert "139(8A)" in refused.value.message


@given(
    st.integers(3_00_000, 60_00_000),
    st.integers(0, 60_00_000),
    st.dates(D(2027, 4, 1), D(2031, 3, 31)),
)
def test_an_updated_return_never_lowers_the_tax_of_the_return_it_updates(
    first_gross: int, second_gross: int, day: dt.date
) -> None:
    """Through the Filing: a return submitted by the due date, updated after the revision
    window with any other income, is either refused or taxes at least as much."""
    f = filing(income=IncomeDeclaration(salary=Salary(gross=first_gross)))
    first = computed_and_submitted(f, D(2026, 7, 10), "111")
    f.open_revision(day, META)
    f.declare_income(IncomeDeclaration(salary=Salary(gross=second_gross)), META)
    version = f.version
    try:
        f.request_computation(day, META)
    except ReturnTypeRefused:
        assert f.version == version
        return
    result = compute(f.tax_input_for(day))
    assert result.return_type == "updated"
    chosen = result.old if result.recommended == "old" else result.new
    assert chosen.total_tax >= first[first["recommended"]]["total_tax"]
    assert chosen.additional_tax_140b >= 0


@given(YEARS, HISTORIES, st.dates(D(2024, 1, 1), D(2032, 12, 31)))
def test_the_engine_and_the_filing_agree_on_the_type(
    ay: str, history: list[str], day: dt.date
) -> None:
    """The type the filing decides on a date is the type the engine computes for that date,
    and a date the filing refuses is one the engine refuses too (nothing recorded)."""
    f = filing(ay)
    for i, _ in enumerate(history):  # returns submitted on the year's first days
        on = D(ay_start(ay), 4, i + 1)
        if i:
            f.open_revision(on, META)
        computed_and_submitted(f, on, f"ack-{i}")
    version = f.version
    try:
        expected = return_kind(ay, day, f.submissions).return_type.value
    except ReturnTypeRefused:
        with pytest.raises(ReturnTypeRefused):
            if history:
                f.open_revision(day, META)
            else:
                f.request_computation(day, META)
        assert f.version == version
        return
    if history:
        f.open_revision(day, META)
    f.request_computation(day, META)  # same income: never lower, no refund
    assert compute(f.tax_input_for(day)).return_type == expected


@pytest.mark.parametrize("gross", range(1_675_001, 1_675_011))
def test_the_rounded_self_assessment_payment_is_no_refund_on_an_updated_return(
    gross: int,
) -> None:
    """The balance paid with the first return is rounded u/s 288B, so it may exceed that
    return's liability by up to 5 rupees; an updated return declaring the same income is
    not "a return resulting in a refund" for it (found by the property above)."""
    f = filing(income=IncomeDeclaration(salary=Salary(gross=gross)))
    computed_and_submitted(f, D(2026, 4, 1), "111")
    f.open_revision(D(2027, 4, 2), META)
    f.request_computation(D(2027, 4, 2), META)
    assert compute(f.tax_input_for(D(2027, 4, 2))).return_type == "updated"
