"""A stored file to pages of text: a PDF's text layer where it has one, OCR otherwise.

PDF pages with a text layer are read from pdfium's text page, as words with their boxes,
grouped into lines and cells by position (`domain.documents.layout`);
pages without one are rasterised with pdfium at about the resolution of the scan inside
them and read by tesseract, as are PNG, JPEG and TIFF pages. Scans finer than 200 dpi are
read at 200. Every OCR page is straightened and its table rules erased first (`ocr_prep`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pypdf
import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from domain.documents.text import Page
from workers.ocr import Word, ocr_words, orientation, quality, rows
from workers.ocr_prep import prepare, sideways
from workers.text_layer import char_count, text_layer_page

Progress = Callable[[str, int], None]
DEFAULT_DPI = 200
MIN_DPI, MAX_DPI = 150, 300
OCR_DPI = 200
"""Pages scanned finer than this are reduced to it before OCR: Form 16's 8-10 pt type reads
as well at 200 dpi, and tesseract's time grows with the pixel count (300 dpi costs 2.25x)."""
_MIN_TEXT_CHARS = 40


@dataclass(frozen=True)
class Reading:
    pages: list[Page]

    @property
    def source(self) -> str:
        kinds = {p.source for p in self.pages}
        return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")


def _no_progress(stage: str, percent: int) -> None:
    pass


def read_document(data: bytes, media_type: str, progress: Progress = _no_progress) -> Reading:
    if media_type == "application/pdf":
        return Reading(list(_pdf_pages(data, progress)))
    return Reading(list(_image_pages(data, progress)))


def _percent(done: int, total: int) -> int:
    return 10 + int(80 * done / max(1, total))


def _pdf_pages(data: bytes, progress: Progress) -> Iterator[Page]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    document = pdfium.PdfDocument(data)
    try:
        for index in range(total):
            number = index + 1
            pdf_page = document[index]
            if char_count(pdf_page) >= _MIN_TEXT_CHARS:
                progress("reading text layer", _percent(index, total))
                yield text_layer_page(pdf_page, number)
                continue
            progress(f"ocr page {number} of {total}", _percent(index, total))
            dpi = min(_scan_dpi(reader.pages[index]), OCR_DPI)
            image = pdf_page.render(scale=dpi / 72, grayscale=True).to_pil()
            yield _ocr(image, number, dpi)
    finally:
        document.close()


def _scan_dpi(page: pypdf.PageObject) -> int:
    """The resolution of the widest image on the page (read from its dictionary, not decoded),
    so rendering neither loses detail nor invents pixels."""
    width_in = float(page.mediabox.width) / 72
    best = 0
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                best = max(best, int(xobject.get("/Width", 0)))
    except Exception:  # a damaged or exotic resource dictionary: render at the default
        return DEFAULT_DPI
    if not best or not width_in:
        return DEFAULT_DPI
    return min(MAX_DPI, max(MIN_DPI, round(best / width_in)))


def _image_pages(data: bytes, progress: Progress) -> Iterator[Page]:
    with Image.open(io.BytesIO(data)) as img:
        frames = getattr(img, "n_frames", 1)
        dpi = _image_dpi(img)
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            number = index + 1
            progress(f"ocr page {number} of {frames}", _percent(index, frames))
            yield _ocr(frame.convert("L"), number, dpi)


def _image_dpi(img: Image.Image) -> int:
    raw = img.info.get("dpi")
    try:
        dpi = round(float(raw[0])) if raw else 0
    except (TypeError, ValueError, IndexError):
        dpi = 0
    return dpi if MIN_DPI // 2 <= dpi <= 1200 else DEFAULT_DPI


def _ocr(image: Image.Image, number: int, dpi: int) -> Page:
    if dpi > OCR_DPI * 1.1:
        scale = OCR_DPI / dpi
        size = (round(image.width * scale), round(image.height * scale))
        image, dpi = image.convert("L").resize(size, Image.Resampling.BOX), OCR_DPI
    gray = image.convert("L")
    turned = 0
    if sideways(gray):
        turned = orientation(gray)
        gray = _turn(gray, turned)
    words = _read(gray, dpi)
    if quality(words) < _GOOD_READING and not turned:
        # Upside down (or sideways and missed): ask OSD, and keep the better reading.
        turn = orientation(gray)
        if turn:
            again = _read(_turn(gray, turn), dpi)
            if quality(again) > quality(words):
                words = again
    return rows(words, number)


_GOOD_READING = 0.6


def _turn(gray: Image.Image, clockwise: int) -> Image.Image:
    if not clockwise:
        return gray
    return gray.rotate(-clockwise, expand=True, fillcolor=255)


def _read(gray: Image.Image, dpi: int) -> list[Word]:
    clean = prepare(gray, dpi)
    clean.format = "PPM"  # handed to tesseract uncompressed: no PNG encoding on the way
    return ocr_words(clean, dpi=dpi)
