"""A document's text as the readers hand it to the parser: pages of lines of cells.

A cell is a run of words with no wide gap inside it (a table cell, a label, an amount); a
line is one row across the page. OCR and a PDF's text layer both produce this shape, so the
parser does not care where the text came from. `conf` is the reader's confidence (0..1):
1.0 for a text layer, the weakest word's confidence for OCR.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    x: float = 0.0  # left edge, in the reader's own unit (pixels or character columns)
    conf: float = 1.0
    right: float = 0.0  # right edge, same unit (amounts are right-aligned in their column)
    top: float = 0.0  # top and bottom edges (0 when the reader gives no vertical position)
    bottom: float = 0.0


@dataclass(frozen=True, slots=True)
class Line:
    page: int  # 1-based
    number: int  # 1-based within the page
    cells: tuple[Cell, ...]

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    lines: tuple[Line, ...]
    source: str  # "text-layer" | "ocr"


def lines_of(pages: list[Page] | tuple[Page, ...]) -> list[Line]:
    return [line for page in pages for line in page.lines]


def split_cells(line: str, *, min_gap: int = 3) -> tuple[Cell, ...]:
    """Cells of a fixed-width text line: runs separated by `min_gap` or more spaces."""
    cells: list[Cell] = []
    start: int | None = None
    spaces = 0
    for i, ch in enumerate(line + " " * min_gap):
        if ch == " ":
            spaces += 1
            if start is not None and spaces >= min_gap:
                end = i - spaces + 1
                cells.append(Cell(line[start:end], float(start), 1.0, float(end)))
                start = None
        else:
            if start is None:
                start = i
            spaces = 0
    return tuple(cells)
