"""Form 16 as it really comes (tests/documents/form16_layouts.py), through exactly what a
worker runs: real tesseract on 150 dpi scans (skewed, turned, JPEG quality 60), pdfium's
text layer on digital PDFs. One document per layout here; `make bench NAME=ocr` runs many
per layout for the accuracy numbers."""

from __future__ import annotations

import pytest

from domain.documents.fields import REVIEW_BELOW
from domain.documents.form16 import parse_form16
from tests.documents.client import needs_tesseract
from tests.documents.form16_layouts import LAYOUTS, document, fonts_available
from workers.reading import read_document

pytestmark = [
    needs_tesseract,
    pytest.mark.skipif(not fonts_available(), reason="DejaVu fonts (fonts-dejavu-core) missing"),
]

SEED = 1000  # not one the benchmark measures


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_is_read_by_position(layout: str) -> None:
    d = document(layout, SEED)
    reading = read_document(d.data, d.media_type)
    assert len(reading.pages) == d.pages
    extraction = parse_form16(reading.pages)
    assert extraction.form == "16"
    found = {k: f.value for k, f in extraction.fields.items()}
    wrong = {k: (v, found.get(k)) for k, v in d.truth.items() if found.get(k) != v}
    # A scan may leave a field unread or unsure; a digital PDF is read exactly.
    assert len(wrong) <= (0 if layout == "text-pdf" else 1), wrong
    for name, f in extraction.fields.items():
        if name in d.truth and f.value != d.truth[name]:
            assert f.confidence < REVIEW_BELOW, (name, f)  # never a silent wrong value


def test_a_page_turned_upside_down_is_turned_back() -> None:
    d = document("rotated-scan", 3, turn=180)
    extraction = parse_form16(read_document(d.data, d.media_type).pages)
    for name in ("employee_pan", "employer_tan", "tds_total"):
        assert extraction.value(name) == d.truth[name], name
