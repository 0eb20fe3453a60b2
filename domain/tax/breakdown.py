"""The readable working of a regime's computation: one `Step` per line, each with its amount.

Every figure is a step's `amount` (whole rupees, paise ignored; deductions and reliefs are
negative), and `detail` says which provision produced it. Details depend only on the rules,
so they are formatted once per table and reused, and the steps for whole slab brackets are
shared objects: the breakdown is on the hot path, and building it costs little more than
the steps themselves. A step is written only when it has something to say.
"""

from __future__ import annotations

from domain.tax.assessment import Assessment
from domain.tax.income_heads import INCOME_SCALE
from domain.tax.inputs import TaxInput
from domain.tax.money import UNIT, inr
from domain.tax.result import Step
from domain.tax.rules import SPECIAL_RATES, RegimeRules, SlabTable, YearRules

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
_SPECIAL_TAX_STEPS = tuple(f"Tax on {rate.label}" for rate in SPECIAL_RATES)
_INSTALMENTS_234C = (
    ("Interest u/s 234C (15 Jun)", "3 months at 1% on the shortfall below 15% of tax due"),
    ("Interest u/s 234C (15 Sep)", "3 months at 1% on the shortfall below 45% of tax due"),
    ("Interest u/s 234C (15 Dec)", "3 months at 1% on the shortfall below 75% of tax due"),
    ("Interest u/s 234C (15 Mar)", "1 month at 1% on the shortfall below 100% of tax due"),
)
_MONTHS = tuple(f"1% a month for {m} month(s) or part" for m in range(49))


def _rate(per_mille: int) -> str:
    text = _RATE_TEXT.get(per_mille)
    return text if text is not None else f"{per_mille / 10:g}%"


_Bracket = tuple[int, int, int, Step, str]
_BRACKETS: dict[int, tuple[_Bracket, ...]] = {}


def _brackets(table: SlabTable) -> tuple[_Bracket, ...]:
    """(from, to, rate, the step for the whole bracket, text for a part of it) per bracket,
    built once per table (steps are immutable, so they are shared between results)."""
    cached = _BRACKETS.get(id(table))
    if cached is not None:
        return cached
    out = []
    lowers, rates = table.lowers, table.rates
    for i, lower in enumerate(lowers):
        upper = lowers[i + 1] if i + 1 < len(lowers) else 1 << 62
        rate = _rate(rates[i])
        prefix = "up to" if i == 0 else f"{inr(lower + 1)} to"
        whole = (upper - lower) * rates[i] // 1000
        full = Step("Slab tax", f"{prefix} {inr(upper)} @ {rate}", whole)
        part = f"up to the income @ {rate}" if i == 0 else f"above {inr(lower)} @ {rate}"
        out.append((lower, upper, rates[i], full, part))
    result = tuple(out)
    _BRACKETS[id(table)] = result
    return result


class _Texts:
    """Wording that depends only on the regime's rules."""

    __slots__ = (
        "bands",
        "cess",
        "family_pension",
        "hp_interest",
        "rebate",
        "relief",
        "standard_deduction",
    )

    def __init__(self, rules: RegimeRules) -> None:
        self.standard_deduction = f"u/s 16(ia), up to {inr(rules.standard_deduction)}"
        self.family_pension = f"u/s 57(iia): a third, at most {inr(rules.family_pension_cap)}"
        self.hp_interest = (
            f"u/s 24(b), self-occupied, up to {inr(rules.self_occupied_interest_cap)}"
            if rules.self_occupied_interest_cap
            else "self-occupied home-loan interest: not deductible in this regime"
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


def _texts(rules: RegimeRules) -> _Texts:
    texts = _TEXTS.get(id(rules))
    if texts is None:
        texts = _TEXTS[id(rules)] = _Texts(rules)
    return texts


def explain(
    inp: TaxInput,
    year: YearRules,
    a: Assessment,
    tds: int,
    advance: int,
    self_assessment: int,
    i234a: tuple[int, int],
    i234b: tuple[int, int],
    i234c: list[int],
    fee: int,
    net: int,
    available: bool,
) -> tuple[Step, ...]:
    rules = a.rules
    texts = _texts(rules)
    steps: list[Step] = [] if available else [NOT_AVAILABLE]
    add = steps.append

    salary = inp.salary
    if salary.gross:
        add(Step("Gross salary", "as in Form 16", salary.gross))
        if a.exempt_allowances:
            add(Step("Exempt allowances", "s.10", -a.exempt_allowances))
        if a.standard_deduction:
            add(Step("Standard deduction", texts.standard_deduction, -a.standard_deduction))
        if a.professional_tax:
            add(Step("Professional tax", "u/s 16(iii), at most 2,500", -a.professional_tax))
        add(Step("Income from salary", "head total", a.salary))

    hp = inp.house_property
    if hp.let_out_income or hp.self_occupied_interest:
        if hp.let_out_income:
            add(
                Step(
                    "Annual value of let-out property", "net of municipal taxes", hp.let_out_income
                )
            )
            add(
                Step(
                    "Standard deduction",
                    "u/s 24(a), 30% of annual value",
                    -(hp.let_out_income * 3 // 10),
                )
            )
        if hp.self_occupied_interest:
            add(Step("Interest on home loan", texts.hp_interest, -a.hp_interest))
        hp_300 = a.hp_300
        amount = hp_300 // INCOME_SCALE if hp_300 >= 0 else -(-hp_300 // INCOME_SCALE)
        add(Step("Income from house property", "head total", amount))

    other = inp.other_sources
    fp = salary.family_pension
    if other.savings_interest or other.other or fp:
        if other.savings_interest:
            add(Step("Savings interest", "other sources", other.savings_interest))
        if other.other:
            add(Step("Other income", "other sources", other.other))
        if fp:
            add(Step("Family pension", "other sources", fp))
            deduction = min(-(-fp // 3), rules.family_pension_cap)
            add(Step("Family pension deduction", texts.family_pension, -deduction))
        add(Step("Income from other sources", "head total", a.other_300 // INCOME_SCALE))

    if a.setoff_normal_300:
        add(
            Step(
                "House property loss set off",
                "against other heads (s.71), at most 2,00,000",
                -(-a.setoff_normal_300 // INCOME_SCALE),
            )
        )
    if a.setoff_special:
        add(Step("House property loss set off", "against capital gains (s.71)", a.setoff_special))
    if a.carried_forward:
        add(Step("House property loss carried forward", "s.71B", a.carried_forward))
    gains = a.gains
    for i in range(4):
        if gains[i]:
            add(Step("Capital gains", _GAIN_TEXTS[i], gains[i]))
    add(Step("Gross total income", "sum of the heads after set-off", a.gross_total_income))

    claims = a.claims
    if claims:
        claimed = 0
        for section, allowed_300 in claims:
            claimed += allowed_300
            add(Step("Chapter VI-A deduction", section, -(allowed_300 // INCOME_SCALE)))
        if a.deductions < claimed // INCOME_SCALE:
            add(
                Step(
                    "Chapter VI-A deductions allowed",
                    "limited to gross total income excluding special-rate income",
                    -a.deductions,
                )
            )
    if a.total_income_exact != a.total_income:
        add(
            Step(
                "Total income before rounding",
                "gross total income less deductions",
                a.total_income_exact,
            )
        )
        add(Step("Total income", "rounded off to the nearest 10 u/s 288A", a.total_income))
    else:
        add(Step("Total income", "gross total income less deductions", a.total_income))
    normal = a.normal
    if normal != a.total_income:
        add(Step("Income at slab rates", "total income less special-rate income", normal))
    for lower, upper, rate, full_step, part in _brackets(a.table):
        if normal >= upper:
            add(full_step)
            continue
        if normal > lower:
            add(Step("Slab tax", part, (normal - lower) * rate // 1000))
        break
    if a.threshold_used:
        add(Step("s.112A threshold", "LTCG u/s 112A not taxed", -a.threshold_used))
    if a.bel_used:
        add(
            Step(
                "Basic exemption against special-rate income",
                "unused basic exemption limit (provisos to ss.111A, 112A)",
                -a.bel_used,
            )
        )
    taxable = a.taxable
    for i in range(4):
        if taxable[i]:
            add(Step("Income taxed at special rate", SPECIAL_RATES[i].label, taxable[i]))
            add(Step(_SPECIAL_TAX_STEPS[i], "special rate", a.special_u[i] // UNIT))

    if a.rebate_u:
        add(Step("Rebate u/s 87A", texts.rebate, -(a.rebate_u // UNIT)))
    if a.relief_u:
        add(Step("Marginal relief u/s 87A", texts.relief, -(a.relief_u // UNIT)))
    if a.surcharge_band >= 0:
        step, text, band_relief_text = texts.bands[a.surcharge_band]
        add(Step(step, text, a.surcharge_u // UNIT))
        if a.surcharge_relief_u:
            add(
                Step(
                    "Marginal relief on surcharge",
                    band_relief_text,
                    -(a.surcharge_relief_u // UNIT),
                )
            )
    if a.cess_u:
        add(Step(texts.cess, "on income-tax and surcharge", a.cess_u // UNIT))
    add(Step("Total tax", "income-tax, surcharge and cess, rounded off u/s 288B", a.total_tax))

    if tds:
        add(Step("TDS", "tax deducted at source", -tds))
    if advance:
        add(Step("Advance tax", "instalments paid in the previous year", -advance))
    if self_assessment:
        add(Step("Self-assessment tax", "s.140A", -self_assessment))
    if i234a[0]:
        add(
            Step(
                "Interest u/s 234A",
                _MONTHS[min(i234a[1], 48)] + ": return after the due date",
                i234a[0],
            )
        )
    if i234b[0]:
        add(
            Step(
                "Interest u/s 234B",
                _MONTHS[min(i234b[1], 48)] + ": advance tax below 90% of assessed tax",
                i234b[0],
            )
        )
    for i in range(4):
        if i234c[i]:
            step, text = _INSTALMENTS_234C[i]
            add(Step(step, text, i234c[i]))
    if fee:
        add(Step("Fee u/s 234F", "return filed after the due date", fee))
    if net >= 0:
        add(Step("Net payable", "rounded off u/s 288B", net))
    else:
        add(Step("Refund due", "rounded off u/s 288B", net))
    return tuple(steps)
