"""One printed row of a Form 16: its label and its amounts, and what a field was read as.

Shared by Part A (`form16_part_a`) and Part B (`form16_part_b`): pure code, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.documents.amounts import Amount, parse_amount
from domain.documents.fields import ExtractedField
from domain.documents.text import Cell, Line

REPAIRED_FACTOR = 0.85


# Curly quotes and dashes, as OCR and PDF fonts give them, to their ASCII forms.
_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"}
)


def normalise(text: str) -> str:
    t = text.lower()
    t = t.translate(_TYPOGRAPHY)
    t = re.sub(r"(\d)\s+\(", r"\1(", t)  # "17 (1)" -> "17(1)"
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+\)", ")", t)
    return re.sub(r"\s+", " ", t).strip()


# --- one row: its label and its amounts ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amt:
    amount: Amount
    cell: Cell
    text: str


@dataclass(frozen=True, slots=True)
class Row:
    line: Line
    label: str  # normalised label text (item markers and noise dropped)
    label_x: float
    amounts: tuple[Amt, ...]

    @property
    def has_label(self) -> bool:
        return len(re.sub(r"[^a-z]", "", self.label)) >= 3


_DECIMAL_TAIL = re.compile(r".*\d[.,]\S{2}$")
_ITEM_MARKER = re.compile(r"^\W{0,2}(?:\([a-z]{1,2}\)|\d{1,2}\.)\s+")


def is_marker(text: str) -> bool:
    """An item number such as "1.", "(a)", "10." or OCR noise with no word in it."""
    return not re.search(r"[A-Za-z]{3,}", text) and parse_amount(text, repair=False) is None


_LEADING_NOISE = re.compile(r"^(?:[^a-z\s]*[a-z]?[^a-z\s]*\s+)+(?=[a-z]{2})")
_LONE_GLYPH = re.compile(r"^[^2-9]{1,3}$")


def digit_width(lines: Sequence[Line]) -> float:
    """The width of one printed digit, in the reader's unit: the median over the amounts of
    four or more digits on these lines (0 when there are none, or the reader gives no
    widths)."""
    widths = sorted(
        (c.right - c.x) / len(c.text)
        for line in lines
        for c in line.cells
        if c.right > c.x
        and sum(ch.isdigit() for ch in c.text) >= 4
        and parse_amount(c.text, repair=False) is not None
    )
    return widths[len(widths) // 2] if widths else 0.0


def _lone_zero(cell: Cell, text: str, digit: float) -> Amount | None:
    """A lone "0" that OCR dressed up as "(0)", "10)", "Q" or "i)": the box is one digit
    wide, so whatever else was read is not there. Flagged as repaired (below the review
    threshold unless the form's arithmetic confirms it)."""
    if digit <= 0 or not _LONE_GLYPH.fullmatch(text):
        return None
    if cell.right - cell.x > 1.6 * digit:
        return None
    return Amount(0, repaired=True)


def row_of(line: Line, digit: float = 0.0) -> Row:
    label_parts: list[str] = []
    label_x = float("-inf")
    amounts: list[Amt] = []
    for cell in line.cells:
        text = cell.text.strip()
        if re.search(r"[A-Za-z]{3,}", text):
            words = text.split()
            # An amount the reader glued to its label: "... applicable) 0.00".
            tail: list[str] = []
            while words and _DECIMAL_TAIL.fullmatch(words[-1]):
                parsed = parse_amount(words[-1])
                if parsed is None:
                    break
                tail.insert(0, words.pop())
            label_parts.append(" ".join(words))
            label_x = max(label_x, cell.x)
            for t in tail:
                amount = parse_amount(t)
                assert amount is not None
                amounts.append(Amt(amount, cell, t))
            continue
        lone = _lone_zero(cell, text, digit) if label_x > float("-inf") else None
        amount = lone or parse_amount(text)
        if amount is not None and (lone is not None or any(c.isdigit() for c in text)):
            if cell.x > label_x:
                amounts.append(Amt(amount, cell, text))
            continue
        # An amount with a speck of noise beside it in its cell: "0.00 ds".
        pieces = [(w, parse_amount(w)) for w in text.split() if _DECIMAL_TAIL.fullmatch(w)]
        found = [(w, a) for w, a in pieces if a is not None]
        if len(found) == 1 and cell.x > label_x:
            amounts.append(Amt(found[0][1], cell, found[0][0]))
            continue
        if not is_marker(text):
            label_parts.append(text)
    label = normalise(" ".join(p for p in label_parts if not is_marker(p)))
    label = _ITEM_MARKER.sub("", label)  # "(d) total" -> "total"
    label = _LEADING_NOISE.sub("", label)  # "({d) ° total" -> "total"
    return Row(line, label, label_x, tuple(amounts))


@dataclass
class Found:
    value: int | str
    conf: float
    line: Line
    text: str
    note: str | None = None

    def field(self) -> ExtractedField:
        return ExtractedField(
            value=self.value,
            confidence=round(self.conf, 3),
            page=self.line.page,
            line=self.line.number,
            text=self.text,
            note=self.note,
        )


def amount_found(line: Line, amt: Amt) -> Found:
    conf = amt.cell.conf * (REPAIRED_FACTOR if amt.amount.repaired else 1.0)
    note = f"read {amt.text!r} as {amt.amount.rupees}" if amt.amount.repaired else None
    return Found(amt.amount.rupees, conf, line, amt.text, note)


def find_after(rows: Sequence[Row], pattern: str, start: int = 0) -> int | None:
    regex = re.compile(pattern)
    for i in range(start, len(rows)):
        if regex.search(normalise(rows[i].line.text)):
            return i
    return None


def char_unit(row: Row) -> float:
    """Width of one character in the reader's unit (1 for text layers, pixels for OCR)."""
    widths = [
        (a.cell.right - a.cell.x) / max(1, len(a.cell.text)) for a in row.amounts if a.cell.right
    ]
    return max(1.0, sum(widths) / len(widths)) if widths else 1.0
