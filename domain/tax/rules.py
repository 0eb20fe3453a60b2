"""The law as data: one `YearRules` per assessment year, one `RegimeRules` per regime.

A new assessment year is a new entry in `YEAR_RULES` (plus its literal in
`inputs.AssessmentYear`), not new code. Amounts are whole rupees; rates are per mille for
income-tax (12.5 % == 125) and whole percentages for surcharge and cess.

Sources (Income-tax Act, 1961 as amended by the Finance Acts named):
* old-regime slabs, surcharge and cess: First Schedule Part I/III to the Finance Acts
  2023, (No. 2) 2024 and 2025 (unchanged for these three years);
* new regime (s.115BAC(1A)): Finance Act 2023 (AY 2024-25), Finance (No. 2) Act 2024
  (AY 2025-26: slabs 3-7-10-12-15 lakh, standard deduction 75,000, family-pension deduction
  25,000, s.80CCD(2) 14 %), Finance Act 2025 (AY 2026-27: slabs 4-8-12-16-20-24 lakh,
  s.87A rebate up to 60,000 for total income up to 12 lakh, rebate confined to tax at the
  s.115BAC(1A) rates by the new second proviso to s.87A);
* special rates s.111A / s.112A by date of transfer (Finance (No. 2) Act 2024: 20 % and
  12.5 % for transfers on or after 23 July 2024, s.112A threshold 1,25,000 for the whole of
  FY 2024-25);
* due date u/s 139(1): 31 July of the assessment year; for AY 2025-26 extended by CBDT
  Circular 06/2025 (27 May 2025) to 15 September 2025 and by the CBDT release of
  15 September 2025 to 16 September 2025. The circular carves nothing out for s.234A, so the
  extended date is the due date for ss.234A and 234F and for the s.115BAC(6) option too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from domain.tax.errors import InvalidTaxInput
from domain.tax.money import PER_MILLE_TO_UNITS

Regime = Literal["old", "new"]
Basis = Literal["total", "normal"]


@dataclass(frozen=True, slots=True)
class SlabTable:
    """Income brackets: `lowers[i]` is where rate `rates[i]` (per mille) starts."""

    lowers: tuple[int, ...]
    rates: tuple[int, ...]
    base_units: tuple[int, ...] = field(init=False)
    """Tax in units on an income equal to each lower bound (precomputed)."""

    def __post_init__(self) -> None:
        bases = [0]
        for i in range(1, len(self.lowers)):
            width = self.lowers[i] - self.lowers[i - 1]
            bases.append(bases[-1] + width * self.rates[i - 1] * PER_MILLE_TO_UNITS)
        object.__setattr__(self, "base_units", tuple(bases))

    @property
    def basic_exemption(self) -> int:
        """The maximum amount not chargeable to tax (the top of the nil bracket)."""
        return self.lowers[1]


def slabs(*brackets: tuple[int, int]) -> SlabTable:
    return SlabTable(tuple(b[0] for b in brackets), tuple(b[1] for b in brackets))


@dataclass(frozen=True, slots=True)
class SurchargeBand:
    """Surcharge `pct` applies when the `basis` income exceeds `above`.

    basis "total": total income including s.111A/s.112A gains (clauses (a), (b), (e) of the
    surcharge paragraph); "normal": total income excluding them (clauses (c), (d)).
    """

    above: int
    basis: Basis
    pct: int


@dataclass(frozen=True, slots=True)
class RegimeRules:
    regime: Regime
    slabs_below_60: SlabTable
    slabs_60_to_79: SlabTable
    slabs_80_plus: SlabTable
    standard_deduction: int
    family_pension_cap: int
    exempt_allowances_and_professional_tax: bool
    self_occupied_interest_cap: int
    house_property_loss_setoff_cap: int
    chapter_via: bool
    """80C, 80CCD(1B), 80D, 80TTA, 80TTB (80CCD(2) is governed by employer_nps_pct)."""
    employer_nps_pct: int
    rebate_limit: int
    rebate_max: int
    rebate_marginal_relief: bool
    rebate_on_111a: bool
    """Whether the s.87A rebate may be set against tax on s.111A gains (never s.112A)."""
    surcharge_bands: tuple[SurchargeBand, ...]
    surcharge_special_cap_pct: int = 15
    cess_pct: int = 4

    def slab_table(self, age: int) -> SlabTable:
        if age >= 80:
            return self.slabs_80_plus
        if age >= 60:
            return self.slabs_60_to_79
        return self.slabs_below_60


@dataclass(frozen=True, slots=True)
class Instalment:
    """s.211 / s.234C: by `due`, `pct` % of the tax due should have been paid as advance tax."""

    due: dt.date
    pct: int
    safe_harbour_pct: int
    months: int


@dataclass(frozen=True, slots=True)
class ChapterVIALimits:
    c80: int = 150_000
    ccd_1b: int = 50_000
    d_self: int = 25_000
    d_self_senior: int = 50_000
    d_parents: int = 25_000
    d_parents_senior: int = 50_000
    tta: int = 10_000
    ttb: int = 50_000
    eea: int = 150_000
    disability: int = 75_000
    """ss.80DD and 80U (Finance (No. 2) Act 2015 onwards)."""
    disability_severe: int = 125_000
    ddb: int = 40_000
    ddb_senior: int = 100_000
    gg_per_year: int = 60_000
    """s.80GG: 5,000 a month (Rule 11B)."""
    g_qualifying_pct: int = 10


@dataclass(frozen=True, slots=True)
class YearRules:
    assessment_year: str
    assessment_year_start: dt.date
    previous_year_start: dt.date
    previous_year_end: dt.date
    due_date: dt.date
    belated_deadline: dt.date
    revised_deadline: dt.date
    """s.139(5): 31 December of the assessment year; 31 March from AY 2026-27."""
    instalments: tuple[Instalment, ...]
    ltcg_112a_exemption: int
    itr1_112a_limit: int | None
    """ITR-1 may carry s.112A gains up to this amount (None: no capital gains at all)."""
    old: RegimeRules
    new: RegimeRules
    instalment_dates: tuple[dt.date, dt.date, dt.date, dt.date] = field(init=False)
    chapter_via: ChapterVIALimits = ChapterVIALimits()
    advance_tax_threshold: int = 10_000
    """s.208: no advance tax (so no s.234B/234C) when the tax due is below this."""
    senior_advance_tax_exempt_age: int = 60
    """s.207(2): a resident senior without business income pays no advance tax."""
    fee_234f: int = 5_000
    fee_234f_small: int = 1_000
    fee_234f_small_income: int = 500_000
    mandatory_filing_tds: int = 25_000
    mandatory_filing_tds_senior: int = 50_000
    """Rule 12AB (seventh proviso to s.139(1)): TDS/TCS at or above this obliges a return."""
    itr1_income_limit: int = 5_000_000
    tax_year: str | None = None
    """The Income-tax Act, 2025's name for the year ("2026-27" for AY 2027-28); None for
    years under the Income-tax Act, 1961."""

    @property
    def label(self) -> str:
        """ "AY 2026-27", or "tax year 2026-27" for a year under the Income-tax Act, 2025."""
        if self.tax_year is not None:
            return f"tax year {self.tax_year}"
        return f"AY {self.assessment_year}"

    def __post_init__(self) -> None:
        june, september, december, march = (inst.due for inst in self.instalments)
        object.__setattr__(self, "instalment_dates", (june, september, december, march))


@dataclass(frozen=True, slots=True)
class SpecialRate:
    """A bucket of income taxed at a special rate, chosen by section and date of transfer."""

    section: Literal["111A", "112A"]
    rate: int
    """Per mille."""
    from_date: dt.date | None
    until_date: dt.date | None
    label: str


BUDGET_2024_CUTOVER: Final = dt.date(2024, 7, 23)

# Ordered from the highest rate down: losses and the unused basic exemption are set against
# special-rate income in this order (the order most favourable to the assessee; the Act
# prescribes none), and the aggregate s.112A threshold is used up in this order too.
SPECIAL_RATES: Final[tuple[SpecialRate, ...]] = (
    SpecialRate("111A", 200, BUDGET_2024_CUTOVER, None, "STCG u/s 111A @20%"),
    SpecialRate(
        "111A", 150, None, BUDGET_2024_CUTOVER - dt.timedelta(days=1), "STCG u/s 111A @15%"
    ),
    SpecialRate("112A", 125, BUDGET_2024_CUTOVER, None, "LTCG u/s 112A @12.5%"),
    SpecialRate(
        "112A", 100, None, BUDGET_2024_CUTOVER - dt.timedelta(days=1), "LTCG u/s 112A @10%"
    ),
)
SECTION_111A_BUCKETS: Final = tuple(i for i, s in enumerate(SPECIAL_RATES) if s.section == "111A")
SECTION_112A_BUCKETS: Final = tuple(i for i, s in enumerate(SPECIAL_RATES) if s.section == "112A")


_OLD_BELOW_60: Final = slabs((0, 0), (250_000, 50), (500_000, 200), (1_000_000, 300))
_OLD_60_TO_79: Final = slabs((0, 0), (300_000, 50), (500_000, 200), (1_000_000, 300))
_OLD_80_PLUS: Final = slabs((0, 0), (500_000, 200), (1_000_000, 300))

_NEW_AY_2024_25: Final = slabs(
    (0, 0), (300_000, 50), (600_000, 100), (900_000, 150), (1_200_000, 200), (1_500_000, 300)
)
_NEW_AY_2025_26: Final = slabs(
    (0, 0), (300_000, 50), (700_000, 100), (1_000_000, 150), (1_200_000, 200), (1_500_000, 300)
)
_NEW_AY_2026_27: Final = slabs(
    (0, 0),
    (400_000, 50),
    (800_000, 100),
    (1_200_000, 150),
    (1_600_000, 200),
    (2_000_000, 250),
    (2_400_000, 300),
)

_SURCHARGE_OLD: Final = (
    SurchargeBand(5_000_000, "total", 10),
    SurchargeBand(10_000_000, "total", 15),
    SurchargeBand(20_000_000, "normal", 25),
    SurchargeBand(50_000_000, "normal", 37),
)
# s.115BAC(1A) taxpayers: the 37 % rate is replaced by 25 % (Finance Act 2023 onwards).
_SURCHARGE_NEW: Final = _SURCHARGE_OLD[:3]

_OLD_REGIME: Final = RegimeRules(
    regime="old",
    slabs_below_60=_OLD_BELOW_60,
    slabs_60_to_79=_OLD_60_TO_79,
    slabs_80_plus=_OLD_80_PLUS,
    standard_deduction=50_000,
    family_pension_cap=15_000,
    exempt_allowances_and_professional_tax=True,
    self_occupied_interest_cap=200_000,
    house_property_loss_setoff_cap=200_000,
    chapter_via=True,
    employer_nps_pct=10,
    rebate_limit=500_000,
    rebate_max=12_500,
    rebate_marginal_relief=False,
    rebate_on_111a=True,
    surcharge_bands=_SURCHARGE_OLD,
)


def _new_regime(
    table: SlabTable,
    *,
    standard_deduction: int,
    family_pension_cap: int,
    employer_nps_pct: int,
    rebate_limit: int,
    rebate_max: int,
    rebate_on_111a: bool,
) -> RegimeRules:
    return RegimeRules(
        regime="new",
        slabs_below_60=table,
        slabs_60_to_79=table,
        slabs_80_plus=table,
        standard_deduction=standard_deduction,
        family_pension_cap=family_pension_cap,
        exempt_allowances_and_professional_tax=False,
        self_occupied_interest_cap=0,
        house_property_loss_setoff_cap=0,
        chapter_via=False,
        employer_nps_pct=employer_nps_pct,
        rebate_limit=rebate_limit,
        rebate_max=rebate_max,
        rebate_marginal_relief=True,
        rebate_on_111a=rebate_on_111a,
        surcharge_bands=_SURCHARGE_NEW,
    )


def _instalments(fy_start_year: int) -> tuple[Instalment, ...]:
    y = fy_start_year
    return (
        Instalment(dt.date(y, 6, 15), 15, 12, 3),
        Instalment(dt.date(y, 9, 15), 45, 36, 3),
        Instalment(dt.date(y, 12, 15), 75, 75, 3),
        Instalment(dt.date(y + 1, 3, 15), 100, 100, 1),
    )


def _year(
    ay_start: int,
    *,
    due_date: dt.date,
    ltcg_112a_exemption: int,
    itr1_112a_limit: int | None,
    new: RegimeRules,
    revise_until_march: bool = False,
    tax_year: str | None = None,
) -> YearRules:
    return YearRules(
        assessment_year=f"{ay_start}-{(ay_start + 1) % 100:02d}",
        assessment_year_start=dt.date(ay_start, 4, 1),
        previous_year_start=dt.date(ay_start - 1, 4, 1),
        previous_year_end=dt.date(ay_start, 3, 31),
        due_date=due_date,
        belated_deadline=dt.date(ay_start, 12, 31),
        revised_deadline=dt.date(ay_start + 1, 3, 31)
        if revise_until_march
        else dt.date(ay_start, 12, 31),
        instalments=_instalments(ay_start - 1),
        ltcg_112a_exemption=ltcg_112a_exemption,
        itr1_112a_limit=itr1_112a_limit,
        old=_OLD_REGIME,
        new=new,
        tax_year=tax_year,
    )


_NEW_REGIME_FA_2025: Final = _new_regime(
    _NEW_AY_2026_27,
    standard_deduction=75_000,
    family_pension_cap=25_000,
    employer_nps_pct=14,
    rebate_limit=1_200_000,
    rebate_max=60_000,
    rebate_on_111a=False,
)

YEAR_RULES: Final[dict[str, YearRules]] = {
    "2024-25": _year(
        2024,
        due_date=dt.date(2024, 7, 31),
        ltcg_112a_exemption=100_000,
        itr1_112a_limit=None,
        new=_new_regime(
            _NEW_AY_2024_25,
            standard_deduction=50_000,
            family_pension_cap=15_000,
            employer_nps_pct=10,
            rebate_limit=700_000,
            rebate_max=25_000,
            rebate_on_111a=True,
        ),
    ),
    "2025-26": _year(
        2025,
        due_date=dt.date(2025, 9, 16),
        ltcg_112a_exemption=125_000,
        # ITR-1 notified for AY 2025-26 (CBDT Notification 40/2025, 29 April 2025) admits
        # s.112A gains up to 1.25 lakh with no capital loss set off or carried forward.
        itr1_112a_limit=125_000,
        new=_new_regime(
            _NEW_AY_2025_26,
            standard_deduction=75_000,
            family_pension_cap=25_000,
            employer_nps_pct=14,
            rebate_limit=700_000,
            rebate_max=25_000,
            rebate_on_111a=True,
        ),
    ),
    "2026-27": _year(
        2026,
        due_date=dt.date(2026, 7, 31),
        ltcg_112a_exemption=125_000,
        itr1_112a_limit=125_000,
        new=_NEW_REGIME_FA_2025,
        revise_until_march=True,
    ),
    # Tax year 2026-27 under the Income-tax Act, 2025: the Finance Act 2026 kept the slabs,
    # the rebate and the standard deduction of FY 2025-26 (README.md, "Tax year 2026-27").
    "2027-28": _year(
        2027,
        due_date=dt.date(2027, 7, 31),
        ltcg_112a_exemption=125_000,
        itr1_112a_limit=125_000,
        new=_NEW_REGIME_FA_2025,
        revise_until_march=True,
        tax_year="2026-27",
    ),
}


def year_rules(assessment_year: str) -> YearRules:
    try:
        return YEAR_RULES[assessment_year]
    except KeyError:
        raise InvalidTaxInput(
            f"assessment year {assessment_year!r} is not supported", "$.assessment_year"
        ) from None
