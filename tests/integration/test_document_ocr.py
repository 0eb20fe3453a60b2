"""Real tesseract on generated scans: a skewed, ruled page is straightened, its rules erased,
its rows rebuilt, and its fields read; and `burnblack documents parse` prints them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from domain.documents.form16 import parse_form16
from tests.documents.client import needs_tesseract
from tests.documents.form16_generator import (
    Scan,
    image_pdf,
    part_truth,
    random_form16,
    scanned_pages,
    single_image,
)
from workers.ocr_prep import estimate_skew
from workers.reading import read_document

ROOT = Path(__file__).resolve().parents[2]

pytestmark = needs_tesseract


@pytest.mark.parametrize("angle", [-2.0, -0.7, 1.3])
def test_the_skew_is_measured_from_the_ink(angle: float) -> None:
    form = random_form16(random.Random(2))
    page = scanned_pages(form, Scan(dpi=150, rotate=angle))[1]
    assert estimate_skew(page) == pytest.approx(-angle, abs=0.15)  # the turn that undoes it


def test_a_skewed_jpeg_photo_of_part_b_is_read() -> None:
    form = random_form16(random.Random(4))
    scan = Scan(dpi=200, rotate=-1.6, blur=0.3)
    page = scanned_pages(form, scan)[1]
    reading = read_document(single_image(page, "JPEG", scan.dpi, quality=70), "image/jpeg")
    assert reading.source == "ocr" and len(reading.pages) == 1
    extraction = parse_form16(reading.pages)
    truth = part_truth(form.truth, 2)
    found = {k: f.value for k, f in extraction.fields.items()}
    wrong = {k: (v, found.get(k)) for k, v in truth.items() if found.get(k) != v}
    assert len(wrong) <= 1, wrong
    for name, f in extraction.fields.items():
        if f.value != truth.get(name):
            assert f.confidence < 0.9, (name, f)  # a misreading is flagged, never silent


def test_the_cli_prints_the_fields_of_a_scanned_pdf(tmp_path: Path) -> None:
    form = random_form16(random.Random(5))
    scan = Scan(dpi=150, rotate=0.8)
    path = tmp_path / "form16-scan.pdf"
    path.write_bytes(image_pdf(scanned_pages(form, scan)[:1], scan.dpi))  # Part A only
    out = subprocess.run(
        [sys.executable, "-m", "burnblack", "documents", "parse", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert doc["form"] == "16" and doc["text_source"] == "ocr" and doc["pages"] == 1
    for name in ("employee_pan", "employer_tan", "assessment_year", "tds_total"):
        assert doc["fields"][name]["value"] == form.truth[name], name
        assert doc["fields"][name]["page"] == 1


def test_the_cli_refuses_what_an_upload_would(tmp_path: Path) -> None:
    path = tmp_path / "form16.pdf"
    path.write_bytes(b"PK\x03\x04 not a pdf")
    out = subprocess.run(
        [sys.executable, "-m", "burnblack", "documents", "parse", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 2 and out.stdout == ""
