"""Tesseract (through pytesseract) to rows of cells.

Tesseract's own layout analysis splits a table into blocks (a label column, an amount
column), so its lines do not span a row. We take its words with their boxes, measure the
page's skew from the words of each line, rotate the word positions (not the image) by it,
and regroup the words into rows across the page, then into cells at wide gaps.

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

from domain.documents.text import Cell, Line, Page

TESSERACT_CONFIG = "--psm 3 --oem 1"
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
    """Regroup tesseract's words into rows across the page and cells within a row."""
    if not words:
        return Page(page_number, (), "ocr")
    lines = _by_line(words)
    slope = skew(lines)
    height = statistics.median(w.height for w in words)

    def level(ws: list[Word]) -> float:
        return statistics.median(w.bottom - slope * w.cx for w in ws)

    ordered = sorted(((level(ws), ws) for ws in lines), key=lambda t: t[0])
    grouped: list[tuple[float, list[Word]]] = []
    for y, ws in ordered:
        if grouped and y - grouped[-1][0] < 0.6 * height:
            base, members = grouped[-1]
            grouped[-1] = (base, members + ws)
        else:
            grouped.append((y, list(ws)))
    out: list[Line] = []
    for number, (_, ws) in enumerate(grouped, start=1):
        ws.sort(key=lambda w: w.left + slope * 0)  # x is barely affected by a few degrees
        out.append(Line(page_number, number, tuple(_cells(ws, height))))
    return Page(page_number, tuple(out), "ocr")


def _cells(words: list[Word], height: float) -> list[Cell]:
    cells: list[Cell] = []
    run: list[Word] = []
    for w in words:
        if run and w.left - (run[-1].left + run[-1].width) > 1.6 * height:
            cells.append(_cell(run))
            run = []
        run.append(w)
    if run:
        cells.append(_cell(run))
    return cells


def _cell(run: list[Word]) -> Cell:
    return Cell(
        " ".join(w.text for w in run),
        float(run[0].left),
        min(w.conf for w in run),
        float(run[-1].left + run[-1].width),
    )


def ocr_page(
    image: Image.Image | Path, page_number: int, timeout: float = 120, dpi: int | None = None
) -> Page:
    return rows(ocr_words(image, timeout, dpi), page_number)
