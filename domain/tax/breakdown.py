"""The readable working of a regime's computation: one `Step` per line, each with its amount.

Every figure is a step's `amount` (whole rupees, paise ignored; deductions and reliefs are
negative), and `detail` says which provision produced it. Details depend only on the rules,
so they are formatted once per table and reused, and the steps for whole slab brackets are
shared objects: the breakdown is on the hot path, and building it costs little more than
the steps themselves. A step is written only when it has something to say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from domain.tax.assessment import Assessment
from domain.tax.balance import Balance
from domain.tax.income_heads import PROFESSIONAL_TAX_CAP
from domain.tax.inputs import TaxInput
from domain.tax.interest import Charges
from domain.tax.money import INCOME_SCALE, UNIT, inr
from domain.tax.prepaid import Prepaid
from domain.tax.result import Step
from domain.tax.return_types import ReturnType, ReturnTypeDecision
from domain.tax.rules import SPECIAL_RATES, RegimeRules, SlabTable, YearRules
from domain.tax.updated_return import UpdatedReturnDues

_RATE_TEXT = {
    0: "nil",
    50: "5%",
    100: "10%",
    125: "12.5%",
    150: "15%",
    200: "20%",
    250: "25%",
    300: "30%",
}

NOT_AVAILABLE = Step(
    "Regime not available",
    "return filed after the due date: the old regime can only be chosen in a return filed "
    "by the due date u/s 139(1) (s.115BAC(6))",
    0,
)
_GAIN_TEXTS = tuple(
    f"{rate.label}, transfers on or after {rate.from_date:%d %b %Y}"
    if rate.from_date
    else f"{rate.label}, transfers up to {rate.until_date:%d %b %Y}"
    for rate in SPECIAL_RATES
)
_PROFESSIONAL_TAX_TEXT = "u/s 16(iii), at most 2,500"
_HRA_TEXT = "s.10, with HRA u/s 10(13A): least of HRA, rent less 10% and 50%/40% of salary"
_FULL_PROFESSIONAL_TAX = Step("Professional tax", _PROFESSIONAL_TAX_TEXT, -PROFESSIONAL_TAX_CAP)
_SPECIAL_TAX_STEPS = tuple(f"Tax on {rate.label}" for rate in SPECIAL_RATES)
_TEXT_234C = (
    "1% a month on the shortfall of advance tax below 15%, 45%, 75% and 100% of the tax due "
    "by 15 Jun, 15 Sep, 15 Dec and 15 Mar (3, 3, 3 and 1 months; 12% and 36% suffice for "
    "the first two)"
)
_MONTHS_234A = tuple(
    f"1% a month for {m} month(s) or part: return filed after the due date" for m in range(61)
)
_MONTHS_234B = tuple(
    f"1% a month for {m} month(s) or part: advance tax below 90% of assessed tax" for m in range(61)
)


_RETURN_STEPS: dict[tuple[str, ReturnType], Step] = {}


def return_step(year: YearRules, decision: ReturnTypeDecision) -> Step:
    """The first line: which return this is, of which year (the tax year for AY 2027-28)."""
    key = (year.assessment_year, decision.return_type)
    step = _RETURN_STEPS.get(key)
    if step is None:
        kind = decision.return_type
        step = _RETURN_STEPS[key] = Step(
            "Return",
            f"{kind.value} return u/s {decision.window.section} for {year.label}",
            0,
        )
    return step


def _rate(per_mille: int) -> str:
    text = _RATE_TEXT.get(per_mille)
    return text if text is not None else f"{per_mille / 10:g}%"


class _SlabLines:
    """A table's slab lines, built once: the steps for whole brackets are shared objects."""

    __slots__ = ("full_up_to", "part")

    def __init__(self, table: SlabTable) -> None:
        lowers, rates = table.lowers, table.rates
        full: list[Step] = []
        full_up_to: list[tuple[Step, ...]] = []
        part: list[str] = []
        for i, lower in enumerate(lowers):
            full_up_to.append(tuple(full))
            rate = _rate(rates[i])
            part.append(f"up to the income @ {rate}" if i == 0 else f"above {inr(lower)} @ {rate}")
            if i + 1 < len(lowers):
                upper = lowers[i + 1]
                prefix = "up to" if i == 0 else f"{inr(lower + 1)} to"
                whole = (upper - lower) * rates[i] // 1000
                full.append(Step("Slab tax", f"{prefix} {inr(upper)} @ {rate}", whole))
        self.full_up_to = tuple(full_up_to)
        """Steps for every whole bracket below bracket i."""
        self.part = tuple(part)
        """Text for the part of bracket i that the income reaches."""


_SLAB_LINES: dict[int, _SlabLines] = {}

_Built = TypeVar("_Built")


def _once_per(cache: dict[int, _Built], rules: Any, build: Callable[[Any], _Built]) -> _Built:
    """`build(rules)`, made once per rules object (the year's tables live as long as the
    process) and kept by its identity; callers try `cache.get(id(rules))` first."""
    made = cache.get(id(rules))
    if made is None:
        made = cache[id(rules)] = build(rules)
    return made


class _Texts:
    """Wording that depends only on the regime's rules."""

    __slots__ = (
        "bands",
        "cess",
        "family_pension",
        "full_hp_interest",
        "full_standard_deduction",
        "hp_interest",
        "rebate",
        "relief",
        "standard_deduction",
    )

    def __init__(self, rules: RegimeRules) -> None:
        self.standard_deduction = f"u/s 16(ia), up to {inr(rules.standard_deduction)}"
        self.full_standard_deduction = Step(
            "Standard deduction", self.standard_deduction, -rules.standard_deduction
        )
        self.family_pension = f"u/s 57(iia): a third, at most {inr(rules.family_pension_cap)}"
        self.hp_interest = (
            f"u/s 24(b), self-occupied, up to {inr(rules.self_occupied_interest_cap)}"
            if rules.self_occupied_interest_cap
            else "self-occupied home-loan interest: not deductible in this regime"
        )
        self.full_hp_interest = Step(
            "Interest on home loan", self.hp_interest, -rules.self_occupied_interest_cap
        )
        self.rebate = (
            f"total income up to {inr(rules.rebate_limit)}: tax rebated up to "
            f"{inr(rules.rebate_max)}"
        )
        self.relief = f"tax may not exceed the income above {inr(rules.rebate_limit)}"
        bands = []
        for band in rules.surcharge_bands:
            basis = "total income" if band.basis == "total" else "income excluding 111A/112A gains"
            bands.append(
                (
                    f"Surcharge @ {band.pct}%",
                    f"{basis} above {inr(band.above)}; at most "
                    f"{rules.surcharge_special_cap_pct}% on tax on 111A/112A gains",
                    f"tax and surcharge may not exceed those at {inr(band.above)} "
                    "by more than the income above it",
                )
            )
        self.bands = tuple(bands)
        self.cess = f"Health and education cess @ {rules.cess_pct}%"


_TEXTS: dict[int, _Texts] = {}


class SharedSteps:
    """Steps that state the input, the same in both regimes: built once per computation."""

    __slots__ = (
        "advance",
        "family_pension",
        "gains",
        "gross_salary",
        "let_out",
        "other",
        "savings",
        "self_assessment",
        "tds",
    )

    def __init__(self, inp: TaxInput, gains: list[int], advance: int) -> None:
        salary = inp.salary
        gross = salary.gross
        self.gross_salary = Step("Gross salary", "as in Form 16", gross) if gross else None
        let_out = inp.house_property.let_out_income
        self.let_out = (
            (
                Step("Annual value of let-out property", "net of municipal taxes", let_out),
                Step("Standard deduction", "u/s 24(a), 30% of annual value", -(let_out * 3 // 10)),
            )
            if let_out
            else ()
        )
        other = inp.other_sources
        savings = other.savings_interest
        self.savings = Step("Savings interest", "other sources", savings) if savings else None
        self.other = Step("Other income", "other sources", other.other) if other.other else None
        fp = salary.family_pension
        self.family_pension = Step("Family pension", "other sources", fp) if fp else None
        self.gains = (
            tuple([Step("Capital gains", _GAIN_TEXTS[i], gains[i]) for i in range(4) if gains[i]])
            if inp.capital_gains
            else ()
        )
        paid = inp.taxes_paid
        self.tds = Step("TDS", "tax deducted at source", -paid.tds) if paid.tds else None
        self.advance = (
            Step("Advance tax", "instalments paid in the previous year", -advance)
            if advance
            else None
        )
        sa = paid.self_assessment
        self.self_assessment = Step("Self-assessment tax", "s.140A", -sa) if sa else None


def explain(
    inp: TaxInput,
    year: YearRules,
    a: Assessment,
    shared: SharedSteps,
    charges: Charges,
    dues: UpdatedReturnDues,
    owed: Balance,
    paid: Prepaid,
    available: bool,
    first: Step,
) -> tuple[Step, ...]:
    """`first`: the line naming the return and the year."""
    rules = a.rules
    texts = _TEXTS.get(id(rules)) or _once_per(_TEXTS, rules, _Texts)
    income = a.income
    heads = income.heads
    total = a.total
    steps: list[Step] = [first] if available else [NOT_AVAILABLE, first]
    add = steps.append

    if shared.gross_salary is not None:
        add(shared.gross_salary)
        if heads.exempt_allowances:
            add(
                Step(
                    "Exempt allowances",
                    _HRA_TEXT if inp.salary.house_rent is not None else "s.10",
                    -heads.exempt_allowances,
                )
            )
        if heads.standard_deduction == rules.standard_deduction:
            add(texts.full_standard_deduction)
        elif heads.standard_deduction:
            add(Step("Standard deduction", texts.standard_deduction, -heads.standard_deduction))
        if heads.professional_tax:
            add(
                _FULL_PROFESSIONAL_TAX
                if heads.professional_tax == PROFESSIONAL_TAX_CAP
                else Step("Professional tax", _PROFESSIONAL_TAX_TEXT, -heads.professional_tax)
            )
        add(Step("Income from salary", "head total", heads.salary))

    hp = inp.house_property
    if shared.let_out or hp.self_occupied_interest or hp.let_out_interest:
        steps.extend(shared.let_out)
        if hp.let_out_interest:
            add(
                Step(
                    "Interest on let-out property loan",
                    "u/s 24(b), let-out property: no ceiling",
                    -hp.let_out_interest,
                )
            )
        if hp.self_occupied_interest:
            add(
                texts.full_hp_interest
                if heads.self_occupied_interest == rules.self_occupied_interest_cap
                else Step("Interest on home loan", texts.hp_interest, -heads.self_occupied_interest)
            )
        hp_300 = heads.house_property_300
        amount = hp_300 // INCOME_SCALE if hp_300 >= 0 else -(-hp_300 // INCOME_SCALE)
        add(Step("Income from house property", "head total", amount))

    other_sources = heads.other_sources_300 // INCOME_SCALE
    if shared.family_pension is not None:
        if shared.savings is not None:
            add(shared.savings)
        if shared.other is not None:
            add(shared.other)
        add(shared.family_pension)
        fp = inp.salary.family_pension
        deduction = min(-(-fp // 3), rules.family_pension_cap)
        add(Step("Family pension deduction", texts.family_pension, -deduction))
        add(Step("Income from other sources", "head total", other_sources))
    elif shared.savings is not None and shared.other is not None:
        add(shared.savings)
        add(shared.other)
        add(Step("Income from other sources", "head total", other_sources))
    elif shared.savings is not None:
        add(Step("Income from other sources", "savings interest", other_sources))
    elif shared.other is not None:
        add(Step("Income from other sources", "other income", other_sources))

    against_other_heads_300 = income.set_off.against_other_heads_300
    if against_other_heads_300:
        add(
            Step(
                "House property loss set off",
                "against other heads (s.71), at most 2,00,000",
                -(-against_other_heads_300 // INCOME_SCALE),
            )
        )
    if total.loss_set_off_against_gains:
        add(
            Step(
                "House property loss set off",
                "against capital gains (s.71)",
                total.loss_set_off_against_gains,
            )
        )
    if total.loss_carried_forward:
        add(Step("House property loss carried forward", "s.71B", total.loss_carried_forward))
    steps.extend(shared.gains)
    add(Step("Gross total income", "sum of the heads after set-off", total.gross_total_income))

    deductions = income.chapter_via
    if deductions.claims:
        for section, allowed_300 in deductions.claims:
            add(Step("Chapter VI-A deduction", section, -(allowed_300 // INCOME_SCALE)))
        if deductions.allowed < deductions.claimed_300 // INCOME_SCALE:
            add(
                Step(
                    "Chapter VI-A deductions allowed",
                    "limited to gross total income excluding special-rate income",
                    -deductions.allowed,
                )
            )
    add(Step("Total income", "after deductions, rounded off u/s 288A", total.total_income))
    normal = total.normal
    if normal != total.total_income:
        add(Step("Income at slab rates", "total income less special-rate income", normal))
    tax = a.tax
    if normal > 0:
        table = a.table
        lines = _SLAB_LINES.get(id(table)) or _once_per(_SLAB_LINES, table, _SlabLines)
        i = tax.slab_bracket
        steps.extend(lines.full_up_to[i])
        lower = table.lowers[i]
        if normal > lower:
            add(Step("Slab tax", lines.part[i], (normal - lower) * table.rates[i] // 1000))
    special = tax.special
    if special.threshold_112a:
        add(Step("s.112A threshold", "LTCG u/s 112A not taxed", -special.threshold_112a))
    if special.basic_exemption_used:
        add(
            Step(
                "Basic exemption against special-rate income",
                "unused basic exemption limit (provisos to ss.111A, 112A)",
                -special.basic_exemption_used,
            )
        )
    taxable = special.taxable
    if taxable[0] or taxable[1] or taxable[2] or taxable[3]:
        for i in range(4):
            if taxable[i]:
                add(Step("Income taxed at special rate", SPECIAL_RATES[i].label, taxable[i]))
                add(Step(_SPECIAL_TAX_STEPS[i], "special rate", special.tax_u[i] // UNIT))

    if tax.rebate_u:
        add(Step("Rebate u/s 87A", texts.rebate, -(tax.rebate_u // UNIT)))
    if tax.marginal_relief_u:
        add(Step("Marginal relief u/s 87A", texts.relief, -(tax.marginal_relief_u // UNIT)))
    surcharge = a.surcharge
    if surcharge.band >= 0:
        step, text, band_relief_text = texts.bands[surcharge.band]
        add(Step(step, text, surcharge.surcharge_u // UNIT))
        if surcharge.marginal_relief_u:
            add(
                Step(
                    "Marginal relief on surcharge",
                    band_relief_text,
                    -(surcharge.marginal_relief_u // UNIT),
                )
            )
    if a.cess_u:
        add(Step(texts.cess, "on income-tax and surcharge", a.cess_u // UNIT))
    add(Step("Total tax", "income-tax, surcharge and cess, rounded off u/s 288B", a.total_tax))

    if shared.tds is not None:
        add(shared.tds)
    if shared.advance is not None:
        add(shared.advance)
    if shared.self_assessment is not None:
        add(shared.self_assessment)
    if charges.interest_234a:
        add(
            Step(
                "Interest u/s 234A",
                _MONTHS_234A[min(charges.months_234a, 60)],
                charges.interest_234a,
            )
        )
    if charges.interest_234b:
        add(
            Step(
                "Interest u/s 234B",
                _MONTHS_234B[min(charges.months_234b, 60)],
                charges.interest_234b,
            )
        )
    i234c = charges.interest_234c
    total_234c = i234c[0] + i234c[1] + i234c[2] + i234c[3]
    if total_234c:
        add(Step("Interest u/s 234C", _TEXT_234C, total_234c))
    if charges.fee_234f:
        add(Step("Fee u/s 234F", "return filed after the due date", charges.fee_234f))
    if charges.fee_234i:
        add(Step("Fee u/s 234I", "revised return filed after 31 December", charges.fee_234i))
    if dues.additional_pct:
        add(
            Step(
                "Additional tax u/s 140B",
                f"updated return: {dues.additional_pct}% of the tax and interest payable on it",
                dues.additional_tax,
            )
        )
    if paid.refund_issued:
        add(Step("Refund issued on the earlier return", "repayable", paid.refund_issued))
    if owed.refund_interest_244a:
        add(
            Step(
                "Interest u/s 244A on the refund",
                "0.5% a month or part, by the filing date; more accrues until it is granted",
                owed.refund_interest_244a,
            )
        )
    net = owed.net_payable
    if net >= 0:
        add(Step("Net payable", "rounded off u/s 288B", net))
    else:
        add(Step("Refund due", "rounded off u/s 288B", net))
    return tuple(steps)
