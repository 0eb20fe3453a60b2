"""Words with their boxes to lines and cells, by geometry alone: pure code, no I/O.

OCR (tesseract's TSV) and a PDF's text layer (pdfium's text page) both give words with
boxes. Readers order words by their own layout analysis, which walks a table column by
column, so a label and its value end up far apart in the text. Here the order of the words
does not matter:

- a **line** is a set of words that overlap vertically (each word's vertical centre lies
  within half a word height of the line's centre), ordered left to right;
- a line splits into **cells** at horizontal gaps wider than `gap_factor` x the page's median
  word height (a space between words is about a third of it, a column gap several);
- `column_of` / `below` / `right_of` find a cell's neighbours by overlap of x (or y) ranges,
  so a label pairs with the value under it in a table or beside it across the page.

Coordinates are in the reader's own unit (pixels or points), y growing downwards.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.documents.text import Cell, Line, Page

GAP_FACTOR = 1.2
"""A gap wider than this many word heights separates two cells (a space is ~0.3)."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    conf: float = 1.0  # 0..1

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def _key(w: Word) -> tuple[float, float, float, float, str, float]:
    return (w.cy, w.left, w.top, w.right, w.text, w.conf)


def group_lines(words: Iterable[Word]) -> list[list[Word]]:
    """Words to lines: each line's words sorted left to right, lines top to bottom. The
    result does not depend on the order of `words`."""
    ws = sorted((w for w in words if w.text.strip()), key=_key)
    if not ws:
        return []
    height = statistics.median(max(w.height, 1e-6) for w in ws)
    lines: list[list[Word]] = []
    centres: list[float] = []
    for w in ws:
        # A word joins the line whose centre is nearest, if within half a word height.
        best, best_d = -1, 0.5 * height
        for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
            d = abs(w.cy - centres[i])
            if d <= best_d:
                best, best_d = i, d
        if best < 0:
            lines.append([w])
            centres.append(w.cy)
        else:
            lines[best].append(w)
            centres[best] = statistics.median(x.cy for x in lines[best])
    out = [sorted(line, key=lambda w: (w.left, w.top, w.text)) for line in lines]
    order = sorted(range(len(out)), key=lambda i: (centres[i], out[i][0].left))
    return [out[i] for i in order]


def split_cells(
    line: Sequence[Word], height: float, gap_factor: float = GAP_FACTOR
) -> list[list[Word]]:
    """A line's words (left to right) to runs separated by wide gaps."""
    cells: list[list[Word]] = []
    for w in line:
        if cells and w.left - cells[-1][-1].right > gap_factor * height:
            cells.append([w])
        elif cells:
            cells[-1].append(w)
        else:
            cells.append([w])
    return cells


def cell_of(words: Sequence[Word]) -> Cell:
    return Cell(
        " ".join(w.text for w in words),
        float(min(w.left for w in words)),
        min(w.conf for w in words),
        float(max(w.right for w in words)),
        float(min(w.top for w in words)),
        float(max(w.bottom for w in words)),
    )


def page_of(
    words: Iterable[Word], number: int, source: str, gap_factor: float = GAP_FACTOR
) -> Page:
    ws = [w for w in words if w.text.strip()]
    if not ws:
        return Page(number, (), source)
    height = statistics.median(max(w.height, 1e-6) for w in ws)
    lines = tuple(
        Line(number, i, tuple(cell_of(c) for c in split_cells(line, height, gap_factor)))
        for i, line in enumerate(group_lines(ws), start=1)
    )
    return Page(number, lines, source)


# --- neighbours ------------------------------------------------------------------------------


def x_overlap(a: Cell, b: Cell) -> float:
    """How much of the narrower of the two cells lies within the other's x range (0..1)."""
    inter = min(a.right, b.right) - max(a.x, b.x)
    narrower = min(a.right - a.x, b.right - b.x)
    return max(0.0, inter) / narrower if narrower > 0 else 0.0


def right_of(line: Line, cell: Cell) -> list[Cell]:
    return [c for c in line.cells if c.x >= cell.right - 1e-6 and c is not cell]


def below(
    lines: Sequence[Line], index: int, cell: Cell, within: int = 4, min_overlap: float = 0.3
) -> list[tuple[Line, Cell]]:
    """Cells in the lines after `lines[index]` (same page, up to `within` lines down) whose x
    range overlaps `cell`'s: what a table prints under a column heading."""
    out: list[tuple[Line, Cell]] = []
    page = lines[index].page
    for line in lines[index + 1 : index + 1 + within]:
        if line.page != page:
            break
        out.extend((line, c) for c in line.cells if x_overlap(c, cell) >= min_overlap)
    return out


def column_of(cell: Cell, columns: Sequence[tuple[float, float]]) -> int | None:
    """The column (an x range) that holds most of `cell`, or None when it straddles two or
    lies in none: a value is never assigned to a column it does not clearly sit in."""
    width = max(cell.right - cell.x, 1e-6)
    shares = [max(0.0, min(cell.right, r) - max(cell.x, left)) / width for left, r in columns]
    if not shares:
        return None
    best = max(range(len(shares)), key=lambda i: shares[i])
    if shares[best] < 0.6:
        return None
    return best
