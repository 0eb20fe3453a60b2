"""A stored file to pages of text: a PDF's text layer where it has one, OCR otherwise.

PDF pages with a text layer are read with pypdf (layout mode keeps the columns apart);
pages without one are rasterised with pdfium at about the resolution of the scan inside
them and read by tesseract, as are PNG, JPEG and TIFF pages. Scans finer than 200 dpi are
read at 200. Every OCR page is straightened and its table rules erased first (`ocr_prep`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pypdf
import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from domain.documents.text import Line, Page, split_cells
from workers.ocr import ocr_page
from workers.ocr_prep import prepare

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


def text_layer_page(text: str, number: int) -> Page:
    lines: list[Line] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        lines.append(Line(number, len(lines) + 1, split_cells(raw.rstrip(), min_gap=2)))
    return Page(number, tuple(lines), "text-layer")


def _pdf_pages(data: bytes, progress: Progress) -> Iterator[Page]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    document: pdfium.PdfDocument | None = None
    try:
        for index, page in enumerate(reader.pages):
            number = index + 1
            text = page.extract_text(extraction_mode="layout") or ""
            if len(re.sub(r"\s", "", text)) >= _MIN_TEXT_CHARS:
                progress("reading text layer", _percent(index, total))
                yield text_layer_page(text, number)
                continue
            progress(f"ocr page {number} of {total}", _percent(index, total))
            if document is None:
                document = pdfium.PdfDocument(data)
            dpi = min(_scan_dpi(page), OCR_DPI)
            image = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
            yield _ocr(image, number, dpi)
    finally:
        if document is not None:
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
    clean = prepare(image, dpi)
    clean.format = "PPM"  # handed to tesseract uncompressed: no PNG encoding on the way
    return ocr_page(clean, number, dpi=dpi)
