"""Form 16 Part A from lines of cells laid out by position: pure code, no I/O.

A label pairs with its value by geometry, the way a reader's eye does:

- to its right on the same line (a label/value list: "PAN of the Deductor   AAACA1234B"),
  or after a colon in the same cell;
- when nothing stands to its right, below it, in a cell whose x range overlaps the label's
  (a table: TRACES prints PAN of the deductor, TAN of the deductor and PAN of the employee
  side by side with the values in the row under them, and the two parties' names and
  addresses side by side under their headings).

A value is only taken from the label's own row or column, and only when it has the field's
shape (a PAN, a TAN, an assessment year, two dates); what does not is left unread rather
than taken from a neighbour. When no label is found, the older heading-and-order rules run,
with a confidence below the review threshold (`BY_ORDER`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from domain.documents.identifiers import PERSON, read_pan, read_tan, tokens
from domain.documents.layout import below, x_overlap
from domain.documents.rows import (
    REPAIRED_FACTOR,
    Found,
    Row,
    amount_found,
    char_unit,
    find_after,
    normalise,
)
from domain.documents.text import Cell, Line

BY_ORDER = 0.85
"""The confidence cap of a value found by position in a row rather than by its label."""

_LABELS: dict[str, re.Pattern[str]] = {
    "employer_pan": re.compile(r"pan\s*of\s*(?:the\s*)?deduct\w*"),
    "employer_tan": re.compile(r"tan\s*of\s*(?:the\s*)?deduct\w*"),
    "employee_pan": re.compile(r"pan\s*of\s*(?:the\s*)?employ\w*(?:/specified)?"),
    "assessment_year": re.compile(r"assessment\s*y\w{0,3}?(?=per|\b|$)"),
    "period": re.compile(r"period\s*(?:with\s*(?:the\s*)?employer)?"),
    "employer_name": re.compile(
        r"name\s*(?:and\s*address\s*)?of\s*(?:the\s*)?employer(?:/specified bank)?"
    ),
}
_ANY_LABEL = re.compile(
    r"pan\s*of|tan\s*of|assessment\s*y|period\s*with|name\s*(?:and\s*address\s*)?of|"
    r"address\s*of|reference\s*no|cit\s*\(tds\)|^from$|^to$"
)
# Lines of a wrapped heading, not a value: "Employer/Specified Bank", "senior citizen".
_HEADING_TAIL = re.compile(r"^(?:employe[re]\b|specified|bank$|senior|citizen|\(if\b)")


def _span(cell: Cell, m: re.Match[str], text: str) -> Cell:
    """The part of `cell` the match covers, its x range estimated by character position
    (a cell may hold two headings the reader ran together)."""
    width = cell.right - cell.x
    n = max(1, len(text))
    left = cell.x + width * m.start() / n
    end = n if m.end() >= n - 3 else m.end()  # a few letters left over: the whole cell
    right = cell.x + width * end / n
    return Cell(cell.text, left, cell.conf, right, cell.top, cell.bottom)


def _labels(lines: Sequence[Line], pattern: re.Pattern[str]) -> list[tuple[int, Cell, str]]:
    """(index of the label's last line, the label's span, the cell's text after the label)
    for every match; a label wrapped onto the next line ("TAN of the" over "Deductor") is
    matched with the cell under it."""
    out: list[tuple[int, Cell, str]] = []
    for i, line in enumerate(lines):
        for cell in line.cells:
            text = normalise(cell.text)
            m = pattern.search(text)
            if m is not None:
                out.append((i, _span(cell, m, text), cell.text[_raw_end(cell.text, m.end()) :]))
                continue
            under = _under(lines, i, cell)
            if under is None:
                continue
            joined = f"{cell.text} {under.text}"
            m = pattern.search(normalise(joined))
            if m is not None and m.start() < len(text):
                span = Cell(
                    joined,
                    min(cell.x, under.x),
                    min(cell.conf, under.conf),
                    max(cell.right, under.right),
                    cell.top,
                    under.bottom,
                )
                out.append((i + 1, span, joined[_raw_end(joined, m.end()) :]))
    return out


def _under(lines: Sequence[Line], i: int, cell: Cell) -> Cell | None:
    """The cell on the next line that starts where `cell` starts: its wrapped continuation."""
    if i + 1 >= len(lines) or lines[i + 1].page != lines[i].page:
        return None
    height = max(cell.bottom - cell.top, 1.0)
    for c in lines[i + 1].cells:
        if abs(c.x - cell.x) <= height and x_overlap(c, cell) > 0.5:
            return c
    return None


def _raw_end(raw: str, norm_end: int) -> int:
    """Where, in the raw text, the normalised text's position `norm_end` falls (the two
    differ only in case and runs of spaces)."""
    seen = 0
    for i, ch in enumerate(raw):
        if seen >= norm_end:
            return i
        if not (ch.isspace() and i > 0 and raw[i - 1].isspace()):
            seen += 1
    return len(raw)


Reader = Callable[[str], "tuple[str, str, int] | None"]  # text -> (value, raw, repairs)


def _value(
    lines: Sequence[Line], i: int, label: Cell, rest: str, read: Reader, *, within: int = 6
) -> tuple[str, str, int, Line, Cell] | None:
    """The value a label labels: after it in its own cell, else in the first cell to its
    right on its line, else (only when nothing but other labels stand to its right) in
    the first cell below it that overlaps its x range and reads as a value."""
    line = lines[i]
    after = rest.strip(" :-|./")
    if after:
        got = read(after)
        if got is not None:
            return (*got, line, label)
        tail = normalise(after)
        if not (_ANY_LABEL.search(tail) or _HEADING_TAIL.search(tail)):
            return None  # something else stands after the label: not a value of this kind
    # A heading row (other labels beside this one, on its line or, for a wrapped label,
    # the line above) has its values below, never to the right.
    label_lines = [line]
    if i > 0 and lines[i - 1].page == line.page and label.top < line.cells[0].top - 1e-6:
        label_lines.append(lines[i - 1])  # wrapped: its first line is the one above
    others = [c for ln in label_lines for c in ln.cells if x_overlap(c, label) < 0.5]
    header_row = any(_ANY_LABEL.search(normalise(c.text)) for c in others)
    right = [c for c in line.cells if c.x >= label.right - 1e-6]
    if right and not header_row:
        nearest = min(right, key=lambda c: c.x)
        got = read(nearest.text)
        return (*got, line, nearest) if got is not None else None
    for below_line, cell in below(lines, i, label, within=within):
        got = read(cell.text)
        if got is not None:
            return (*got, below_line, cell)
    return None


def _unchecked(conf: float) -> float:
    """The confidence of a value nothing on the form can check (no sum, no check digit we
    know): OCR's word confidence squared, so that one letter misread in a word tesseract was
    91 % sure of (T for I in a PAN) stays below the review threshold. A text layer's 1.0
    stays 1.0."""
    return conf * conf


def _pan(text: str) -> tuple[str, str, int] | None:
    for tok in tokens(text):
        pan = read_pan(tok)
        tan = read_tan(tok)
        if pan and not (tan and tan[1] < pan[1]):
            return pan[0], tok, pan[1]
    return None


def _tan(text: str) -> tuple[str, str, int] | None:
    for tok in tokens(text):
        tan = read_tan(tok)
        if tan:
            return tan[0], tok, tan[1]
    return None


def identifiers(lines: Sequence[Line], found: dict[str, Found]) -> None:
    for name, read in (("employer_pan", _pan), ("employer_tan", _tan), ("employee_pan", _pan)):
        for i, label, rest in _labels(lines, _LABELS[name]):
            got = _value(lines, i, label, rest, read)
            if got is None:
                continue
            value, raw, repairs, line, cell = got
            conf = _unchecked(cell.conf) * (REPAIRED_FACTOR**repairs)
            note = f"read {raw!r} as {value}" if repairs else None
            found.setdefault(name, Found(value, conf, line, raw, note))
            break


def names(lines: Sequence[Line], found: dict[str, Found]) -> None:
    for i, label, rest in _labels(lines, _LABELS["employer_name"]):
        got = _value(lines, i, label, rest, _name, within=3)
        if got is not None:
            value, raw, _, line, cell = got
            found.setdefault("employer_name", Found(value, _unchecked(cell.conf), line, raw))
            return


def _name(text: str) -> tuple[str, str, int] | None:
    t = text.strip(" |[]_-\u2014:/")
    if not re.search(r"[A-Za-z]{3,}", t) or _HEADING_TAIL.search(t.lower()):
        return None
    if _ANY_LABEL.search(normalise(t)):
        return None
    return t, text, 0


_YEAR = re.compile(r"\b(20\d\d)\s*-\s*(\d\d)\b")
_DATE = re.compile(r"(\d{1,2})\s*[-/ ]\s*([A-Za-z0-9]{3})\s*[-/ ]\s*(\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH_OCR = str.maketrans("015", "ols")


def _month(text: str) -> int | None:
    return _MONTHS.get(text.lower().translate(_MONTH_OCR))


def _iso(m: re.Match[str]) -> tuple[str, str] | None:
    month = _month(m.group(2))
    if month is None:
        return None
    try:
        return dt.date(int(m.group(3)), month, int(m.group(1))).isoformat(), m.group(0)
    except ValueError:
        return None


def _year(text: str) -> tuple[str, str, int] | None:
    m = _YEAR.search(text)
    if m is None:
        return None
    first, second = int(m.group(1)), int(m.group(2))
    return f"{first}-{second:02d}", m.group(0), 0 if (first + 1) % 100 == second else 9


def year_and_period(lines: Sequence[Line], found: dict[str, Found]) -> None:
    for i, label, rest in _labels(lines, _LABELS["assessment_year"]):
        got = _value(lines, i, label, rest, _year)
        if got is not None:
            value, raw, bad, line, cell = got
            found.setdefault(
                "assessment_year",
                Found(
                    value,
                    cell.conf * (0.2 if bad else 1.0),
                    line,
                    raw,
                    "not a valid assessment year" if bad else None,
                ),
            )
            break
    for i, label, rest in _labels(lines, _LABELS["period"]):
        dates = _period(lines, i, label, rest)
        if dates is not None:
            (start, start_raw, c1), (end, end_raw, c2), line = dates
            found.setdefault("period_from", Found(start, c1, line, start_raw))
            found.setdefault("period_to", Found(end, c2, line, end_raw))
            return


def _period(
    lines: Sequence[Line], i: int, label: Cell, rest: str
) -> tuple[tuple[str, str, float], tuple[str, str, float], Line] | None:
    """Two dates after the label on its line, or on one line below it, in cells under the
    label's span (the "From" and "To" sub-columns of the period column)."""
    line = lines[i]
    same = [c for c in line.cells if c.x >= label.right - 1e-6]
    dates = _dates([(label, rest), *((c, c.text) for c in same)])
    if len(dates) >= 2:
        return dates[0], dates[1], line
    for j in range(i + 1, min(i + 5, len(lines))):
        if lines[j].page != line.page:
            break
        cells = sorted(lines[j].cells, key=lambda c: c.x)
        first = next((k for k, c in enumerate(cells) if x_overlap(c, label) > 0.2), None)
        if first is None:
            continue
        dates = _dates([(c, c.text) for c in cells[first:]])
        if len(dates) >= 2 and _DATE.search(cells[first].text):
            return dates[0], dates[1], lines[j]
    return None


def _dates(cells: list[tuple[Cell, str]]) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for cell, text in cells:
        for m in _DATE.finditer(text):
            d = _iso(m)
            if d is not None:
                out.append((d[0], d[1], cell.conf))
    return out


# --- fallbacks: by headings and order, and the quarterly table ---------------------------


def _identifiers_by_order(rows: Sequence[Row], found: dict[str, Found]) -> None:
    head = find_after(rows, r"tan of the deductor|pan of the deductor")
    candidates = range(head + 1, min(head + 7, len(rows))) if head is not None else range(len(rows))
    for i in candidates:
        line = rows[i].line
        ids: list[tuple[str, str, str, int, Cell]] = []  # (kind, value, raw, repairs, cell)
        for cell in line.cells:
            for tok in tokens(cell.text):
                tan = read_tan(tok)
                pan = read_pan(tok)
                if tan and (not pan or tan[1] < pan[1]):
                    ids.append(("tan", tan[0], tok, tan[1], cell))
                elif pan:
                    ids.append(("pan", pan[0], tok, pan[1], cell))
        if not any(k == "tan" for k, *_ in ids) and len(ids) < 2:
            continue
        tan_at = next((n for n, t in enumerate(ids) if t[0] == "tan"), None)
        for n, (kind, value, raw, repairs, cell) in enumerate(ids):
            if kind == "tan":
                name = "employer_tan"
            elif tan_at is not None:
                name = "employer_pan" if n < tan_at else "employee_pan"
            else:
                name = "employee_pan" if value[3] == PERSON else "employer_pan"
            conf = cell.conf * (REPAIRED_FACTOR**repairs)
            note = f"read {raw!r} as {value}" if repairs else None
            found.setdefault(name, Found(value, conf, line, raw, note))
        return


def _names_by_heading(rows: Sequence[Row], found: dict[str, Found]) -> None:
    head = find_after(rows, r"name and address of the employer")
    if head is None:
        return
    header = rows[head].line.cells
    split = (header[0].x + header[1].x) / 2 if len(header) >= 2 else float("inf")
    for i in range(head + 1, min(head + 4, len(rows))):
        line = rows[i].line
        for cell in line.cells:
            text = cell.text.strip(" |[]_-—")
            if cell.x < split and re.search(r"[A-Za-z]{3,}", text):
                found["employer_name"] = Found(text, cell.conf, line, cell.text)
                return


def _year_and_period_by_heading(rows: Sequence[Row], found: dict[str, Found]) -> None:
    head = find_after(rows, r"assessment year")
    if head is None:
        return
    for i in range(head, min(head + 5, len(rows))):
        line = rows[i].line
        text = line.text
        year = _YEAR.search(text)
        dates = [_iso(m) for m in _DATE.finditer(text)]
        dates_found = [d for d in dates if d is not None]
        if year and "assessment_year" not in found:
            first, second = int(year.group(1)), int(year.group(2))
            ok = (first + 1) % 100 == second
            found["assessment_year"] = Found(
                f"{first}-{second:02d}",
                _conf_of(line, year.group(0)) * (1.0 if ok else 0.2),
                line,
                year.group(0),
                None if ok else "not a valid assessment year",
            )
        if len(dates_found) >= 2:
            for name, (iso, raw) in zip(("period_from", "period_to"), dates_found[:2], strict=True):
                found[name] = Found(iso, _conf_of(line, raw), line, raw)
            return


def _conf_of(line: Line, raw: str) -> float:
    for cell in line.cells:
        if raw in cell.text:
            return cell.conf
    return min((c.conf for c in line.cells), default=0.0)


def quarters(rows: Sequence[Row], found: dict[str, Found]) -> None:
    head = find_after(rows, r"summary of amount paid|quarter\(s\)")
    if head is None:
        return
    total_at = find_after(rows, r"^\W*total\b", head + 1)
    if total_at is None or len(rows[total_at].amounts) < 2:
        return
    total = rows[total_at]
    columns = [a.cell.right for a in total.amounts[-3:]]
    names = ("paid", "tds", "deposited")[-len(columns) :] if len(columns) == 3 else ("paid", "tds")
    for name, amt in zip(names, total.amounts[-len(columns) :], strict=True):
        if name != "deposited":
            found[f"{name}_total"] = amount_found(total.line, amt)
    quarter_rows = [r for r in rows[head + 1 : total_at] if r.amounts]
    labelled: dict[int, Row] = {}
    unlabelled: list[Row] = []
    for r in quarter_rows:
        m = re.match(r"\W*[qa0o]\s*([1-4il])\b", normalise(r.line.text))
        if m:
            labelled[int(m.group(1).replace("i", "1").replace("l", "1"))] = r
        else:
            unlabelled.append(r)
    for q in range(1, 5):
        if q not in labelled and unlabelled:
            labelled[q] = unlabelled.pop(0)
    tolerance = max(1.0, 0.5 * max(len(a.text) for a in total.amounts)) * char_unit(total)
    for q, r in labelled.items():
        for amt in r.amounts:
            distances = [abs(amt.cell.right - c) for c in columns]
            col = distances.index(min(distances))
            if distances[col] > tolerance * 3:
                continue
            name = names[col]
            if name != "deposited":
                found.setdefault(f"{name}_q{q}", amount_found(r.line, amt))


def part_a(lines: Sequence[Line], rows: Sequence[Row], found: dict[str, Found]) -> None:
    """Part A's fields: by their labels first; what no label gave, by the older heading and
    order rules, below the review threshold."""
    names(lines, found)
    identifiers(lines, found)
    year_and_period(lines, found)
    quarters(rows, found)
    fallback: dict[str, Found] = {}
    _names_by_heading(rows, fallback)
    _identifiers_by_order(rows, fallback)
    _year_and_period_by_heading(rows, fallback)
    for name, f in fallback.items():
        if name not in found:
            f.conf = min(f.conf, BY_ORDER)
            f.note = f.note or "found by position, not by its label"
            found[name] = f
