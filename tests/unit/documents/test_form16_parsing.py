"""Form 16 extraction from text (no OCR here: PDFs with a text layer and hand-made lines),
and the pre-fill of a return from the extracted fields."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.documents.errors import (
    AssessmentYearMismatch,
    FieldsNeedReview,
    InvalidCorrection,
    NotAForm16,
    PanMismatch,
)
from domain.documents.fields import FIELD_NAMES, Extraction
from domain.documents.form16 import parse_form16
from domain.documents.prefill import prefill
from domain.documents.text import Cell, Line, Page, split_cells
from tests.documents.form16_generator import form16_pdf, random_form16
from workers.reading import read_document


def _parse_pdf(seed: int) -> tuple[dict[str, object], Extraction]:
    form = random_form16(random.Random(seed))
    reading = read_document(form16_pdf(form), "application/pdf")
    assert reading.source == "text-layer"
    return form.truth, parse_form16(reading.pages)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=100_000))
def test_every_field_of_a_digital_form16_is_read_exactly(seed: int) -> None:
    truth, extraction = _parse_pdf(seed)
    assert extraction.form == "16" and extraction.problems == ()
    assert {k: f.value for k, f in extraction.fields.items()} == truth
    assert set(truth) == FIELD_NAMES
    for f in extraction.fields.values():
        assert f.confidence >= 0.97 and f.page in (1, 2) and f.line > 0


def _page(*rows: str) -> Page:
    lines = tuple(Line(1, i + 1, split_cells(r)) for i, r in enumerate(rows))
    return Page(1, lines, "text-layer")


def test_a_document_without_a_form16_gives_no_fields() -> None:
    extraction = parse_form16([_page("Electricity bill", "Amount due      3,120.00")])
    assert extraction.form is None and extraction.fields == {}
    assert extraction.problems == ("no Form 16 found in the document",)
    assert parse_form16([]).form is None


def test_a_misprinted_total_is_flagged_not_trusted() -> None:
    page = _page(
        "FORM NO. 16",
        "PART B (Annexure)",
        "1.   Gross Salary",
        "(a)  Salary as per provisions contained in section 17(1)      5,00,000.00",
        "(b)  Value of perquisites under section 17(2)                   10,000.00",
        "(c)  Profits in lieu of salary under section 17(3)                  0.00",
        "(d)  Total                                                      5,20,000.00",
    )
    extraction = parse_form16([page])
    assert any("1(d)" in p for p in extraction.problems)
    for name in ("salary_17_1", "perquisites_17_2", "profits_17_3", "gross_salary"):
        assert extraction.fields[name].confidence < 0.9, name
    assert "does not add up" in (extraction.fields["gross_salary"].note or "")


def test_ocr_rows_with_noise_and_glued_amounts_are_read() -> None:
    cells = (
        Cell("(a)", 100, 0.9, 120),
        Cell("Standard deduction under \u2018section 16(ia)", 170, 0.8, 480),
        Cell("|.", 800, 0.2, 805),
        Cell("50,000.00", 950, 0.96, 1028),
    )
    glued = (Cell("(c) Tax on employment under section 16(iii) 2,500.00", 100, 0.9, 1028),)
    head = (Line(2, 1, (Cell("FORM NO. 16", 500),)), Line(2, 2, (Cell("Gross Salary", 170),)))
    page = Page(2, (*head, Line(2, 3, cells), Line(2, 4, glued)), "ocr")
    fields = parse_form16([page]).fields
    assert fields["standard_deduction"].value == 50_000
    assert (fields["standard_deduction"].page, fields["standard_deduction"].line) == (2, 3)
    assert fields["professional_tax"].value == 2_500


# --- pre-fill -------------------------------------------------------------------------------


def _prefill(extraction: Extraction, pan: str, **kw: object) -> object:
    args: dict[str, object] = {
        "document_id": "doc-1",
        "sha256": "ab" * 32,
        "filing_pan": pan,
        "filing_assessment_year": extraction.value("assessment_year"),
    }
    args.update(kw)
    return prefill(extraction, **args)  # type: ignore[arg-type]


def test_prefill_gives_the_salary_and_tds_with_their_sources() -> None:
    truth, extraction = _parse_pdf(5)
    plan = _prefill(extraction, str(truth["employee_pan"]))
    figures = plan.figures  # type: ignore[attr-defined]
    assert figures["salary.gross"] == truth["gross_salary"]
    assert figures["salary.exempt_allowances"] == truth["exemptions_total"]
    assert figures["salary.professional_tax"] == truth["professional_tax"]
    assert figures.get("salary.employer_nps", 0) == truth["via_80ccd_2"]
    assert figures["taxes_paid.tds"] == truth["tds_total"]
    source = plan.income_source  # type: ignore[attr-defined]
    assert source["document_id"] == "doc-1" and source["form"] == "16"
    assert source["employer_tan"] == truth["employer_tan"]  # names the employer
    gross = source["fields"]["salary.gross"]
    assert gross["field"] == "gross_salary" and gross["page"] == 2 and gross["line"] > 0
    assert gross["corrected"] is False


def test_prefill_refuses_another_pan_and_another_year() -> None:
    _, extraction = _parse_pdf(6)
    with pytest.raises(PanMismatch):
        _prefill(extraction, "ZZZPZ9999Z")
    pan = str(extraction.value("employee_pan"))
    with pytest.raises(AssessmentYearMismatch):
        _prefill(extraction, pan, filing_assessment_year="2019-20")


def test_prefill_asks_for_review_and_takes_corrections() -> None:
    _, extraction = _parse_pdf(7)
    pan = str(extraction.value("employee_pan"))
    fields = dict(extraction.fields)
    del fields["tds_total"]
    unsure = Extraction(form="16", fields=fields, problems=())
    with pytest.raises(FieldsNeedReview) as review:
        _prefill(unsure, pan)
    assert set(review.value.fields) == {"tds_total"}
    plan = _prefill(unsure, pan, corrections={"tds_total": 12_345})
    assert plan.figures["taxes_paid.tds"] == 12_345  # type: ignore[attr-defined]
    assert plan.income_source["fields"]["taxes_paid.tds"]["corrected"] is True  # type: ignore[attr-defined]
    with pytest.raises(InvalidCorrection):
        _prefill(extraction, pan, corrections={"employee_pan": 1})


def test_prefill_needs_a_form16() -> None:
    with pytest.raises(NotAForm16):
        _prefill(Extraction(form=None, fields={}), "ABCPE1234F", filing_assessment_year="2026-27")
