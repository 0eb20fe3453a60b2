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
from domain.tax.rules import SECTION_111A_BUCKETS, SECTION_112A_BUCKETS, YearRules

_ASSUMED = (
    "no income from business or profession declared, so neither ITR-3 nor ITR-4 applies",
    "assumed: resident and ordinarily resident, not a company director, no unlisted equity "
    "shares, no foreign assets or income, agricultural income up to 5,000",
)


_ITR1_LIMIT_TEXT = {5_000_000: "50,00,000"}


def choose_itr_form(inp: TaxInput, year: YearRules, a: Assessment) -> ItrFormChoice:
    blockers: list[str] = []
    stcg = sum(a.gains[i] for i in SECTION_111A_BUCKETS)
    ltcg = sum(a.gains[i] for i in SECTION_112A_BUCKETS)
    if stcg:
        blockers.append(f"short-term capital gains u/s 111A ({inr(stcg)}) are reported in ITR-2")
    if ltcg:
        limit = year.itr1_112a_limit
        if limit is None:
            blockers.append(
                f"capital gains u/s 112A ({inr(ltcg)}) cannot be reported in ITR-1 for "
                f"AY {year.assessment_year}"
            )
        elif ltcg > limit:
            blockers.append(
                f"long-term capital gains u/s 112A ({inr(ltcg)}) exceed the ITR-1 limit of "
                f"{inr(limit)}"
            )
    if a.total_income > year.itr1_income_limit:
        blockers.append(f"total income {inr(a.total_income)} exceeds {inr(year.itr1_income_limit)}")
    hp = inp.house_property
    if hp.self_occupied_interest and hp.let_out_income:
        blockers.append("more than one house property (one self-occupied, one let out)")
    if a.setoff_special:
        blockers.append("house property loss set off against capital gains")
    if a.carried_forward:
        blockers.append(f"house property loss of {inr(a.carried_forward)} to carry forward")
    if blockers:
        return ItrFormChoice("ITR-2", (*blockers, *_ASSUMED))
    heads = ["salary or pension"] if inp.salary.gross or inp.salary.family_pension else []
    if hp.self_occupied_interest or hp.let_out_income:
        heads.append("one house property")
    other = inp.other_sources
    if other.savings_interest or other.other or inp.salary.family_pension:
        heads.append("other sources")
    if ltcg:
        heads.append("LTCG u/s 112A within the ITR-1 limit")
    income = ", ".join(heads) if heads else "no income under any head"
    return ItrFormChoice(
        "ITR-1",
        (
            f"resident individual with {income}; total income within "
            f"{_ITR1_LIMIT_TEXT.get(year.itr1_income_limit) or inr(year.itr1_income_limit)}",
            *_ASSUMED,
        ),
    )
