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

from domain.tax.assessment import Assessment
from domain.tax.breakdown import explain
from domain.tax.chapter_via import SENIOR_AGE, chapter_via_claims
from domain.tax.errors import InvalidTaxInput
from domain.tax.house_property import house_property_scaled
from domain.tax.income_heads import INCOME_SCALE, other_sources_scaled, salary_income
from domain.tax.inputs import TaxInput
from domain.tax.interest import fee_234f, interest_234a, interest_234b, interest_234c
from domain.tax.itr_form import choose_itr_form
from domain.tax.money import UNIT, round_288a, round_288b_signed, round_288b_units
from domain.tax.rebate import rebate_87a
from domain.tax.result import RegimeName, RegimeResult, TaxResult
from domain.tax.rules import SECTION_111A_BUCKETS, YEAR_RULES, RegimeRules, SlabTable, YearRules
from domain.tax.slabs import slab_tax_units
from domain.tax.special_rates import (
    absorb,
    apply_112a_threshold,
    gains_by_bucket,
    special_tax_units,
)
from domain.tax.surcharge import cess_units, surcharge_with_relief
from domain.tax.validation import check_semantics

_NO_GAINS = (0, 0, 0, 0)


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
    if not any(buckets):
        rebate_u, relief_u = rebate_87a(rules, total, slab_u, [0, 0, 0, 0])
        return slab_u, [0, 0, 0, 0], [0, 0, 0, 0], 0, 0, rebate_u, relief_u
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


def assess(inp: TaxInput, year: YearRules, rules: RegimeRules, gains: list[int]) -> Assessment:
    """One regime's tax on `inp`, with special-rate `gains` given per bucket."""
    a = Assessment()
    a.rules = rules
    table = a.table = rules.slab_table(inp.age)
    salary, a.exempt_allowances, a.standard_deduction, a.professional_tax = salary_income(
        inp.salary, rules
    )
    a.salary = salary
    other_300 = a.other_300 = other_sources_scaled(
        inp.other_sources, inp.salary.family_pension, rules
    )
    hp_300, a.hp_interest = house_property_scaled(inp.house_property, rules)
    a.hp_300 = hp_300
    a.gains = gains
    buckets = gains.copy()
    positive_300 = INCOME_SCALE * salary + other_300

    setoff_normal_300 = setoff_special = carried = 0
    if hp_300 >= 0:
        normal_300 = positive_300 + hp_300
    else:
        loss_300 = -hp_300
        cap_300 = INCOME_SCALE * rules.house_property_loss_setoff_cap
        allowed_300 = loss_300 if loss_300 < cap_300 else cap_300
        setoff_normal_300 = allowed_300 if allowed_300 < positive_300 else positive_300
        normal_300 = positive_300 - setoff_normal_300
        rest_300 = allowed_300 - setoff_normal_300
        if rest_300 > 0:
            # Against whole rupees of gains: the paise of the loss vanish with s.288A anyway.
            rest = -(-rest_300 // INCOME_SCALE)
            setoff_special = rest - absorb(buckets, rest)
        left_300 = loss_300 - setoff_normal_300 - INCOME_SCALE * setoff_special
        carried = left_300 // INCOME_SCALE if left_300 > 0 else 0
    a.setoff_normal_300 = setoff_normal_300
    a.setoff_special = setoff_special
    a.carried_forward = carried

    gti_normal = normal_300 // INCOME_SCALE
    special = sum(buckets)
    a.gross_total_income = gti_normal + special

    claims = a.claims = chapter_via_claims(inp, rules, year.chapter_via)
    deductions_300 = 0
    for _, amount in claims:
        deductions_300 += amount
    if deductions_300 > normal_300:
        deductions_300 = normal_300
    normal = (normal_300 - deductions_300) // INCOME_SCALE
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

    slab_u, special_u, taxable, a.threshold_used, a.bel_used, rebate_u, relief_u = _tax_on(
        rules, year, table, normal, buckets, total
    )
    a.slab_u, a.special_u, a.taxable, a.rebate_u, a.relief_u = (
        slab_u,
        special_u,
        taxable,
        rebate_u,
        relief_u,
    )
    special_sum_u = sum(special_u)
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
    else:
        band, surcharge_u, surcharge_relief_u = -1, 0, 0
    a.surcharge_band, a.surcharge_u, a.surcharge_relief_u = band, surcharge_u, surcharge_relief_u
    tax_u += surcharge_u - surcharge_relief_u
    cess_u = a.cess_u = cess_units(rules, tax_u)
    a.total_u = tax_u + cess_u
    a.total_tax = round_288b_units(tax_u + cess_u)
    return a


class _Prepaid:
    """Taxes paid, and the dates that drive interest, shared by both regimes."""

    __slots__ = (
        "advance",
        "advance_total",
        "filed",
        "filing_date",
        "paid_by",
        "self_assessment",
        "tds",
    )

    def __init__(self, inp: TaxInput, year: YearRules) -> None:
        paid = inp.taxes_paid
        self.tds = paid.tds
        self.advance = paid.advance_tax
        total = 0
        for instalment in paid.advance_tax:
            total += instalment.amount
        self.advance_total = total
        paid_by = [0, 0, 0, 0]
        if total:
            for i, inst in enumerate(year.instalments):
                for instalment in paid.advance_tax:
                    if instalment.date <= inst.due:
                        paid_by[i] += instalment.amount
        self.paid_by = paid_by
        self.self_assessment = paid.self_assessment
        self.filing_date = inp.filing_date
        self.filed = inp.filing_date if inp.filing_date is not None else year.due_date

    @property
    def total(self) -> int:
        return self.tds + self.advance_total + self.self_assessment


def _instalment_dues(
    inp: TaxInput,
    year: YearRules,
    rules: RegimeRules,
    full_due: int,
    tds: int,
    paid_by: list[int],
) -> list[int]:
    """Tax due at each s.234C instalment, leaving out gains from later transfers.

    Tax never falls when gains are added, so an instalment already covered against the
    full year's tax needs no recomputation.
    """
    latest = None
    for gain in inp.capital_gains:
        if latest is None or gain.transfer_date > latest:
            latest = gain.transfer_date
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
            due = assess(inp, year, rules, gains).total_tax - tds
            due = partial_dues[key] = due if due > 0 else 0
        dues.append(due)
    return dues


def _regime_result(
    inp: TaxInput, year: YearRules, rules: RegimeRules, gains: list[int], prepaid: _Prepaid
) -> tuple[RegimeResult, Assessment]:
    a = assess(inp, year, rules, gains)
    total_tax = a.total_tax
    tds = prepaid.tds
    filed = prepaid.filed
    due_date = year.due_date

    due_after_tds = total_tax - tds
    i234a = m234a = i234b = m234b = 0
    i234c = [0, 0, 0, 0]
    if due_after_tds > 0:
        i234a, m234a = interest_234a(due_after_tds - prepaid.advance_total, due_date, filed)
        if (
            due_after_tds >= year.advance_tax_threshold
            and inp.age < year.senior_advance_tax_exempt_age
        ):
            year_start = year.previous_year_end + dt.timedelta(days=1)
            i234b, m234b = interest_234b(due_after_tds, prepaid.advance_total, year_start, filed)
            paid_by = prepaid.paid_by
            dues = _instalment_dues(inp, year, rules, due_after_tds, tds, paid_by)
            i234c = interest_234c(dues, paid_by, year.instalments)
    obliged = a.gross_total_income > a.table.basic_exemption or tds >= (
        year.mandatory_filing_tds_senior if inp.age >= SENIOR_AGE else year.mandatory_filing_tds
    )
    fee = fee_234f(
        filed,
        due_date,
        obliged,
        a.total_income,
        year.fee_234f,
        year.fee_234f_small,
        year.fee_234f_small_income,
    )
    interest_c = i234c[0] + i234c[1] + i234c[2] + i234c[3]
    liability = total_tax + i234a + i234b + interest_c + fee
    paid_total = prepaid.total
    net = round_288b_signed(liability - paid_total)
    available = rules.regime == "new" or filed <= due_date

    special_u = a.special_u
    hp_300 = a.hp_300
    buckets = a.gains
    result = RegimeResult(
        regime=rules.regime,
        available=available,
        salary_income=a.salary,
        house_property_income=hp_300 // INCOME_SCALE if hp_300 >= 0 else -(-hp_300 // INCOME_SCALE),
        other_sources_income=a.other_300 // INCOME_SCALE,
        capital_gains_111a=sum(buckets[i] for i in SECTION_111A_BUCKETS),
        capital_gains_112a=sum(buckets) - sum(buckets[i] for i in SECTION_111A_BUCKETS),
        house_property_loss_carried_forward=a.carried_forward,
        gross_total_income=a.gross_total_income,
        deductions=a.deductions,
        total_income=a.total_income,
        slab_tax=a.slab_u // UNIT,
        special_rate_tax=sum(special_u) // UNIT,
        rebate_87a=a.rebate_u // UNIT,
        marginal_relief=a.relief_u // UNIT,
        surcharge=(a.surcharge_u - a.surcharge_relief_u) // UNIT,
        surcharge_marginal_relief=a.surcharge_relief_u // UNIT,
        cess=a.cess_u // UNIT,
        total_tax=total_tax,
        taxes_paid=paid_total,
        interest_234a=i234a,
        interest_234b=i234b,
        interest_234c=interest_c,
        fee_234f=fee,
        total_liability=liability,
        net_payable=net,
        breakdown=explain(
            inp,
            year,
            a,
            prepaid.tds,
            prepaid.advance_total,
            prepaid.self_assessment,
            (i234a, m234a),
            (i234b, m234b),
            i234c,
            fee,
            net,
            available,
        ),
    )
    return result, a


def compute(inp: TaxInput) -> TaxResult:
    """Tax under both regimes for one resident individual, the cheaper one, and the form."""
    year = year_rules(inp.assessment_year)
    check_semantics(inp, year)
    gains = gains_by_bucket(inp.capital_gains) if inp.capital_gains else list(_NO_GAINS)
    prepaid = _Prepaid(inp, year)
    old, old_a = _regime_result(inp, year, year.old, gains, prepaid)
    new, new_a = _regime_result(inp, year, year.new, gains, prepaid)
    recommended: RegimeName = (
        "old" if old.available and old.total_liability < new.total_liability else "new"
    )
    chosen = old_a if recommended == "old" else new_a
    return TaxResult(
        assessment_year=inp.assessment_year,
        old=old,
        new=new,
        recommended=recommended,
        itr_form=choose_itr_form(inp, year, chosen),
    )
