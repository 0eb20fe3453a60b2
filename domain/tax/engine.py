"""The computation: both regimes, every time, from one `TaxInput`.

For the return (once, shared by both regimes): the year's rules, the checks the law makes
of the input and the return type it allows (`validation`), the special-rate gains per
bucket (`special_rates`), the taxes paid (`prepaid`) and the return's timing (`interest`).

For each regime, stage by stage (`regime_result`):
  tax on income (`assessment`: heads, set-off, Chapter VI-A, total income, slab and special
  rates, rebate u/s 87A, surcharge with marginal relief, cess)
  -> interest u/ss 234A/B/C and fees u/ss 234F/234I (`interest`)
  -> additional tax u/s 140B on an updated return, or why it is refused (`updated_return`)
  -> balance against the taxes paid, refund interest u/s 244A (`balance`)
  -> the readable breakdown (`breakdown`) and the `RegimeResult`.

Then the cheaper available regime is recommended and its figures choose the return form
(`itr_form`).
"""

from __future__ import annotations

from typing import Final

from domain.tax.assessment import Assessment, tax_on
from domain.tax.balance import Balance, balance
from domain.tax.breakdown import SharedSteps, explain, return_step
from domain.tax.inputs import TaxInput
from domain.tax.interest import Charges, ReturnTiming, interest_and_fees, return_timing
from domain.tax.itr_form import choose_itr_form
from domain.tax.money import INCOME_SCALE, UNIT
from domain.tax.prepaid import Prepaid, taxes_paid
from domain.tax.result import ItrFormChoice, RegimeName, RegimeResult, Step, TaxResult
from domain.tax.return_types import ReturnNotAllowed, ReturnType
from domain.tax.rules import RegimeRules, YearRules, year_rules
from domain.tax.special_rates import gains_by_bucket
from domain.tax.total_income import income_before_gains
from domain.tax.updated_return import NOT_UPDATED, UpdatedReturnDues, updated_return_dues
from domain.tax.validation import check_semantics

_UPDATED: Final = ReturnType.UPDATED
"""A module constant: reading an enum member off its class costs a lookup each time."""
_ITR_U: Final = "an updated return is furnished in Form ITR-U (Rule 12AC) with this form's figures"


def compute(inp: TaxInput) -> TaxResult:
    """Tax under both regimes for one resident individual, the cheaper one, and the form."""
    year = year_rules(inp.assessment_year)
    decision = check_semantics(inp, year)
    gains = gains_by_bucket(inp.capital_gains) if inp.capital_gains else [0, 0, 0, 0]
    paid = taxes_paid(inp, year)
    timing = return_timing(inp, year, decision.return_type)
    shared = SharedSteps(inp, gains, paid.advance_tax)
    first = return_step(year, decision)
    old, old_a, old_refusal = regime_result(inp, year, year.old, gains, paid, timing, shared, first)
    new, new_a, new_refusal = regime_result(inp, year, year.new, gains, paid, timing, shared, first)
    recommended: RegimeName = (
        "old" if old.available and old.total_liability < new.total_liability else "new"
    )
    refusal = old_refusal if recommended == "old" else new_refusal
    if refusal is not None:
        raise ReturnNotAllowed(refusal, "$")
    form = choose_itr_form(inp, year, old_a if recommended == "old" else new_a)
    if decision.return_type is _UPDATED:
        form = ItrFormChoice(form=form.form, reasons=(*form.reasons, _ITR_U))
    return TaxResult(
        assessment_year=inp.assessment_year,
        old=old,
        new=new,
        recommended=recommended,
        itr_form=form,
        return_type=decision.return_type.value,
        return_type_reason=decision.reason,
    )


def regime_result(
    inp: TaxInput,
    year: YearRules,
    rules: RegimeRules,
    gains: list[int],
    paid: Prepaid,
    timing: ReturnTiming,
    shared: SharedSteps,
    first: Step,
) -> tuple[RegimeResult, Assessment, str | None]:
    """One regime: its result, its assessment, and why an updated return in it is refused
    (None when it is not, or for other return types)."""
    income = income_before_gains(inp, year, rules)
    a = tax_on(year, rules, rules.slab_table(inp.age), income, gains)
    charges = interest_and_fees(inp, year, a, paid, timing)
    updated = timing.return_type is _UPDATED
    dues = (
        updated_return_dues(
            year=year,
            filed=timing.filed,
            earlier=inp.earlier_return,
            paid=paid,
            total_tax=a.total_tax,
            interest=charges.interest,
            fee=charges.fee_234f,
            total_income=a.total.total_income,
            loss_carried_forward=a.total.loss_carried_forward,
        )
        if updated
        else NOT_UPDATED
    )
    owed = balance(a.total_tax, charges, dues.additional_tax, paid, timing, updated)
    # s.115BAC(6): the old regime only in a return filed by the due date.
    available = not timing.late or rules.regime == "new"
    steps = explain(inp, year, a, shared, charges, dues, owed, paid, available, first)
    return _result(a, gains, available, charges, dues, owed, steps), a, dues.refusal


def _result(
    a: Assessment,
    gains: list[int],
    available: bool,
    charges: Charges,
    dues: UpdatedReturnDues,
    owed: Balance,
    steps: tuple[Step, ...],
) -> RegimeResult:
    """The regime's figures, each taken by name from the stage that produced it.

    The keywords are in `RegimeResult`'s field order: msgspec then matches each at its first
    try instead of scanning the field names (`make bench NAME=tax_engine` says what it costs).
    """
    heads = a.income.heads
    total = a.total
    tax = a.tax
    surcharge = a.surcharge
    hp_300 = heads.house_property_300
    c = charges.interest_234c
    return RegimeResult(
        regime=a.rules.regime,
        available=available,
        salary_income=heads.salary,
        house_property_income=(
            hp_300 // INCOME_SCALE if hp_300 >= 0 else -(-hp_300 // INCOME_SCALE)
        ),
        other_sources_income=heads.other_sources_300 // INCOME_SCALE,
        capital_gains_111a=gains[0] + gains[1],
        capital_gains_112a=gains[2] + gains[3],
        house_property_loss_carried_forward=total.loss_carried_forward,
        gross_total_income=total.gross_total_income,
        deductions=a.income.chapter_via.allowed,
        total_income=total.total_income,
        slab_tax=tax.slab_u // UNIT,
        special_rate_tax=tax.special.total_u // UNIT,
        rebate_87a=tax.rebate_u // UNIT,
        marginal_relief=tax.marginal_relief_u // UNIT,
        surcharge=surcharge.payable_u // UNIT,
        surcharge_marginal_relief=surcharge.marginal_relief_u // UNIT,
        cess=a.cess_u // UNIT,
        total_tax=a.total_tax,
        taxes_paid=owed.taxes_paid,
        interest_234a=charges.interest_234a,
        interest_234b=charges.interest_234b,
        interest_234c=c[0] + c[1] + c[2] + c[3],
        fee_234f=charges.fee_234f,
        total_liability=owed.total_liability,
        net_payable=owed.net_payable,
        breakdown=steps,
        additional_tax_140b=dues.additional_tax,
        refund_interest_244a=owed.refund_interest_244a,
        fee_234i=charges.fee_234i,
    )
