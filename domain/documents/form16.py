"""Form 16 (Part A and Part B) from a document's text: pure code, no I/O.

The readers hand over lines of cells laid out by position (`layout`). Part A's fields pair
with their labels across columns and down table columns (`form16_part_a`); Part B's items
are found by the words of their labels, their amounts in the columns where amounts line up
(`form16_part_b`). Then the form's arithmetic and the identifiers' shapes are checked
(`checks.reconcile`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from domain.documents.checks import reconcile
from domain.documents.fields import ExtractedField, Extraction
from domain.documents.form16_part_a import part_a
from domain.documents.form16_part_b import part_b
from domain.documents.rows import Found, digit_width, normalise, row_of
from domain.documents.text import Line, Page, lines_of

__all__ = ["FORM_16", "KEY_FIELDS", "is_form16", "normalise", "parse_form16"]

FORM_16 = "16"
KEY_FIELDS = ("employee_pan", "employer_tan", "assessment_year", "gross_salary", "tds_total")
"""Reported as problems when missing (a clearer copy, or the other part, is needed)."""

_FORM_MARK = re.compile(r"form\s*no\.?\s*16\b|\bform\s*16\b")
_PART_A_MARK = re.compile(r"certificate under section 203|tan of the deductor|part a\b")
_PART_B_MARK = re.compile(r"details of salary paid|part b\b|gross salary|chapter vi-?a")
_PART_B_HEAD = re.compile(r"details of salary paid|part b\b")


# --- the whole form -----------------------------------------------------------------------


def is_form16(lines: Sequence[Line]) -> bool:
    text = " ".join(normalise(line.text) for line in lines)
    return (
        bool(_FORM_MARK.search(text))
        or (bool(_PART_A_MARK.search(text)) and bool(_PART_B_MARK.search(text)))
        or ("gross salary" in text and "chapter vi" in text)
        # Part B's first page alone: its heading and its first items.
        or (bool(_PART_B_HEAD.search(text)) and "gross salary" in text and "17(1)" in text)
    )


def parse_form16(pages: Sequence[Page]) -> Extraction:
    lines = lines_of(list(pages))
    if not is_form16(lines):
        return Extraction(form=None, fields={}, problems=("no Form 16 found in the document",))
    digit = digit_width(lines)
    rows = [row_of(line, digit) for line in lines]
    found: dict[str, Found] = {}
    part_a(lines, rows, found)
    part_b(rows, found)
    problems: list[str] = []
    fields: dict[str, ExtractedField] = {}
    for name, f in found.items():
        if f.value == "" and f.text == "":
            problems.append(f"{name}: label found but no amount read")
            continue
        fields[name] = f.field()
    fields, arithmetic = reconcile(fields)
    problems.extend(arithmetic)
    problems.extend(f"{name}: not found" for name in KEY_FIELDS if name not in fields)
    problems.extend(_consistency(fields))
    return Extraction(form=FORM_16, fields=fields, problems=tuple(problems))


def _consistency(fields: dict[str, ExtractedField]) -> list[str]:
    """The period must fall within the financial year the assessment year follows."""
    problems: list[str] = []
    ay = fields.get("assessment_year")
    if ay is None or not isinstance(ay.value, str):
        return problems
    start = int(ay.value[:4]) - 1
    fy = (dt.date(start, 4, 1).isoformat(), dt.date(start + 1, 3, 31).isoformat())
    for name in ("period_from", "period_to"):
        f = fields.get(name)
        if f is not None and isinstance(f.value, str) and not fy[0] <= f.value <= fy[1]:
            problems.append(f"{name} {f.value} is outside the financial year of AY {ay.value}")
            fields[name] = ExtractedField(
                value=f.value,
                confidence=min(f.confidence, 0.3),
                page=f.page,
                line=f.line,
                text=f.text,
                note="outside the financial year of the assessment year",
            )
    return problems
