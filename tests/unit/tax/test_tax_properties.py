"""Properties over generated returns, with incomes concentrated near every threshold.

What the law guarantees, and so what is asserted:
* tax never falls when income rises (both regimes, every year);
* income-tax plus surcharge never rises by more than income does: the marginal reliefs
  (s.87A proviso, surcharge provisos) exist for exactly this. The one place the Act gives no
  relief is the old regime's rebate limit of 5 lakh, where tax jumps by up to 12,500 + cess:
  that cliff is the law, so pairs straddling it are left out (and it has its own test);
* with cess and s.288B rounding, tax rises by at most 104 % of the income rise plus 10:
  cess is levied after marginal relief (the Budget 2025 example: 12,10,000 owes 10,400), so
  "income after tax never falls" holds before cess, and after cess up to that 4 %.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.tax import InvalidTaxInput, TaxInput, compute, decode_input, encode_result
from domain.tax.assessment import assess
from domain.tax.money import UNIT
from domain.tax.rules import year_rules
from domain.tax.special_rates import gains_by_bucket

YEARS = ("2024-25", "2025-26", "2026-27", "2027-28")
LAKH = 100_000
CRORE = 100 * LAKH
THRESHOLDS = (
    0,
    2_50_000,
    3 * LAKH,
    4 * LAKH,
    5 * LAKH,
    6 * LAKH,
    7 * LAKH,
    8 * LAKH,
    9 * LAKH,
    10 * LAKH,
    12 * LAKH,
    15 * LAKH,
    16 * LAKH,
    20 * LAKH,
    24 * LAKH,
    50 * LAKH,
    CRORE,
    2 * CRORE,
    5 * CRORE,
)
PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def tens(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low // 10, high // 10).map(lambda n: n * 10)


# Salary near a threshold of taxable income: the threshold plus either standard deduction.
near_threshold = st.builds(
    lambda t, sd, off: max(0, t + sd + off),
    st.sampled_from(THRESHOLDS),
    st.sampled_from((0, 50_000, 75_000, 77_500)),
    tens(-40_000, 90_000),
)
salaries = st.one_of(near_threshold, near_threshold, tens(0, 8 * CRORE))


@st.composite
def documents(draw: st.DrawFn, salary: int | None = None) -> dict[str, Any]:
    """A return whose other figures are multiples of ten (so total income is exact)."""
    year = draw(st.sampled_from(YEARS))
    ay = int(year[:4])
    start = dt.date(ay - 1, 4, 1)
    doc: dict[str, Any] = {
        "assessment_year": year,
        "age": draw(st.sampled_from((30, 59, 60, 79, 80, 91))),
    }
    gross = draw(salaries) if salary is None else salary
    doc["salary"] = {
        "gross": gross,
        "family_pension": draw(st.sampled_from((0, 0, 0, 30_000, 90_000))),
    }
    if draw(st.booleans()):
        doc["salary"]["exempt_allowances"] = draw(tens(0, min(gross, 3 * LAKH)))
        doc["salary"]["professional_tax"] = draw(st.sampled_from((0, 2_400, 2_500)))
    if draw(st.booleans()):
        doc["house_property"] = {
            "self_occupied_interest": draw(tens(0, 3 * LAKH)),
            "let_out_income": draw(st.integers(0, 100)) * 10_000,
            "let_out_interest": draw(st.sampled_from((0, 0, 1_50_000, 4 * LAKH))),
        }
    if draw(st.booleans()):
        doc["other_sources"] = {
            "savings_interest": draw(tens(0, 60_000)),
            "other": draw(tens(0, 20 * LAKH)),
        }
    if draw(st.booleans()):
        doc["capital_gains"] = [
            {
                "section": draw(st.sampled_from(("111A", "112A"))),
                "amount": draw(st.one_of(tens(0, 5 * LAKH), tens(0, 3 * CRORE))),
                "transfer_date": (start + dt.timedelta(days=draw(st.integers(0, 364)))).isoformat(),
            }
            for _ in range(draw(st.integers(1, 3)))
        ]
    if draw(st.booleans()):
        doc["deductions"] = {
            "80C": draw(tens(0, 2 * LAKH)),
            "80CCD(1B)": draw(tens(0, 60_000)),
            "80D_self": draw(tens(0, 60_000)),
            "80D_parents": draw(tens(0, 60_000)),
            "parents_senior": draw(st.booleans()),
            "80TTA": draw(tens(0, 20_000)),
            "80TTB": draw(tens(0, 60_000)),
        }
        if draw(st.booleans()):
            doc["deductions"] |= {
                "80E": draw(tens(0, 3 * LAKH)),
                "80EEA": draw(tens(0, 2 * LAKH)),
                "80DD": draw(st.sampled_from((None, "disability", "severe"))),
                "80U": draw(st.sampled_from((None, "disability", "severe"))),
                "80DDB": draw(tens(0, 1_50_000)),
                "80DDB_senior": draw(st.booleans()),
                "80GG_rent_paid": draw(st.integers(0, 30)) * 10_000,
                "80G": [
                    {
                        "amount": draw(st.integers(0, 100)) * 1_000,
                        "percent": draw(st.sampled_from((100, 50))),
                        "qualifying_limit": draw(st.booleans()),
                    }
                    for _ in range(draw(st.integers(0, 3)))
                ],
            }
    if draw(st.booleans()):
        doc["taxes_paid"] = {
            "tds": draw(tens(0, 50 * LAKH)),
            "advance_tax": [
                {
                    "date": (start + dt.timedelta(days=draw(st.integers(0, 364)))).isoformat(),
                    "amount": draw(tens(0, 10 * LAKH)),
                }
                for _ in range(draw(st.integers(0, 4)))
            ],
            "self_assessment": draw(tens(0, LAKH)),
        }
    if draw(st.booleans()):
        doc["filing_date"] = dt.date(
            ay, draw(st.integers(4, 12)), draw(st.integers(1, 28))
        ).isoformat()
    return doc


def decoded(document: dict[str, Any]) -> TaxInput:
    return decode_input(msgspec.json.encode(document))


def with_salary(document: dict[str, Any], gross: int) -> TaxInput:
    changed = {**document, "salary": {**document["salary"], "gross": gross}}
    if changed["salary"].get("exempt_allowances", 0) > gross:
        changed["salary"]["exempt_allowances"] = gross
    return decoded(changed)


def pre_cess_units(inp: TaxInput, regime: str) -> tuple[int, int]:
    """(income-tax plus surcharge after reliefs, exact, in units; total income)."""
    year = year_rules(inp.assessment_year)
    rules = year.old if regime == "old" else year.new
    a = assess(inp, year, rules, gains_by_bucket(inp.capital_gains))
    return a.tax_before_cess_u, a.total_income


@PROPERTY_SETTINGS
@given(documents(), st.one_of(tens(0, 200_000), tens(0, 3 * CRORE)))
def test_tax_never_falls_when_income_rises(document: dict[str, Any], rise: int) -> None:
    low = compute(decoded(document))
    high = compute(with_salary(document, document["salary"]["gross"] + rise))
    assert high.old.total_tax >= low.old.total_tax
    assert high.new.total_tax >= low.new.total_tax


@PROPERTY_SETTINGS
@given(documents(), st.one_of(tens(10, 2_000), tens(10, 200_000)))
def test_income_after_tax_before_cess_never_falls(document: dict[str, Any], rise: int) -> None:
    gross = document["salary"]["gross"]
    low_inp, high_inp = decoded(document), with_salary(document, gross + rise)
    for regime in ("old", "new"):
        low, low_income = pre_cess_units(low_inp, regime)
        high, high_income = pre_cess_units(high_inp, regime)
        if regime == "old" and low_income <= 5 * LAKH < high_income:
            continue  # the s.87A cliff of the old regime: no marginal relief in the Act
        assert high - low <= (high_income - low_income) * UNIT
        # s.80GG allows rent less 10 % of income, so it shrinks by a tenth of a rise; and
        # 80GG/80G move by fractions of a rupee, which s.288A rounding can turn into ten.
        assert high_income - low_income <= rise + rise // 10 + 10


@PROPERTY_SETTINGS
@given(documents(), st.one_of(tens(10, 2_000), tens(10, 200_000)))
def test_income_after_tax_and_cess_falls_by_at_most_the_cess(
    document: dict[str, Any], rise: int
) -> None:
    low = compute(decoded(document))
    high = compute(with_salary(document, document["salary"]["gross"] + rise))
    for lo, hi in ((low.new, high.new), (low.old, high.old)):
        if lo.regime == "old" and lo.total_income <= 5 * LAKH < hi.total_income:
            continue
        assert 100 * (hi.total_tax - lo.total_tax) <= 104 * rise + 1_000


def test_the_old_regime_cliff_at_5_lakh_is_the_law() -> None:
    low = compute(decoded({"assessment_year": "2026-27", "salary": {"gross": 5_50_000}}))
    high = compute(decoded({"assessment_year": "2026-27", "salary": {"gross": 5_50_010}}))
    assert low.old.total_tax == 0
    assert high.old.total_tax == 13_000


@PROPERTY_SETTINGS
@given(documents())
def test_recommended_regime_is_never_the_costlier(document: dict[str, Any]) -> None:
    result = compute(decoded(document))
    chosen = result.old if result.recommended == "old" else result.new
    other = result.new if result.recommended == "old" else result.old
    assert chosen.available
    if other.available:
        assert chosen.total_liability <= other.total_liability
    if result.old.total_liability == result.new.total_liability:
        assert result.recommended == "new"


@st.composite
def more_deductions(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    document = draw(documents())
    base = document.get("deductions") or {
        "80C": 0,
        "80CCD(1B)": 0,
        "80D_self": 0,
        "80D_parents": 0,
        "parents_senior": False,
        "80TTA": 0,
        "80TTB": 0,
    }
    more: dict[str, Any] = {}
    for key, value in base.items():
        if isinstance(value, bool):
            more[key] = value or draw(st.booleans())
        elif key in ("80DD", "80U"):
            more[key] = draw(st.sampled_from(("severe", value or "disability")))
        elif key == "80G":
            more[key] = [*value, {"amount": draw(tens(0, LAKH)), "percent": 50}]
        else:
            more[key] = value + draw(tens(0, LAKH))
    return {**document, "deductions": base}, {**document, "deductions": more}


@PROPERTY_SETTINGS
@given(more_deductions())
def test_more_deductions_never_raise_tax(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fewer, more = (compute(decoded(d)) for d in pair)
    for a, b in ((fewer.old, more.old), (fewer.new, more.new)):
        assert b.total_tax <= a.total_tax
        assert b.total_liability <= a.total_liability


@PROPERTY_SETTINGS
@given(documents())
def test_deterministic_and_well_formed(document: dict[str, Any]) -> None:
    inp = decoded(document)
    first, second = compute(inp), compute(decoded(document))
    assert first == second
    assert encode_result(first) == encode_result(second)
    for regime in (first.old, first.new):
        assert regime.total_tax >= 0
        assert regime.total_tax % 10 == 0
        assert regime.net_payable % 10 == 0
        assert regime.total_income % 10 == 0
        assert regime.breakdown[-1].step in ("Net payable", "Refund due")
        assert regime.breakdown[-1].amount == regime.net_payable
        steps = {s.step: s.amount for s in regime.breakdown}
        assert steps["Gross total income"] == regime.gross_total_income
        assert steps["Total income"] == regime.total_income
        assert steps["Total tax"] == regime.total_tax
        slab_lines = [s.amount for s in regime.breakdown if s.step == "Slab tax"]
        assert 0 <= regime.slab_tax - sum(slab_lines) <= len(slab_lines)


KNOWN_KEYS = {
    "assessment_year",
    "age",
    "salary",
    "house_property",
    "other_sources",
    "capital_gains",
    "deductions",
    "taxes_paid",
    "filing_date",
}
AMOUNT_FIELDS = (
    ("salary", "gross"),
    ("salary", "exempt_allowances"),
    ("house_property", "let_out_income"),
    ("other_sources", "savings_interest"),
    ("deductions", "80C"),
    ("deductions", "80TTB"),
    ("taxes_paid", "tds"),
)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12).filter(
        lambda k: k not in KNOWN_KEYS
    )
)
def test_unknown_keys_are_rejected(key: str) -> None:
    data = msgspec.json.encode({"assessment_year": "2025-26", key: 1})
    try:
        decode_input(data)
    except InvalidTaxInput as error:
        assert error.field == f"$.{key}"
    else:
        raise AssertionError(f"{key} accepted")


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(AMOUNT_FIELDS), st.integers(max_value=-1))
def test_negative_amounts_are_rejected(field: tuple[str, str], amount: int) -> None:
    section, name = field
    data = msgspec.json.encode({"assessment_year": "2025-26", section: {name: amount}})
    try:
        decode_input(data)
    except InvalidTaxInput as error:
        assert error.field == f"$.{section}.{name}"
    else:
        raise AssertionError("negative amount accepted")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=10).filter(lambda y: y not in YEARS))
def test_unsupported_years_are_rejected(year: str) -> None:
    try:
        decode_input(msgspec.json.encode({"assessment_year": year}))
    except InvalidTaxInput as error:
        assert error.field == "$.assessment_year"
    else:
        raise AssertionError("year accepted")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=12))
def test_malformed_dates_are_rejected(text: str) -> None:
    try:
        dt.date.fromisoformat(text)
        assume(len(text) != 10)  # a real ISO date is not malformed
    except ValueError:
        pass
    data = msgspec.json.encode({"assessment_year": "2025-26", "filing_date": text})
    try:
        decode_input(data)
    except InvalidTaxInput as error:
        assert error.field == "$.filing_date"
    else:
        raise AssertionError(f"{text!r} accepted")


@settings(max_examples=100, deadline=None)
@given(documents(), st.integers(1, 400))
def test_gains_outside_the_previous_year_are_rejected(document: dict[str, Any], days: int) -> None:
    ay = int(document["assessment_year"][:4])
    date = dt.date(ay, 3, 31) + dt.timedelta(days=days)
    document = {
        **document,
        "capital_gains": [{"section": "111A", "amount": 10, "transfer_date": date.isoformat()}],
    }
    try:
        decode_input(msgspec.json.encode(document))
    except InvalidTaxInput as error:
        assert error.field == "$.capital_gains[0].transfer_date"
    else:
        raise AssertionError("gain outside the previous year accepted")
