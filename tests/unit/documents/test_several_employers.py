"""Several employers on one return: two Form 16s for one year add up (salary, exempt
allowances, professional tax, TDS), the standard deduction is allowed once, and accepting a
document again, in any order, or replaying the stored events, never counts it twice."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.context import CommandContext
from commands.filings import FilingsApplication
from domain.documents.errors import InvalidCorrection
from domain.documents.fields import ExtractedField, Extraction
from domain.documents.prefill import Prefill, prefill
from domain.filing import Filing, IncomeDeclaration
from domain.filing.document_figures import FIGURES, total
from domain.tax.engine import compute
from domain.tax.inputs import Deductions, OtherSources, Salary
from tests.cipher import TEST_INDEX_KEY

PAN = "ABCPE1234F"
AY = "2026-27"
META = {"actor": "owner-1", "correlation_id": "c", "causation_id": "c"}
ME = CommandContext("owner-1")
FILED_ON = dt.date(2026, 7, 1)


def _field(value: int | str, line: int, confidence: float = 0.99) -> ExtractedField:
    return ExtractedField(value=value, confidence=confidence, page=2, line=line, text=str(value))


def form16(
    tan: str | None,
    *,
    gross: int,
    tds: int,
    exempt: int = 0,
    professional_tax: int = 0,
    employer_nps: int = 0,
    via_80c: int = 0,
    via_80d: int = 0,
    standard_deduction: int = 75_000,
    tan_confidence: float = 0.99,
) -> Extraction:
    """A Form 16 as the parser gives it, every field read with confidence."""
    values: dict[str, int | str] = {
        "employee_pan": PAN,
        "assessment_year": AY,
        "gross_salary": gross,
        "exemptions_total": exempt,
        "standard_deduction": standard_deduction,  # each employer's; never taken
        "professional_tax": professional_tax,
        "tds_total": tds,
        "via_80c_total": via_80c,
        "via_80d": via_80d,
    }
    if employer_nps:
        values["via_80ccd_2"] = employer_nps
    if tan is not None:
        values["employer_tan"] = tan
    fields = {k: _field(v, i + 1) for i, (k, v) in enumerate(values.items())}
    if tan is not None:
        fields["employer_tan"] = _field(tan, 1, tan_confidence)
    return Extraction(form="16", fields=fields)


def plan(document_id: str, extraction: Extraction, **corrections: int) -> Prefill:
    return prefill(
        extraction,
        document_id=document_id,
        sha256=document_id.encode().hex()[:64].ljust(64, "0"),
        filing_pan=PAN,
        filing_assessment_year=AY,
        corrections=corrections or None,
    )


def accept(filing: Filing, p: Prefill) -> None:
    filing.declare_document(p.income_source, p.deductions_source, META)


def new_filing() -> Filing:
    return Filing.start("owner-1", PAN, AY, META)


def declared(filing: Filing) -> dict[str, int]:
    income = filing.income or {}
    return {t: int((income.get(t.split(".")[0]) or {}).get(t.split(".")[1], 0)) for t in FIGURES}


# --- two concrete employers, to the rupee -------------------------------------------------


def test_two_employers_add_up_and_the_standard_deduction_is_allowed_once() -> None:
    """FY 2025-26 (AY 2026-27). Employer A (April-September) and employer B (October-March)
    each allowed 75,000 (new) / 50,000 (old) as standard deduction on their own Form 16.

    New regime: 9,00,000 + 6,00,000 = 15,00,000 gross, less 75,000 once = 14,25,000.
    Slabs (s.115BAC(1A)): 4-8 lakh 5 % = 20,000; 8-12 lakh 10 % = 40,000; 12-14.25 lakh
    15 % = 33,750; 93,750 + 4 % cess 3,750 = 97,500. TDS 20,000 + 30,000 = 50,000.

    Old regime: 15,00,000 less HRA exempt 40,000, standard deduction 50,000, professional
    tax 1,250 + 1,250 = 2,500: 14,07,500. 12,500 + 1,00,000 + 30 % of 4,07,500 (1,22,250) =
    2,34,750 + cess 9,390 = 2,44,140.

    Filed on 1 July 2026 with no advance tax, the 47,500 left after both employers' TDS
    draws interest: s.234B 1 % a month for April-July on 47,500 = 1,900; s.234C 3 % of
    7,100 + 3 % of 21,300 + 3 % of 35,600 + 1 % of 47,500 = 213 + 639 + 1,068 + 475 = 2,395;
    47,500 + 4,295 = 51,795, rounded to 51,800 (s.288B).
    """
    filing = new_filing()
    filing.declare_income(
        IncomeDeclaration(age=40, other_sources=OtherSources(savings_interest=0)), META
    )
    a = form16("MUMA12345B", gross=900_000, tds=20_000, exempt=40_000, professional_tax=1_250)
    b = form16("BLRB54321C", gross=600_000, tds=30_000, professional_tax=1_250)
    accept(filing, plan("doc-a", a))
    accept(filing, plan("doc-b", b))

    assert declared(filing) == {
        "salary.gross": 1_500_000,
        "salary.exempt_allowances": 40_000,
        "salary.professional_tax": 2_500,
        "salary.employer_nps": 0,
        "taxes_paid.tds": 50_000,
    }
    assert filing.income is not None and filing.income["age"] == 40  # the taxpayer's, kept
    result = compute(filing.tax_input_for(FILED_ON))
    assert result.new.salary_income == 1_425_000  # one standard deduction of 75,000
    assert result.new.total_tax == 97_500
    assert result.new.taxes_paid == 50_000
    assert (result.new.interest_234b, result.new.interest_234c) == (1_900, 2_395)
    assert result.new.net_payable == 51_800
    assert result.old.salary_income == 1_407_500  # one standard deduction of 50,000
    assert result.old.total_tax == 244_140
    assert result.old.taxes_paid == 50_000
    steps = [s.step for s in result.new.breakdown]
    assert steps.count("Standard deduction") == 1


def test_a_single_form16_declares_exactly_its_figures_as_before() -> None:
    filing = new_filing()
    filing.declare_income(
        IncomeDeclaration(
            age=61,
            salary=Salary(gross=999_999, professional_tax=2_000, employer_nps=5_000),
            other_sources=OtherSources(savings_interest=1_200),
        ),
        META,
    )
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=800_000, tds=12_000)))
    income = filing.income or {}
    assert income["salary"]["gross"] == 800_000  # the certificate replaces what was typed
    assert income["salary"]["professional_tax"] == 0
    assert income["salary"]["employer_nps"] == 0  # not on the certificate: none paid
    assert income["taxes_paid"]["tds"] == 12_000
    assert income["age"] == 61 and income["other_sources"]["savings_interest"] == 1_200
    assert filing.income_source is not None and filing.income_source["document_id"] == "doc-a"


def test_a_taxpayers_declaration_overrides_until_the_next_acceptance() -> None:
    filing = new_filing()
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=900_000, tds=20_000)))
    filing.declare_income(IncomeDeclaration(salary=Salary(gross=1_000_000)), META)
    assert declared(filing)["salary.gross"] == 1_000_000  # as typed
    assert filing.document_figures["doc-a"]["salary.gross"] == 900_000  # still remembered
    accept(filing, plan("doc-b", form16("BLRB54321C", gross=600_000, tds=30_000)))
    assert declared(filing)["salary.gross"] == 1_500_000  # the documents' sum again
    assert declared(filing)["taxes_paid.tds"] == 50_000


def test_a_corrected_form16_from_the_same_employer_supersedes_the_first() -> None:
    filing = new_filing()
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=900_000, tds=20_000)))
    accept(filing, plan("doc-b", form16("BLRB54321C", gross=600_000, tds=30_000)))
    revised = form16("MUMA12345B", gross=950_000, tds=25_000)
    accept(filing, plan("doc-a2", revised))
    assert declared(filing)["salary.gross"] == 1_550_000
    assert declared(filing)["taxes_paid.tds"] == 55_000
    assert set(filing.document_figures) == {"doc-b", "doc-a2"}
    assert filing.income_source is not None and filing.income_source["supersedes"] == ["doc-a"]


def test_a_tan_without_a_match_adds_and_a_form16_without_a_tan_supersedes_nothing() -> None:
    filing = new_filing()
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=900_000, tds=20_000)))
    unsure = form16("MUMA12345B", gross=950_000, tds=25_000, tan_confidence=0.5)
    accept(filing, plan("doc-a2", unsure))  # OCR unsure of the TAN, which matches: replaced
    assert declared(filing)["salary.gross"] == 950_000
    accept(filing, plan("doc-b", form16(None, gross=600_000, tds=30_000)))  # no TAN read
    accept(filing, plan("doc-c", form16(None, gross=100_000, tds=1_000)))
    assert declared(filing)["salary.gross"] == 1_650_000
    assert declared(filing)["taxes_paid.tds"] == 56_000


def test_chapter_via_is_claimed_at_the_largest_amount_an_employer_allowed() -> None:
    """The same policy or deposit is declared to each employer in turn: not added up."""
    filing = new_filing()
    filing.claim_deductions(Deductions(d_self=10_000), META)
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=900_000, tds=0, via_80c=120_000)))
    accept(filing, plan("doc-b", form16("BLRB54321C", gross=600_000, tds=0, via_80c=90_000)))
    assert filing.deductions["80C"] == 120_000
    assert filing.deductions["80D_self"] == 10_000  # nil on both: the taxpayer's own claim
    # Corrected down, the first employer's amount is replaced, not kept beside the new one.
    lower = form16("MUMA12345B", gross=900_000, tds=0, via_80c=120_000)
    accept(filing, plan("doc-a", lower, via_80c_total=60_000))
    assert filing.deductions["80C"] == 90_000


# --- properties ----------------------------------------------------------------------------

employers = st.lists(
    st.fixed_dictionaries(
        {
            "gross": st.integers(0, 10**8),
            "tds": st.integers(0, 10**7),
            "exempt": st.integers(0, 10**6),
            "professional_tax": st.integers(0, 2_500),
            "employer_nps": st.integers(0, 10**6),
        }
    ),
    min_size=1,
    max_size=4,
)


def _tan(i: int) -> str:
    return f"EMPL{10000 + i:05d}A"


def _plans(figures: list[dict[str, int]]) -> list[Prefill]:
    return [plan(f"doc-{i}", form16(_tan(i), **f)) for i, f in enumerate(figures)]


@settings(max_examples=60, deadline=None)
@given(employers, st.data())
def test_the_return_declares_the_sum_over_its_form16s_in_any_order(
    figures: list[dict[str, int]], data: st.DataObject
) -> None:
    plans = _plans(figures)
    expected = total(p.figures for p in plans)
    assert expected["salary.gross"] == sum(f["gross"] for f in figures)
    assert expected["taxes_paid.tds"] == sum(f["tds"] for f in figures)
    # Any order, any document accepted again (a retry, a second click), any number of times.
    order = data.draw(st.permutations(plans))
    repeats = data.draw(st.lists(st.sampled_from(plans), max_size=4))
    filing = new_filing()
    for p in [*order, *repeats]:
        accept(filing, p)
    assert declared(filing) == expected
    assert set(filing.document_figures) == {f"doc-{i}" for i in range(len(figures))}


@settings(max_examples=40, deadline=None)
@given(employers)
def test_accepting_a_document_twice_is_accepting_it_once(figures: list[dict[str, int]]) -> None:
    plans = _plans(figures)
    once, twice = new_filing(), new_filing()
    for p in plans:
        accept(once, p)
        accept(twice, p)
        accept(twice, p)
    assert twice.income == once.income and twice.deductions == once.deductions
    assert twice.document_figures == once.document_figures


@settings(max_examples=25, deadline=None)
@given(employers)
def test_the_stored_events_replay_to_the_same_contributions(
    figures: list[dict[str, int]],
) -> None:
    app = FilingsApplication(index_key=TEST_INDEX_KEY)
    written = app.start_filing(ME, PAN, AY)
    filing = app.get_filing(written.aggregate_id)
    for p in itertools.chain(_plans(figures), _plans(figures[:1])):
        accept(filing, p)
    app.save(filing)
    replayed = app.get_filing(filing.id)
    assert replayed.income == filing.income
    assert replayed.document_figures == filing.document_figures
    assert replayed.document_employers == filing.document_employers
    assert declared(replayed) == total(replayed.document_figures.values())


def test_an_acceptance_stored_before_contributions_existed_replays_to_its_contribution() -> None:
    """An `IncomeDeclared` recorded by the previous release's acceptance: its income and its
    source (no `employer_tan`), nothing else; a later Form 16 adds to it."""
    app = FilingsApplication(index_key=TEST_INDEX_KEY)
    fid = app.start_filing(ME, PAN, AY).aggregate_id
    filing = app.get_filing(fid)
    old_source: dict[str, Any] = {
        "document_id": str(uuid.uuid4()),
        "sha256": "ab" * 32,
        "form": "16",
        "fields": {
            "salary.gross": {"field": "gross_salary", "value": 700_000, "corrected": False},
            "taxes_paid.tds": {"field": "tds_total", "value": 9_000, "corrected": False},
        },
    }
    filing.declare_income(
        IncomeDeclaration(salary=Salary(gross=700_000)), META, source=old_source
    )  # how the previous release recorded an acceptance (tds omitted here on purpose: the
    # contribution is read from the source, the income from the event, as stored)
    app.save(filing)
    replayed = app.get_filing(fid)
    assert replayed.document_figures == {
        old_source["document_id"]: {"salary.gross": 700_000, "taxes_paid.tds": 9_000}
    }
    accept(replayed, plan("doc-new", form16("BLRB54321C", gross=600_000, tds=30_000)))
    assert declared(replayed)["salary.gross"] == 1_300_000
    assert declared(replayed)["taxes_paid.tds"] == 39_000


def test_form16s_adding_up_beyond_what_a_return_holds_are_refused_and_nothing_changes() -> None:
    filing = new_filing()
    accept(filing, plan("doc-a", form16("MUMA12345B", gross=6 * 10**12, tds=0)))
    before = (filing.version, filing.income, dict(filing.document_figures))
    big = plan("doc-b", form16("BLRB54321C", gross=100, tds=0), gross_salary=6 * 10**12)
    with pytest.raises(InvalidCorrection) as refused:
        accept(filing, big)
    assert refused.value.field == "corrections"
    assert (filing.version, filing.income, dict(filing.document_figures)) == before
