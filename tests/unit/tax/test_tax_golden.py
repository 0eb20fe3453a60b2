"""The engine gives, for each of 5,000 varied returns, exactly what it gave before its
restructuring into named stages: the same figures, breakdown and refusals (`golden.py`)."""

from __future__ import annotations

import functools
import json
from typing import Any

import msgspec
import pytest

from domain.tax import TaxInput, compute
from domain.tax.assessment import assess
from domain.tax.money import UNIT
from domain.tax.rules import year_rules
from domain.tax.special_rates import gains_by_bucket
from tests.unit.tax.golden import CASES, FIXTURE, outcome


@functools.cache
def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["cases"]
    return cases


def test_the_fixture_holds_every_case() -> None:
    assert len(_cases()) == CASES


@pytest.mark.parametrize("chunk", range(10))
def test_results_match_the_engine_before_the_restructuring(chunk: int) -> None:
    cases = _cases()
    size = -(-len(cases) // 10)
    mismatches = []
    for i, case in enumerate(cases[chunk * size : (chunk + 1) * size], start=chunk * size):
        expected = {key: value for key, value in case.items() if key != "input"}
        got = outcome(case["input"])
        if got != expected:
            mismatches.append((i, case["input"], expected, got))
    assert not mismatches, f"{len(mismatches)} results differ; first: {mismatches[0]}"


def test_every_regime_field_comes_from_its_stage() -> None:
    """Each field of `RegimeResult` against the stage that computes it, derived here on its
    own (not through `engine._result`), over the golden cases."""
    checked = 0
    for case in _cases()[:400]:
        if "error" in case:
            continue
        inp = msgspec.convert(case["input"], TaxInput)
        result = compute(inp)
        year = year_rules(inp.assessment_year)
        gains = gains_by_bucket(inp.capital_gains)
        paid = inp.taxes_paid
        for regime, rules in ((result.old, year.old), (result.new, year.new)):
            a = assess(inp, year, rules, gains)
            heads, total, tax, surcharge = a.income.heads, a.total, a.tax, a.surcharge
            hp = heads.house_property_300
            expected = {
                "regime": rules.regime,
                "salary_income": heads.salary,
                "house_property_income": hp // 300 if hp >= 0 else -(-hp // 300),
                "other_sources_income": heads.other_sources_300 // 300,
                "capital_gains_111a": gains[0] + gains[1],
                "capital_gains_112a": gains[2] + gains[3],
                "house_property_loss_carried_forward": total.loss_carried_forward,
                "gross_total_income": total.gross_total_income,
                "deductions": a.income.chapter_via.allowed,
                "total_income": total.total_income,
                "slab_tax": tax.slab_u // UNIT,
                "special_rate_tax": sum(tax.special.tax_u) // UNIT,
                "rebate_87a": tax.rebate_u // UNIT,
                "marginal_relief": tax.marginal_relief_u // UNIT,
                "surcharge": (surcharge.surcharge_u - surcharge.marginal_relief_u) // UNIT,
                "surcharge_marginal_relief": surcharge.marginal_relief_u // UNIT,
                "cess": a.cess_u // UNIT,
                "total_tax": a.total_tax,
                "taxes_paid": paid.tds
                + sum(instalment.amount for instalment in paid.advance_tax)
                + paid.self_assessment
                - (inp.earlier_return.refund if inp.earlier_return else 0),
                "total_liability": regime.total_tax
                + regime.interest_234a
                + regime.interest_234b
                + regime.interest_234c
                + regime.fee_234f
                + regime.fee_234i
                + regime.additional_tax_140b,
            }
            got = msgspec.structs.asdict(regime)
            assert {name: got[name] for name in expected} == expected
            assert got["available"] == (regime.breakdown[0].step != "Regime not available")
            steps = {step.step: step.amount for step in regime.breakdown}
            for field, step in (
                ("interest_234a", "Interest u/s 234A"),
                ("interest_234b", "Interest u/s 234B"),
                ("interest_234c", "Interest u/s 234C"),
                ("fee_234f", "Fee u/s 234F"),
                ("fee_234i", "Fee u/s 234I"),
                ("additional_tax_140b", "Additional tax u/s 140B"),
                ("refund_interest_244a", "Interest u/s 244A on the refund"),
            ):
                assert got[field] == steps.get(step, 0), field
            last = regime.breakdown[-1]
            assert last.step in ("Net payable", "Refund due")
            assert got["net_payable"] == last.amount
            checked += 1
    assert checked > 600
