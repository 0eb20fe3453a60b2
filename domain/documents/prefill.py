"""From an accepted Form 16 to its contribution to the return, with its sources.

The certificate gives the salary figures, the TDS and (where the employer allowed them)
the Chapter VI-A claims the employer allowed (a nil amount leaves the taxpayer's own claim
alone). What the return then declares is the Filing's business
(`Filing.declare_document`): the sum over every accepted Form 16, one per employer, with
everything else the taxpayer declared (age, house property, other sources, capital gains,
advance tax) kept. Every number that comes from the document carries its source: the
document, the field, where on which page it was read and how sure the reading was, or that
the taxpayer corrected it; the source is also where the Filing reads the document's
contribution back from. A field the return needs that was not read, or read with low
confidence, must be confirmed (sent as a correction) first; the PAN and assessment year can
never be corrected: a certificate for someone else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.documents.errors import (
    AssessmentYearMismatch,
    FieldsNeedReview,
    InvalidCorrection,
    NotAForm16,
    PanMismatch,
)
from domain.documents.fields import AMOUNT_FIELDS, REVIEW_BELOW, ExtractedField, Extraction
from domain.filing.document_figures import Figures, figures_of

# (where on the return, which Form 16 field, required)
INCOME_MAP: tuple[tuple[str, str, bool], ...] = (
    ("salary.gross", "gross_salary", True),
    ("salary.exempt_allowances", "exemptions_total", True),
    ("salary.professional_tax", "professional_tax", True),
    ("salary.employer_nps", "via_80ccd_2", False),
    ("taxes_paid.tds", "tds_total", True),
)
DEDUCTIONS_MAP: tuple[tuple[str, str], ...] = (
    ("80C", "via_80c_total"),
    ("80CCD(1B)", "via_80ccd_1b"),
    ("80D_self", "via_80d"),
    ("80TTA", "via_80tta"),
)


@dataclass(frozen=True)
class Prefill:
    income_source: dict[str, Any]
    """The document, its employer's TAN (when one was read) and, per place on the return
    (`INCOME_MAP`), the field and the value it gives."""
    deductions_source: dict[str, Any] | None  # None: the employer allowed nothing
    fields_used: tuple[str, ...]

    @property
    def figures(self) -> Figures:
        return figures_of(self.income_source)


def _source_entry(
    name: str, f: ExtractedField | None, value: int, corrected: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": name, "value": value, "corrected": corrected}
    if f is not None:
        entry |= {"page": f.page, "line": f.line, "confidence": f.confidence}
        if corrected and f.value != value:
            entry["read_as"] = f.value
    return entry


def prefill(
    extraction: Extraction,
    *,
    document_id: str,
    sha256: str,
    filing_pan: str,
    filing_assessment_year: str,
    corrections: dict[str, int] | None = None,
) -> Prefill:
    corrections = dict(corrections or {})
    if extraction.form != "16":
        raise NotAForm16("the document is not a Form 16; nothing to pre-fill", field="document")
    bad = sorted(set(corrections) - AMOUNT_FIELDS)
    if bad:
        raise InvalidCorrection(
            f"only amounts can be corrected, not {', '.join(bad)}", field=f"corrections.{bad[0]}"
        )
    negative = sorted(k for k, v in corrections.items() if v < 0)
    if negative:
        raise InvalidCorrection("amounts must not be negative", field=f"corrections.{negative[0]}")
    pan = extraction.fields.get("employee_pan")
    if pan is None:
        raise FieldsNeedReview(
            "the employee's PAN was not read; upload a clearer copy",
            {"employee_pan": "not read"},
        )
    if pan.value != filing_pan:
        raise PanMismatch("the Form 16 is for another PAN than this return's", field="employee_pan")
    year = extraction.fields.get("assessment_year")
    if year is not None and year.value != filing_assessment_year:
        raise AssessmentYearMismatch(
            f"the Form 16 is for assessment year {year.value}, the return for "
            f"{filing_assessment_year}",
            field="assessment_year",
        )

    def value_of(
        name: str, required: bool, review: dict[str, str]
    ) -> tuple[int, dict[str, Any]] | None:
        f = extraction.fields.get(name)
        if name in corrections:
            return corrections[name], _source_entry(name, f, corrections[name], True)
        if f is None or not isinstance(f.value, int):
            if required:
                review[name] = "not read"
            return None
        if f.confidence < REVIEW_BELOW:
            review[name] = f.note or f"read with confidence {f.confidence:.2f}"
            return None
        return f.value, _source_entry(name, f, f.value, False)

    review: dict[str, str] = {}
    # A figure not on the certificate (the employer's NPS) is absent: it contributes 0.
    income_fields: dict[str, Any] = {}
    used: list[str] = []
    for target, name, required in INCOME_MAP:
        got = value_of(name, required, review)
        if got is None:
            continue
        income_fields[target] = got[1]
        used.append(name)
    deduction_fields: dict[str, Any] = {}
    for key, name in DEDUCTIONS_MAP:
        got = value_of(name, False, review)
        if got is None or got[0] == 0:
            continue  # nothing allowed by the employer: the taxpayer's own claim stands
        deduction_fields[key] = got[1]
        used.append(name)
    if review:
        raise FieldsNeedReview(
            "some fields need your confirmation: send them as corrections", review
        )
    source_base: dict[str, Any] = {"document_id": document_id, "sha256": sha256, "form": "16"}
    tan = extraction.fields.get("employer_tan")
    if tan is not None and isinstance(tan.value, str):
        # Names the employer: the same employer's next Form 16 supersedes this one. Taken
        # however sure the reading (OCR rarely is about identifiers): a misread TAN matches
        # no employer's, and the parser keeps only what has a TAN's shape.
        source_base["employer_tan"] = tan.value
    return Prefill(
        income_source={**source_base, "fields": income_fields},
        deductions_source={**source_base, "fields": deduction_fields} if deduction_fields else None,
        fields_used=tuple(used),
    )
