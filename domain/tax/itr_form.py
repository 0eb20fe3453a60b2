"""Which return form: ITR-1 (Sahaj) when the income allows it, ITR-2 otherwise.

ITR-1 (resident individual): salary or pension, one house property, other sources, total
income up to 50 lakh, and (from AY 2025-26, CBDT Notification 40/2025) long-term capital
gains u/s 112A up to 1,25,000 with no loss set off against capital gains or carried forward.
Any s.111A gain, any other capital gain, two house properties, a house-property loss
carried forward or total income above 50 lakh needs ITR-2. ITR-3 and ITR-4 are for income
from business or profession, which the input cannot declare.

The form follows the recommended regime's figures (the return is filed under that regime).
"""

from __future__ import annotations

from domain.tax.assessment import Assessment
from domain.tax.inputs import TaxInput
from domain.tax.money import inr
from domain.tax.result import ItrFormChoice
from domain.tax.rules import YearRules

_ASSUMED = (
    "no income from business or profession declared, so neither ITR-3 nor ITR-4 applies",
    "assumed: resident and ordinarily resident, not a company director, no unlisted equity "
    "shares, no foreign assets or income, agricultural income up to 5,000",
)


_ITR1_CHOICES: dict[tuple[bool, bool, bool, bool, int], ItrFormChoice] = {}


def _itr1(salary: bool, house: bool, other: bool, ltcg: bool, limit: int) -> ItrFormChoice:
    """The ITR-1 answer depends on five facts only: built once per combination, shared."""
    key = (salary, house, other, ltcg, limit)
    choice = _ITR1_CHOICES.get(key)
    if choice is None:
        heads = ["salary or pension"] if salary else []
        if house:
            heads.append("one house property")
        if other:
            heads.append("other sources")
        if ltcg:
            heads.append("LTCG u/s 112A within the ITR-1 limit")
        income = ", ".join(heads) if heads else "no income under any head"
        reason = f"resident individual with {income}; total income within {inr(limit)}"
        choice = _ITR1_CHOICES[key] = ItrFormChoice("ITR-1", (reason, *_ASSUMED))
    return choice


def choose_itr_form(inp: TaxInput, year: YearRules, a: Assessment) -> ItrFormChoice:
    gains = a.gains
    total = a.total
    stcg = gains[0] + gains[1]  # SECTION_111A_BUCKETS
    ltcg = gains[2] + gains[3]  # SECTION_112A_BUCKETS
    hp = inp.house_property
    ltcg_limit = year.itr1_112a_limit
    two_houses = bool(hp.self_occupied_interest and hp.let_out_income)
    if (
        stcg
        or (ltcg and (ltcg_limit is None or ltcg > ltcg_limit))
        or total.total_income > year.itr1_income_limit
        or two_houses
        or total.loss_set_off_against_gains
        or total.loss_carried_forward
    ):
        return ItrFormChoice("ITR-2", (*_blockers(year, a, stcg, ltcg, two_houses), *_ASSUMED))
    salary = inp.salary
    other = inp.other_sources
    return _itr1(
        (salary.gross or salary.family_pension) != 0,
        (hp.self_occupied_interest or hp.let_out_income) != 0,
        (other.savings_interest or other.other or salary.family_pension) != 0,
        ltcg != 0,
        year.itr1_income_limit,
    )


def _blockers(year: YearRules, a: Assessment, stcg: int, ltcg: int, two_houses: bool) -> list[str]:
    blockers = []
    if stcg:
        blockers.append(f"short-term capital gains u/s 111A ({inr(stcg)}) are reported in ITR-2")
    limit = year.itr1_112a_limit
    if ltcg and limit is None:
        blockers.append(
            f"capital gains u/s 112A ({inr(ltcg)}) cannot be reported in ITR-1 for {year.label}"
        )
    elif limit is not None and ltcg > limit:
        blockers.append(
            f"long-term capital gains u/s 112A ({inr(ltcg)}) exceed the ITR-1 limit of {inr(limit)}"
        )
    total = a.total
    if total.total_income > year.itr1_income_limit:
        blockers.append(
            f"total income {inr(total.total_income)} exceeds {inr(year.itr1_income_limit)}"
        )
    if two_houses:
        blockers.append("more than one house property (one self-occupied, one let out)")
    if total.loss_set_off_against_gains:
        blockers.append("house property loss set off against capital gains")
    if total.loss_carried_forward:
        blockers.append(
            f"house property loss of {inr(total.loss_carried_forward)} to carry forward"
        )
    return blockers
