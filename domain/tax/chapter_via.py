"""Chapter VI-A deductions, each within its own ceiling, in 1/300ths of a rupee.

Old regime: 80C (aggregate with 80CCC/80CCD(1) under s.80CCE, 1,50,000), 80CCD(1B)
(50,000), 80CCD(2), 80D (self/family 25,000, or 50,000 when the taxpayer is 60 or more;
parents 25,000, or 50,000 when `parents_senior`), 80TTA (savings-account interest up to
10,000, taxpayers below 60), 80TTB (interest on deposits up to 50,000, taxpayers 60 or
more), 80E (education-loan interest, no ceiling), 80EEA (up to 1,50,000), 80DD and 80U
(75,000, or 1,25,000 for a severe disability, whatever was spent), 80DDB (up to 40,000, or
1,00,000 for a patient of 60 or more), and, depending on income, 80GG and 80G
(`income_linked_claims`). New regime (s.115BAC(2)): only 80CCD(2).

s.80CCD(2): the employer's NPS contribution up to 10 % of salary (old regime, and new regime
in AY 2024-25) or 14 % (new regime from AY 2025-26). The Act's "salary" is basic pay plus
dearness allowance, which the input does not carry: gross salary is the proxy.

s.80TTB covers interest on deposits; the input cannot tell deposit interest from other
income in `other_sources.other`, so the deduction is limited to savings interest plus
`other_sources.other`, and to the amount claimed.

The total may not exceed gross total income excluding s.111A/s.112A gains (s.80A(2) and the
provisos to ss.111A(2) and 112A(4)): `chapter_via_deductions` applies that limit.
"""

from __future__ import annotations

from typing import Final

import msgspec

from domain.tax.inputs import Deductions, TaxInput
from domain.tax.money import INCOME_SCALE
from domain.tax.rules import ChapterVIALimits, RegimeRules, YearRules

SENIOR_AGE = 60

Claims = tuple[tuple[str, int], ...]
"""(section, amount allowed within its own ceiling in 1/300ths), in the order claimed."""


class ChapterVIA(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    claims: Claims
    claimed_300: int
    """The claims' total, each within its own ceiling."""
    allowed: int
    """Whole rupees deducted: the claims limited to gross total income excluding
    special-rate income (s.80A(2))."""


NO_DEDUCTIONS: Final = ChapterVIA(claims=(), claimed_300=0, allowed=0)


def chapter_via_deductions(
    inp: TaxInput, year: YearRules, rules: RegimeRules, gti_normal_300: int
) -> ChapterVIA:
    """The deductions from gross total income whose part other than special-rate gains is
    `gti_normal_300` (the gains never bear a deduction: provisos to ss.111A, 112A)."""
    if not (rules.chapter_via or inp.salary.employer_nps):
        return NO_DEDUCTIONS
    claims, claimed_300 = chapter_via_claims(inp, rules, year.chapter_via)
    if rules.chapter_via:
        d = inp.deductions
        if d.gg_rent_paid or d.g:
            linked, linked_300 = income_linked_claims(
                d, gti_normal_300, claimed_300, year.chapter_via
            )
            if linked:
                claims += linked
                claimed_300 += linked_300
    if not claimed_300:
        return NO_DEDUCTIONS if not claims else ChapterVIA(claims=claims, claimed_300=0, allowed=0)
    allowed_300 = claimed_300 if claimed_300 < gti_normal_300 else gti_normal_300
    # Rupees of income left after the deduction, paise ignored (s.288A), not of the deduction.
    allowed = gti_normal_300 // INCOME_SCALE - (gti_normal_300 - allowed_300) // INCOME_SCALE
    return ChapterVIA(claims=claims, claimed_300=claimed_300, allowed=allowed)


def chapter_via_claims(
    inp: TaxInput, rules: RegimeRules, limits: ChapterVIALimits
) -> tuple[Claims, int]:
    """((section, amount allowed in 1/300ths) for every section with something allowed,
    their total in 1/300ths). Each section within its own ceiling; the caller limits the
    total to gross total income excluding special-rate income."""
    out: list[tuple[str, int]] = []
    total = 0
    salary = inp.salary
    if salary.employer_nps:
        ceiling = 3 * rules.employer_nps_pct * salary.gross  # pct % of gross, in 1/300ths
        claim = INCOME_SCALE * salary.employer_nps
        total = claim if claim < ceiling else ceiling
        out.append(("80CCD(2)", total))
    if not rules.chapter_via:
        return tuple(out), total
    d = inp.deductions
    senior = inp.age >= SENIOR_AGE
    rupees = 0
    if d.c80:
        allowed = d.c80 if d.c80 < limits.c80 else limits.c80
        rupees += allowed
        out.append(("80C", INCOME_SCALE * allowed))
    if d.ccd_1b:
        allowed = d.ccd_1b if d.ccd_1b < limits.ccd_1b else limits.ccd_1b
        rupees += allowed
        out.append(("80CCD(1B)", INCOME_SCALE * allowed))
    if d.d_self:
        allowed = min(d.d_self, limits.d_self_senior if senior else limits.d_self)
        rupees += allowed
        out.append(("80D (self and family)", INCOME_SCALE * allowed))
    if d.d_parents:
        allowed = min(
            d.d_parents, limits.d_parents_senior if d.parents_senior else limits.d_parents
        )
        rupees += allowed
        out.append(("80D (parents)", INCOME_SCALE * allowed))
    other = inp.other_sources
    if d.tta and not senior and other.savings_interest:
        allowed = min(d.tta, limits.tta, other.savings_interest)
        rupees += allowed
        out.append(("80TTA", INCOME_SCALE * allowed))
    if d.ttb and senior:
        allowed = min(d.ttb, limits.ttb, other.savings_interest + other.other)
        if allowed:
            rupees += allowed
            out.append(("80TTB", INCOME_SCALE * allowed))
    if d.e:
        rupees += d.e
        out.append(("80E", INCOME_SCALE * d.e))
    if d.eea:
        allowed = d.eea if d.eea < limits.eea else limits.eea
        rupees += allowed
        out.append(("80EEA", INCOME_SCALE * allowed))
    if d.dd is not None:
        allowed = limits.disability_severe if d.dd == "severe" else limits.disability
        rupees += allowed
        out.append(("80DD", INCOME_SCALE * allowed))
    if d.u is not None:
        allowed = limits.disability_severe if d.u == "severe" else limits.disability
        rupees += allowed
        out.append(("80U", INCOME_SCALE * allowed))
    if d.ddb:
        allowed = min(d.ddb, limits.ddb_senior if d.ddb_senior else limits.ddb)
        rupees += allowed
        out.append(("80DDB", INCOME_SCALE * allowed))
    return tuple(out), total + INCOME_SCALE * rupees


def income_linked_claims(
    d: Deductions, gti_normal_300: int, other_claims_300: int, limits: ChapterVIALimits
) -> tuple[Claims, int]:
    """80GG and 80G, whose ceilings depend on income after the other deductions.

    s.80GG: the least of rent paid less 10 % of the adjusted total income, 25 % of it, and
    60,000 (Rule 11B); adjusted total income is gross total income excluding s.111A/s.112A
    gains, less the other Chapter VI-A deductions (80G excluded: see README, decision 17).
    s.80G: 100 % or 50 % of each donation; donations with a qualifying limit count only up
    to 10 % of the adjusted gross total income (the same base, less 80GG too), those at
    100 % first (s.80G(4)). Amounts are in 1/300ths, rounded down.
    """
    out: list[tuple[str, int]] = []
    total = 0
    base = gti_normal_300 - other_claims_300
    if base < 0:
        base = 0
    if d.gg_rent_paid:
        tenth_up = -(-base // 10)
        allowed = min(
            INCOME_SCALE * d.gg_rent_paid - tenth_up,
            base // 4,
            INCOME_SCALE * limits.gg_per_year,
        )
        if allowed > 0:
            total += allowed
            out.append(("80GG", allowed))
    if d.g:
        limit = (base - total) * limits.g_qualifying_pct // 100
        full = half = limited_full = limited_half = 0
        for donation in d.g:
            if donation.qualifying_limit:
                if donation.percent == 100:
                    limited_full += donation.amount
                else:
                    limited_half += donation.amount
            elif donation.percent == 100:
                full += donation.amount
            else:
                half += donation.amount
        qualifying_full = min(INCOME_SCALE * limited_full, limit)
        qualifying_half = min(INCOME_SCALE * limited_half, limit - qualifying_full)
        allowed = (
            INCOME_SCALE * full + INCOME_SCALE * half // 2 + qualifying_full + qualifying_half // 2
        )
        if allowed > 0:
            total += allowed
            out.append(("80G", allowed))
    return tuple(out), total
