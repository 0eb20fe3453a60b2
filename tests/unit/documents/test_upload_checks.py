"""What an upload must be: a real PNG, JPEG, TIFF or PDF, whole, and not a bomb."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from commands.adapters.document_files import (
    CorruptDocument,
    DocumentTooComplex,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    UnsupportedDocument,
    UploadLimits,
    inspect,
)
from tests.documents.form16_generator import Scan, form16_pdf, random_form16, scanned_pages, tiff

LIMITS = UploadLimits(max_bytes=2_000_000, max_pixels=20_000_000, max_pages=5)


def _image(fmt: str, size: tuple[int, int] = (300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 50).convert("L").save(buf, fmt)
    return buf.getvalue()


def _pdf(pages: int = 1, size: tuple[float, float] = (595, 842)) -> bytes:
    pdf = FPDF(unit="pt", format=size)
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(100, 20, "hello")
    return bytes(pdf.output())


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_images_are_recognised_by_content(fmt: str, media_type: str) -> None:
    facts = inspect(_image(fmt), LIMITS)
    assert (facts.media_type, facts.pages) == (media_type, 1)


def test_a_multipage_tiff_and_a_pdf_count_their_pages() -> None:
    form = random_form16(random.Random(1))
    pages = scanned_pages(form, Scan(dpi=100))
    assert inspect(tiff(pages, 100), LIMITS).pages == 2
    assert inspect(form16_pdf(form), LIMITS).media_type == "application/pdf"
    assert inspect(form16_pdf(form), LIMITS).pages == 2


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x00" * 100, b"GIF89a" + b"\x00" * 100, b"<html>%PDF</html>"[::-1], b"hi"],
)
def test_anything_else_is_unsupported_whatever_its_name(data: bytes) -> None:
    with pytest.raises(UnsupportedDocument):
        inspect(data, LIMITS)


def test_empty_and_oversized_files_are_refused() -> None:
    with pytest.raises(EmptyDocument):
        inspect(b"", LIMITS)
    with pytest.raises(DocumentTooLarge):
        inspect(b"%PDF-1.7" + b"\x00" * LIMITS.max_bytes, LIMITS)


def test_truncated_files_are_corrupt() -> None:
    pdf = _pdf(3)
    with pytest.raises(CorruptDocument):
        inspect(pdf[: len(pdf) // 2], LIMITS)
    jpeg = _image("JPEG", (400, 400))
    with pytest.raises(CorruptDocument):
        inspect(jpeg[: len(jpeg) // 2], LIMITS)
    png = _image("PNG", (400, 400))
    with pytest.raises(CorruptDocument):
        inspect(png[: len(png) - 200], LIMITS)


def test_a_pdf_with_garbage_inside_is_corrupt() -> None:
    pdf = _pdf(1)
    damaged = pdf[:200] + b"\x00garbage\xff" * 50 + pdf[-200:]
    with pytest.raises(CorruptDocument):
        inspect(damaged, LIMITS)


def test_decompression_bombs_are_refused_before_decoding() -> None:
    with pytest.raises(DocumentTooComplex):
        inspect(_png_header(50_000, 50_000), LIMITS)  # 2.5 gigapixels declared, ~100 bytes
    with pytest.raises(DocumentTooComplex):
        inspect(_png_header(6_000, 6_000), LIMITS)  # over this server's per-page limit
    with pytest.raises(DocumentTooComplex):
        inspect(_pdf(LIMITS.max_pages + 1), LIMITS)
    with pytest.raises(DocumentTooComplex):
        inspect(_pdf(1, (14_400, 14_400)), LIMITS)  # a 200-inch page


def test_a_password_protected_pdf_is_refused() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(1)))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(EncryptedDocument):
        inspect(buf.getvalue(), LIMITS)
