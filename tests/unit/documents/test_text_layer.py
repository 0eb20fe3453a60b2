"""A PDF's text layer read as words with boxes (pdfium) and laid out by position: a
generator that writes a table column by column (all labels, then all amounts) reads the same
as one that writes it row by row."""

from __future__ import annotations

import random

from fpdf import FPDF

from domain.documents.form16 import parse_form16
from tests.documents.form16_generator import inr
from workers.reading import read_document

LABELS = [
    ("salary_17_1", "(a) Salary as per provisions contained in section 17(1)"),
    ("perquisites_17_2", "(b) Value of perquisites under section 17(2)"),
    ("profits_17_3", "(c) Profits in lieu of salary under section 17(3)"),
    ("gross_salary", "(d) Total"),
]


def _pdf(values: dict[str, int], column_first: bool) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 9)
    pdf.set_xy(12, 12)
    pdf.cell(0, 6, "FORM NO. 16")
    pdf.set_xy(12, 20)
    pdf.cell(0, 6, "PART B (Annexure) Details of Salary Paid")
    pdf.set_xy(12, 28)
    pdf.cell(0, 6, "1. Gross Salary")
    cells = []
    for i, (name, label) in enumerate(LABELS):
        y = 36 + 7 * i
        right = 190 if name == "gross_salary" else 160
        cells.append(((12, y, 120, label, "L"), (right - 30, y, 30, inr(values[name]), "R")))
    order = [c for pair in cells for c in pair]
    if column_first:  # every label, then every amount, bottom to top
        order = [p[0] for p in cells] + [p[1] for p in reversed(cells)]
    for x, y, w, text, align in order:
        pdf.set_xy(x, y)
        pdf.cell(w, 6, text, align=align)
    return bytes(pdf.output())


def test_a_table_written_column_by_column_reads_like_one_written_row_by_row() -> None:
    rng = random.Random(20)
    a, b, c = rng.randrange(300_000, 5_000_000), rng.randrange(0, 90_000), 0
    values = {"salary_17_1": a, "perquisites_17_2": b, "profits_17_3": c}
    values["gross_salary"] = a + b + c
    readings = []
    for column_first in (False, True):
        reading = read_document(_pdf(values, column_first), "application/pdf")
        assert reading.source == "text-layer"
        fields = parse_form16(reading.pages).fields
        assert {k: fields[k].value for k in values} == values
        readings.append(reading.pages)
    assert readings[0] == readings[1]
