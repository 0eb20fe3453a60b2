"""The computation: both regimes, every time, from one `TaxInput`.

Order of the computation for a regime (each step in the module named after it):
heads of income (`income_heads`, `house_property`) -> set-off of a house-property loss
(normal income first, then special-rate income) -> gross total income -> Chapter VI-A
(`chapter_via`), limited to gross total income excluding special-rate income -> total income
rounded u/s 288A (the rounding difference is carried by normal income) -> tax at slab rates
(`slabs`) and special rates (`special_rates`, with the s.112A threshold and the unused basic
exemption) -> rebate / marginal relief u/s 87A (`rebate`) -> surcharge with marginal relief
and cess (`surcharge`) -> tax rounded u/s 288B -> interest and fee (`interest`) -> balance.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from domain.tax.assessment import Assessment
from domain.tax.breakdown import Extras, SharedSteps, explain, return_step
from domain.tax.chapter_via import SENIOR_AGE, chapter_via_claims, income_linked_claims
from domain.tax.errors import InvalidTaxInput
from domain.tax.house_property import house_property_scaled
from domain.tax.income_heads import INCOME_SCALE, other_sources_scaled, salary_income
from domain.tax.inputs import TaxInput
from domain.tax.interest import (
    fee_234f,
    fee_234i,
    interest_234a,
    interest_234b,
    interest_234b_after_credit,
    interest_234c,
    months_234a,
    months_or_part,
    refund_interest_244a,
)
from domain.tax.itr_form import choose_itr_form
from domain.tax.money import UNIT, inr, round_288a, round_288b_signed, round_288b_units
from domain.tax.rebate import rebate_87a
from domain.tax.result import ItrFormChoice, RegimeName, RegimeResult, TaxResult
from domain.tax.return_types import (
    ReturnNotAllowed,
    ReturnType,
    ReturnTypeDecision,
    additional_tax_140b,
)
from domain.tax.rules import YEAR_RULES, RegimeRules, SlabTable, YearRules
from domain.tax.slabs import slab_tax_units
from domain.tax.special_rates import (
    absorb,
    apply_112a_threshold,
    gains_by_bucket,
    special_tax_units,
)
from domain.tax.surcharge import surcharge_with_relief
from domain.tax.validation import check_semantics

_UPDATED: Final = ReturnType.UPDATED
_REVISED: Final = ReturnType.REVISED
"""Module constants: reading an enum member off its class costs a lookup each time."""
_ITR_U: Final = "an updated return is furnished in Form ITR-U (Rule 12AC) with this form's figures"
_NO_GAINS = (0, 0, 0, 0)
_NO_CLAIMS: list[tuple[str, int]] = []
"""Shared, never mutated: no Chapter VI-A claims."""
_ZEROS: list[int] = [0, 0, 0, 0]
"""Shared, never mutated: the special-rate figures of a computation without gains."""


def year_rules(assessment_year: str) -> YearRules:
    try:
        return YEAR_RULES[assessment_year]
    except KeyError:
        raise InvalidTaxInput(
            f"assessment year {assessment_year!r} is not supported", "$.assessment_year"
        ) from None


def _tax_on(
    rules: RegimeRules,
    year: YearRules,
    table: SlabTable,
    normal: int,
    buckets: list[int],
    total: int,
) -> tuple[int, list[int], list[int], int, int, int, int]:
    """(slab tax, special tax per bucket, taxable special income per bucket, s.112A threshold
    used, basic exemption used against special income, rebate, 87A marginal relief)."""
    slab_u = slab_tax_units(table, normal)
    if not (buckets[0] or buckets[1] or buckets[2] or buckets[3]):
        rebate_u, relief_u = rebate_87a(rules, total, slab_u, _ZEROS)
        return slab_u, _ZEROS, _ZEROS, 0, 0, rebate_u, relief_u
    taxable = buckets.copy()
    threshold_used = apply_112a_threshold(taxable, year.ltcg_112a_exemption)
    bel = table.basic_exemption
    bel_used = 0
    if normal < bel:
        shortfall = bel - normal
        bel_used = shortfall - absorb(taxable, shortfall)
    special_u = special_tax_units(taxable)
    rebate_u, relief_u = rebate_87a(rules, total, slab_u, special_u)
    return slab_u, special_u, taxable, threshold_used, bel_used, rebate_u, relief_u


def assess(
    inp: TaxInput,
    year: YearRules,
    rules: RegimeRules,
    gains: list[int],
    like: Assessment | None = None,
) -> Assessment:
    """One regime's tax on `inp`, with special-rate `gains` given per bucket.

    `like`: an assessment of the same input and regime whose heads of income and Chapter
    VI-A claims can be reused (they do not depend on the gains), as s.234C needs the tax
    again with fewer gains.
    """
    a = Assessment()
    a.rules = rules
    if like is None:
        table = a.table = rules.slab_table(inp.age)
        salary, a.exempt_allowances, a.standard_deduction, a.professional_tax = salary_income(
            inp.salary, rules
        )
        other = inp.other_sources
        if inp.salary.family_pension:
            other_300 = other_sources_scaled(other, inp.salary.family_pension, rules)
        else:
            other_300 = INCOME_SCALE * (other.savings_interest + other.other)
        hp = inp.house_property
        if hp.let_out_income or hp.self_occupied_interest or hp.let_out_interest:
            hp_300, a.hp_interest = house_property_scaled(hp, rules)
        else:
            hp_300 = a.hp_interest = 0
        if rules.chapter_via or inp.salary.employer_nps:
            claims, claims_300 = chapter_via_claims(inp, rules, year.chapter_via)
        else:
            claims = _NO_CLAIMS
            claims_300 = 0
    else:
        table = a.table = like.table
        salary = like.salary
        a.exempt_allowances = like.exempt_allowances
        a.standard_deduction = like.standard_deduction
        a.professional_tax = like.professional_tax
        other_300 = like.other_300
        hp_300 = like.hp_300
        a.hp_interest = like.hp_interest
        claims = like.claims
        claims_300 = like.claims_300
    a.salary = salary
    a.other_300 = other_300
    a.hp_300 = hp_300
    a.claims = claims
    a.claims_300 = claims_300
    a.gains = gains
    has_gains = (gains[0] or gains[1] or gains[2] or gains[3]) != 0
    buckets = gains.copy() if has_gains else _ZEROS
    positive_300 = INCOME_SCALE * salary + other_300

    if hp_300 >= 0:
        normal_300 = positive_300 + hp_300
        a.setoff_normal_300 = a.setoff_special = a.carried_forward = 0
    else:
        loss_300 = -hp_300
        cap_300 = INCOME_SCALE * rules.house_property_loss_setoff_cap
        allowed_300 = loss_300 if loss_300 < cap_300 else cap_300
        setoff_normal_300 = allowed_300 if allowed_300 < positive_300 else positive_300
        normal_300 = positive_300 - setoff_normal_300
        rest_300 = allowed_300 - setoff_normal_300
        setoff_special = 0
        if rest_300 > 0 and has_gains:
            # Against whole rupees of gains: the paise of the loss vanish with s.288A anyway.
            rest = -(-rest_300 // INCOME_SCALE)
            setoff_special = rest - absorb(buckets, rest)
            has_gains = (buckets[0] or buckets[1] or buckets[2] or buckets[3]) != 0
        left_300 = loss_300 - setoff_normal_300 - INCOME_SCALE * setoff_special
        a.setoff_normal_300 = setoff_normal_300
        a.setoff_special = setoff_special
        a.carried_forward = left_300 // INCOME_SCALE if left_300 > 0 else 0

    gti_normal = normal_300 // INCOME_SCALE
    if like is None and rules.chapter_via:
        d = inp.deductions
        if d.gg_rent_paid or d.g:
            linked, linked_300 = income_linked_claims(d, normal_300, claims_300, year.chapter_via)
            if linked:
                claims = a.claims = claims + linked
                claims_300 = a.claims_300 = claims_300 + linked_300
    special = buckets[0] + buckets[1] + buckets[2] + buckets[3] if has_gains else 0
    a.gross_total_income = gti_normal + special

    if claims_300:
        deductions_300 = claims_300 if claims_300 < normal_300 else normal_300
        normal = (normal_300 - deductions_300) // INCOME_SCALE
    else:
        normal = gti_normal
    a.deductions = gti_normal - normal

    exact = normal + special
    total = round_288a(exact)
    normal += total - exact
    if normal < 0:  # rounded down with no normal income to carry it
        absorb(buckets, -normal)
        normal = 0
    a.total_income_exact = exact
    a.total_income = total
    a.normal = normal
    a.buckets = buckets

    if has_gains:
        slab_u, special_u, taxable, a.threshold_used, a.bel_used, rebate_u, relief_u = _tax_on(
            rules, year, table, normal, buckets, total
        )
        special_sum_u = special_u[0] + special_u[1] + special_u[2] + special_u[3]
    else:
        slab_u = slab_tax_units(table, normal)
        special_u = taxable = _ZEROS
        special_sum_u = a.threshold_used = a.bel_used = 0
        if total <= rules.rebate_limit or rules.rebate_marginal_relief:
            rebate_u, relief_u = rebate_87a(rules, total, slab_u, _ZEROS)
        else:
            rebate_u = relief_u = 0
    a.slab_u = slab_u
    a.special_u = special_u
    a.taxable = taxable
    a.rebate_u = rebate_u
    a.relief_u = relief_u
    tax_u = slab_u + special_sum_u - rebate_u - relief_u

    if total > rules.surcharge_bands[0].above:

        def tax_at(at_normal: int, at_buckets: list[int]) -> tuple[int, int]:
            at_total = at_normal + sum(at_buckets)
            s_u, sp_u, _, _, _, r_u, m_u = _tax_on(
                rules, year, table, at_normal, at_buckets, at_total
            )
            return s_u - r_u - m_u, sum(sp_u)

        band, surcharge_u, surcharge_relief_u = surcharge_with_relief(
            rules, total, normal, buckets, slab_u - rebate_u - relief_u, special_sum_u, tax_at
        )
        a.surcharge_band = band
        a.surcharge_u = surcharge_u
        a.surcharge_relief_u = surcharge_relief_u
        tax_u += surcharge_u - surcharge_relief_u
    else:
        a.surcharge_band = -1
        a.surcharge_u = a.surcharge_relief_u = 0
    cess_u = a.cess_u = tax_u * rules.cess_pct // 100
    total_u = a.total_u = tax_u + cess_u
    a.total_tax = round_288b_units(total_u)
    return a


class _Prepaid:
    """Taxes paid, the dates that drive interest, and what both regimes share."""

    __slots__ = (
        "advance_total",
        "decision",
        "earlier",
        "earlier_credit",
        "filed",
        "gains_111a",
        "gains_112a",
        "kind",
        "latest_transfer",
        "months_234a",
        "months_234a_first",
        "months_234b",
        "months_234b_first",
        "option_date",
        "paid_by",
        "refund_issued",
        "return_step",
        "self_assessment",
        "shared_steps",
        "tds",
        "total",
    )

    def __init__(
        self, inp: TaxInput, year: YearRules, gains: list[int], decision: ReturnTypeDecision
    ) -> None:
        latest = None
        if inp.capital_gains:
            self.gains_111a = gains[0] + gains[1]
            self.gains_112a = gains[2] + gains[3]
            for gain in inp.capital_gains:
                if latest is None or gain.transfer_date > latest:
                    latest = gain.transfer_date
        else:
            self.gains_111a = self.gains_112a = 0
        self.latest_transfer = latest
        paid = inp.taxes_paid
        advance = 0
        if paid.advance_tax:
            june, september, december, march = year.instalment_dates
            by_june = by_september = by_december = by_march = 0
            for instalment in paid.advance_tax:
                amount = instalment.amount
                advance += amount
                date = instalment.date
                if date <= march:
                    by_march += amount
                    if date <= december:
                        by_december += amount
                        if date <= september:
                            by_september += amount
                            if date <= june:
                                by_june += amount
            self.paid_by = [by_june, by_september, by_december, by_march]
        else:
            self.paid_by = _ZEROS
        self.tds = paid.tds
        self.advance_total = advance
        self.self_assessment = paid.self_assessment
        self.total = paid.tds + advance + paid.self_assessment
        self.shared_steps = SharedSteps(inp, gains, advance)
        self.decision = decision
        kind = self.kind = decision.return_type
        self.return_step = return_step(year, decision)
        filed = self.filed = inp.filing_date if inp.filing_date is not None else year.due_date
        earlier = self.earlier = inp.earlier_return
        # The return u/s 139(1) or 139(4): its date decides s.234F, the old-regime option
        # (s.115BAC(6)) and whether s.244A interest runs from 1 April.
        self.option_date = earlier.filed_on if earlier is not None else filed
        if earlier is None:
            self.refund_issued = self.earlier_credit = 0
        else:
            self.refund_issued = earlier.refund
            # Self-assessment tax paid with the earlier return (s.140B(5)).
            credit = earlier.taxes_paid - paid.tds - advance
            self.earlier_credit = credit if credit > 0 else 0
        if kind is _UPDATED:
            self.months_234a = months_234a(year.due_date, filed)
            self.months_234b = months_or_part(year.assessment_year_start, filed)
            if earlier is not None:
                self.months_234a_first = months_234a(year.due_date, earlier.filed_on)
                self.months_234b_first = months_or_part(
                    year.assessment_year_start, earlier.filed_on
                )
            else:
                self.months_234a_first = self.months_234a
                self.months_234b_first = self.months_234b
        else:
            self.months_234a = self.months_234a_first = (
                months_234a(year.due_date, self.option_date) if inp.filing_date else 0
            )
            self.months_234b = -1  # worked out when first needed, then shared by both regimes
            self.months_234b_first = -1


def _instalment_dues(
    inp: TaxInput,
    year: YearRules,
    rules: RegimeRules,
    full_due: int,
    tds: int,
    paid_by: list[int],
    latest: dt.date | None,
    like: Assessment,
) -> list[int]:
    """Tax due at each s.234C instalment, leaving out gains from later transfers.

    Tax never falls when gains are added, so an instalment already covered against the
    full year's tax needs no recomputation.
    """
    dues = []
    partial_dues: dict[tuple[int, ...], int] = {}
    for inst, paid in zip(year.instalments, paid_by, strict=True):
        if latest is None or latest <= inst.due or 100 * paid >= inst.safe_harbour_pct * full_due:
            dues.append(full_due)
            continue
        gains = gains_by_bucket(inp.capital_gains, inst.due)
        key = tuple(gains)
        due = partial_dues.get(key)
        if due is None:
            due = assess(inp, year, rules, gains, like).total_tax - tds
            due = partial_dues[key] = due if due > 0 else 0
        dues.append(due)
    return dues


def _regime_result(
    inp: TaxInput, year: YearRules, rules: RegimeRules, gains: list[int], prepaid: _Prepaid
) -> tuple[RegimeResult, Assessment, str | None]:
    """The regime's result, its assessment, and why an updated return in this regime is not
    allowed (None when it is, or for other return types)."""
    a = assess(inp, year, rules, gains)
    total_tax = a.total_tax
    tds = prepaid.tds
    filed = prepaid.filed
    due_date = year.due_date
    late = prepaid.option_date > due_date
    updated = prepaid.kind is _UPDATED
    advance = prepaid.advance_total
    credit = prepaid.earlier_credit

    due_after_tds = total_tax - tds
    i234a = m234a = i234b = m234b = 0
    i234c = _ZEROS
    if due_after_tds > 0:
        if late or updated:
            m234a = prepaid.months_234a
            first = prepaid.months_234a_first
            i234a = interest_234a(due_after_tds - advance, first)
            if m234a > first:  # s.140B(5): after the earlier return, less its tax paid
                i234a += interest_234a(due_after_tds - advance - credit, m234a - first)
        if (
            due_after_tds >= year.advance_tax_threshold
            and inp.age < year.senior_advance_tax_exempt_age
        ):
            if prepaid.months_234b < 0:
                prepaid.months_234b = prepaid.months_234b_first = months_or_part(
                    year.assessment_year_start, filed
                )
            first = prepaid.months_234b_first
            i234b = interest_234b(due_after_tds, advance, first)
            if i234b:
                m234b = prepaid.months_234b
                if m234b > first:
                    i234b += interest_234b_after_credit(
                        due_after_tds, advance, credit, m234b - first
                    )
            paid_by = prepaid.paid_by
            latest = prepaid.latest_transfer
            if latest is None or latest <= year.instalments[0].due:
                dues = [due_after_tds, due_after_tds, due_after_tds, due_after_tds]
            else:
                dues = _instalment_dues(inp, year, rules, due_after_tds, tds, paid_by, latest, a)
            i234c = interest_234c(dues, paid_by, year.instalments)
    fee = 0
    if late:
        obliged = a.gross_total_income > a.table.basic_exemption or tds >= (
            year.mandatory_filing_tds_senior if inp.age >= SENIOR_AGE else year.mandatory_filing_tds
        )
        fee = fee_234f(
            prepaid.option_date,
            due_date,
            obliged,
            a.total_income,
            year.fee_234f,
            year.fee_234f_small,
            year.fee_234f_small_income,
        )
    fee_i = 0
    if prepaid.kind is _REVISED and filed > year.belated_deadline:
        fee_i = fee_234i(a.total_income, year.fee_234f_small_income)
    interest_c = i234c[0] + i234c[1] + i234c[2] + i234c[3]
    interest = i234a + i234b + interest_c
    refund_issued = prepaid.refund_issued
    additional = (0, 0)
    refusal = None
    if updated:
        additional, refusal = _updated_return_dues(
            year, a, prepaid, interest, fee, refund_issued, filed
        )
    liability = total_tax + interest + fee + fee_i + additional[1]
    paid_total = prepaid.total - refund_issued
    net = round_288b_signed(liability - paid_total)
    available = not late or rules.regime == "new"
    i244a = 0
    if net < 0 and not updated:
        months = 0 if late else months_or_part(year.assessment_year_start, filed)
        i244a = refund_interest_244a(tds + advance - refund_issued - liability, total_tax, months)

    special_u = a.special_u
    hp_300 = a.hp_300
    result = RegimeResult(
        rules.regime,
        available,
        a.salary,
        (hp_300 // INCOME_SCALE if hp_300 >= 0 else -(-hp_300 // INCOME_SCALE)),
        a.other_300 // INCOME_SCALE,
        prepaid.gains_111a,
        prepaid.gains_112a,
        a.carried_forward,
        a.gross_total_income,
        a.deductions,
        a.total_income,
        a.slab_u // UNIT,
        (special_u[0] + special_u[1] + special_u[2] + special_u[3]) // UNIT,
        a.rebate_u // UNIT,
        a.relief_u // UNIT,
        (a.surcharge_u - a.surcharge_relief_u) // UNIT,
        a.surcharge_relief_u // UNIT,
        a.cess_u // UNIT,
        total_tax,
        paid_total,
        i234a,
        i234b,
        interest_c,
        fee,
        liability,
        net,
        explain(
            inp,
            year,
            a,
            prepaid.shared_steps,
            (i234a, m234a),
            (i234b, m234b),
            i234c,
            fee,
            net,
            available,
            prepaid.return_step,
            Extras(fee_i, additional, refund_issued, i244a)
            if fee_i or refund_issued or i244a or updated
            else None,
        ),
        additional[1],
        i244a,
        fee_i,
    )
    return result, a, refusal


def _updated_return_dues(
    year: YearRules,
    a: Assessment,
    prepaid: _Prepaid,
    interest: int,
    fee: int,
    refund_issued: int,
    filed: dt.date,
) -> tuple[tuple[int, int], str | None]:
    """((percent, additional tax u/s 140B(3)), why the updated return is not allowed).

    Tax payable: the tax on the updated return less TDS, advance tax and the tax part of
    the self-assessment tax paid with the earlier return (s.140A(2): that payment went to
    interest and fee first), plus any refund issued on it (s.140B(2)). Interest payable:
    ss.234A/B/C on the updated return less the interest charged on the earlier one.
    """
    earlier = prepaid.earlier
    total_tax = a.total_tax
    prepaid_before = prepaid.tds + prepaid.advance_total
    if earlier is not None:
        earlier_interest = earlier.interest - fee if earlier.interest > fee else 0
        tax_credit = prepaid.earlier_credit - earlier_interest
        tax_payable = total_tax - prepaid_before - (tax_credit if tax_credit > 0 else 0)
        tax_payable += refund_issued
        interest_payable = interest - earlier_interest
    else:
        tax_payable = total_tax - prepaid_before
        interest_payable = interest
    base = (tax_payable if tax_payable > 0 else 0) + (
        interest_payable if interest_payable > 0 else 0
    )
    additional = additional_tax_140b(year.assessment_year, filed, base)
    refusal = None
    # A refund is rounded u/s 288B like any balance: the few rupees by which a rounded
    # self-assessment payment exceeded the earlier return's liability are no refund.
    refund = round_288b_signed(
        prepaid_before + prepaid.earlier_credit - (total_tax + interest + fee)
    )
    if earlier is not None and total_tax < earlier.total_tax:
        refusal = (
            f"an updated return u/s 139(8A) cannot result in a lower tax than the return it "
            f"updates (acknowledgement {earlier.acknowledgement}, filed on "
            f"{earlier.filed_on.isoformat()}: tax {inr(earlier.total_tax)}; this return: "
            f"{inr(total_tax)})"
        )
    elif refund > refund_issued:
        refusal = (
            "an updated return u/s 139(8A) cannot result in a refund or increase the refund "
            f"due: taxes paid before it ({inr(prepaid_before + prepaid.earlier_credit)}) "
            f"exceed tax, interest and fee ({inr(total_tax + interest + fee)})"
        )
    elif a.carried_forward and not a.total_income:
        refusal = (
            "an updated return u/s 139(8A) cannot be a return of a loss (house-property "
            f"loss of {inr(a.carried_forward)} to carry forward, no total income)"
        )
    return additional, refusal


def compute(inp: TaxInput) -> TaxResult:
    """Tax under both regimes for one resident individual, the cheaper one, and the form."""
    year = year_rules(inp.assessment_year)
    decision = check_semantics(inp, year)
    gains = gains_by_bucket(inp.capital_gains) if inp.capital_gains else list(_NO_GAINS)
    prepaid = _Prepaid(inp, year, gains, decision)
    old, old_a, old_refusal = _regime_result(inp, year, year.old, gains, prepaid)
    new, new_a, new_refusal = _regime_result(inp, year, year.new, gains, prepaid)
    recommended: RegimeName = (
        "old" if old.available and old.total_liability < new.total_liability else "new"
    )
    refusal = old_refusal if recommended == "old" else new_refusal
    if refusal is not None:
        raise ReturnNotAllowed(refusal, "$")
    chosen = old_a if recommended == "old" else new_a
    form = choose_itr_form(inp, year, chosen)
    if decision.return_type is _UPDATED:
        form = ItrFormChoice(form.form, (*form.reasons, _ITR_U))
    return TaxResult(
        inp.assessment_year,
        old,
        new,
        recommended,
        form,
        decision.return_type.value,
        decision.reason,
    )
