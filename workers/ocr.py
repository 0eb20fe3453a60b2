"""Tesseract (through pytesseract) to rows of cells.

Tesseract's own layout analysis splits a table into blocks (a label column, an amount
column), so its lines do not span a row. We take its words with their boxes (TSV through
`image_to_data`), measure the page's residual skew from the words of each line, turn the
word positions (not the image) by it, and regroup the words into rows across the page and
cells at wide gaps by geometry (`domain.documents.layout`). A page that reads badly is
checked for orientation with tesseract's OSD (`orientation`), turned, and read again.

Tesseract runs single-threaded (OMP_THREAD_LIMIT=1 unless set): on a shared 2-core machine
its OpenMP threads spin against each other and a page took 5x longer.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

from domain.documents.layout import Word as LayoutWord
from domain.documents.layout import page_of
from domain.documents.text import Page

TESSERACT_CONFIG = "--psm 6 --oem 1"
_MIN_WORD_CONF = 0.0


class OcrUnavailable(RuntimeError):
    """tesseract is not installed or failed: worth retrying elsewhere, not the file's fault."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..1
    line_key: tuple[int, int, int]

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def bottom(self) -> int:
        return self.top + self.height


def single_threaded() -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def ocr_words(
    image: Image.Image | Path, timeout: float = 120, dpi: int | None = None
) -> list[Word]:
    """Words with boxes; `image` may be a file tesseract reads directly (no re-encoding)."""
    single_threaded()
    source: Image.Image | str = str(image) if isinstance(image, Path) else image
    try:
        data = pytesseract.image_to_data(
            source,
            lang="eng",
            config=TESSERACT_CONFIG + (f" --dpi {dpi}" if dpi else ""),
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError) as exc:
        raise OcrUnavailable(f"tesseract failed: {exc}") from exc
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text or int(data["level"][i]) != 5:
            continue
        conf = float(data["conf"][i])
        words.append(
            Word(
                text=text,
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                conf=max(0.0, conf) / 100,
                line_key=(
                    int(data["block_num"][i]),
                    int(data["par_num"][i]),
                    int(data["line_num"][i]),
                ),
            )
        )
    return words


def _by_line(words: Iterable[Word]) -> list[list[Word]]:
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        lines.setdefault(w.line_key, []).append(w)
    return [sorted(ws, key=lambda w: w.left) for ws in lines.values()]


def skew(lines: list[list[Word]]) -> float:
    """The page's slope (dy/dx), the median over lines long enough to measure it."""
    slopes: list[float] = []
    for ws in lines:
        if len(ws) < 3:
            continue
        span = ws[-1].cx - ws[0].cx
        if span < 20 * statistics.median(w.height for w in ws):
            continue
        xs = [w.cx for w in ws]
        ys = [w.bottom for w in ws]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx:
            slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx)
    return statistics.median(slopes) if slopes else 0.0


def rows(words: list[Word], page_number: int) -> Page:
    """Tesseract's words to rows across the page and cells within a row, by position
    (`domain.documents.layout`), after turning the word positions by the page's residual
    skew."""
    slope = skew(_by_line(words))
    return page_of(
        (
            LayoutWord(
                w.text,
                w.left,
                w.top - slope * w.cx,
                w.left + w.width,
                w.bottom - slope * w.cx,
                w.conf,
            )
            for w in words
        ),
        page_number,
        "ocr",
    )


def quality(words: list[Word]) -> float:
    """The median confidence of the words of three or more letters (0 when there are few):
    a page read upside down or sideways gives few such words, and unsure ones."""
    confs = [w.conf for w in words if sum(ch.isalpha() for ch in w.text) >= 3]
    return statistics.median(confs) if len(confs) >= 15 else 0.0


def orientation(image: Image.Image, timeout: float = 60) -> int:
    """Degrees (clockwise) the page is turned, by tesseract's OSD: 0, 90, 180 or 270."""
    single_threaded()
    try:
        osd = pytesseract.image_to_osd(
            image, config="--psm 0", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except (pytesseract.TesseractNotFoundError, RuntimeError) as exc:
        raise OcrUnavailable(f"tesseract failed: {exc}") from exc
    except pytesseract.TesseractError:
        return 0  # too little text to tell: leave the page as it is
    return int(osd.get("rotate", 0)) % 360


def ocr_page(
    image: Image.Image | Path, page_number: int, timeout: float = 120, dpi: int | None = None
) -> Page:
    return rows(ocr_words(image, timeout, dpi), page_number)
