"""Words with boxes to lines and cells by geometry (`domain.documents.layout`), and Part A's
labels pairing with their values across columns and down table columns, on synthetic word
boxes (no OCR here)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.documents.form16 import parse_form16
from domain.documents.layout import Word, column_of, group_lines, page_of
from domain.documents.text import Cell, Page

H = 20.0  # word height in pixels
CHAR = 10.0  # width of a character


def _words(text: str, x: float, y: float, *, jitter: float = 0.0) -> list[Word]:
    """The words of `text` laid out from (x, y), a space a character wide."""
    out: list[Word] = []
    for word in text.split():
        w = len(word) * CHAR
        out.append(Word(word, x, y + jitter, x + w, y + jitter + H, 0.95))
        x += w + CHAR
    return out


def _table(rows: list[list[str]], xs: list[float], *, y0: float = 100.0, pitch: float = 40.0):
    words: list[Word] = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                words += _words(text, xs[c], y0 + r * pitch, jitter=(c % 3) - 1.0)
    return words


_TEXT = st.text(alphabet="ABCDEFGHKMNPRSTUVWXYZ0123456789", min_size=1, max_size=8)


@st.composite
def _grids(draw: st.DrawFn) -> tuple[list[list[str]], list[float], int]:
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 4))
    cells = [[draw(_TEXT) for _ in range(n_cols)] for _ in range(n_rows)]
    widths = [max(len(cells[r][c]) for r in range(n_rows)) * CHAR for c in range(n_cols)]
    gaps = [draw(st.floats(3 * H, 12 * H)) for _ in range(n_cols)]
    xs: list[float] = []
    x = draw(st.floats(0, 200))
    for c in range(n_cols):
        xs.append(x)
        x += widths[c] + gaps[c]
    return cells, xs, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(_grids())
def test_shuffled_words_give_the_same_rows_and_cells(grid) -> None:
    cells, xs, seed = grid
    words = _table(cells, xs)
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    page = page_of(words, 1, "ocr")
    assert page == page_of(shuffled, 1, "ocr")
    # Every row of the grid is one line, every cell of it one cell, in order.
    assert [[c.text for c in line.cells] for line in page.lines] == cells


@settings(max_examples=60, deadline=None)
@given(_grids(), st.integers(0, 5), st.integers(0, 3))
def test_a_value_stays_in_its_row_and_column(grid, row: int, col: int) -> None:
    cells, xs, _ = grid
    row, col = row % len(cells), col % len(cells[0])
    page = page_of(_table(cells, xs), 1, "ocr")
    line = page.lines[row]
    columns = [(x, x + max(len(r[c]) for r in cells) * CHAR) for c, x in enumerate(xs)]
    cell = line.cells[col]
    assert cell.text == cells[row][col]
    assert column_of(cell, columns) == col


def test_words_of_one_line_slightly_off_level_stay_together() -> None:
    words = [*_words("Gross total income", 100, 100), *_words("4,83,500.00", 900, 104)]
    lines = group_lines(reversed(words))
    assert [" ".join(w.text for w in line) for line in lines] == ["Gross total income 4,83,500.00"]


def test_a_cell_straddling_two_columns_belongs_to_neither() -> None:
    assert column_of(Cell("12,000", 90, 1.0, 160), [(0, 100), (150, 250)]) is None
    assert column_of(Cell("12,000", 160, 1.0, 230), [(0, 100), (150, 250)]) == 1


# --- Part A: values below their labels, and beside them ------------------------------------


def _part_a_table(pan_er: str, tan: str, pan_ee: str) -> Page:
    xs = [80.0, 330.0, 580.0, 900.0]
    heads = _table(
        [
            ["PAN of the Deductor", "TAN of the Deductor", "PAN of the Employee/Specified", ""],
            ["", "", "senior citizen", ""],
            [pan_er, tan, pan_ee, ""],
        ],
        xs,
        y0=300,
    )
    title = _words("FORM NO. 16", 500, 40) + _words("PART A", 540, 80)
    return page_of(title + heads, 1, "ocr")


def test_the_pans_and_tan_are_read_from_under_their_labels() -> None:
    fields = parse_form16([_part_a_table("AAACA1234B", "BLRA12345B", "ABCPE1234F")]).fields
    assert fields["employer_pan"].value == "AAACA1234B"
    assert fields["employer_tan"].value == "BLRA12345B"
    assert fields["employee_pan"].value == "ABCPE1234F"


def test_a_missing_value_is_not_taken_from_the_next_column() -> None:
    # The deductor's PAN cell is empty: the employee's PAN must not move into it.
    fields = parse_form16([_part_a_table("", "BLRA12345B", "ABCPE1234F")]).fields
    assert fields["employee_pan"].value == "ABCPE1234F"
    assert "employer_pan" not in fields or fields["employer_pan"].confidence < 0.9


def test_label_value_lists_pair_across_the_page() -> None:
    rows = [
        ["Name of the Employer:", "ACME SOFTWARE LIMITED"],
        ["PAN of the Deductor", "AAACA1234B"],
        ["TAN of the Deductor", "BLRA12345B"],
        ["PAN of the Employee", ""],  # unread
        ["Assessment Year", "2025-26"],
        ["Period with the Employer", "01-Apr-2024 to 31-Mar-2025"],
    ]
    words = _words("FORM NO. 16", 500, 40) + _table(rows, [80.0, 600.0], y0=120, pitch=36)
    fields = parse_form16([page_of(words, 1, "ocr")]).fields
    assert fields["employer_name"].value == "ACME SOFTWARE LIMITED"
    assert fields["employer_pan"].value == "AAACA1234B"
    assert fields["employer_tan"].value == "BLRA12345B"
    assert fields["assessment_year"].value == "2025-26"
    assert (fields["period_from"].value, fields["period_to"].value) == (
        "2024-04-01",
        "2025-03-31",
    )
    # The employee's PAN is not read from the row above or below it.
    assert "employee_pan" not in fields or fields["employee_pan"].confidence < 0.9


def _right(text: str, right: float, y: float) -> list[Word]:
    return _words(text, right - len(text) * CHAR, y)


def test_chapter_via_takes_the_deductible_column_never_the_gross() -> None:
    rows = [
        ("1.", "Gross Salary", "", ""),
        ("(a)", "Salary as per provisions contained in section 17(1)", "5,00,000.00", ""),
        ("(b)", "Value of perquisites under section 17(2)", "0.00", ""),
        ("(c)", "Profits in lieu of salary under section 17(3)", "0.00", ""),
        ("(d)", "Total", "", "5,00,000.00"),
        ("10.", "Deductions under Chapter VI-A", "Gross Amount", "Deductible Amount"),
        ("(a)", "Deduction in respect of life insurance premia under section 80C", "", "1.00"),
        ("(g)", "Deduction in respect of health insurance premia under section 80D", "25,000", ""),
        ("(e)", "Deductions paid to notified pension scheme 80CCD(1B)", "60,000.00", "50,000.00"),
        ("11.", "Aggregate of deductible amount under Chapter VI-A", "", "50,001.00"),
    ]
    words = _words("FORM NO. 16", 500, 40) + _words("PART B", 540, 70)
    for i, (item, label, gross, deductible) in enumerate(rows):
        y = 120 + 34 * i
        words += _words(item, 80, y) + _words(label, 130, y)
        words += _right(gross, 1000, y) if gross else []
        words += _right(deductible, 1200, y) if deductible else []
    random.Random(1).shuffle(words)
    fields = parse_form16([page_of(words, 1, "ocr")]).fields
    assert fields["via_80ccd_1b"].value == 50_000
    assert fields["via_80c"].value == 1
    # 80D printed only in the gross column: its deductible amount was not read.
    assert "via_80d" not in fields or fields["via_80d"].confidence < 0.9


_PAN_OF = st.from_regex(r"[A-Z]{3}[CP][A-Z][0-9]{4}[A-Z]", fullmatch=True)
_TAN_OF = st.from_regex(r"[A-Z]{4}[0-9]{5}[A-Z]", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    _PAN_OF,
    _TAN_OF,
    _PAN_OF,
    st.lists(st.booleans(), min_size=3, max_size=3),
    st.lists(st.floats(180, 320), min_size=3, max_size=3),
    st.integers(0, 2**32 - 1),
)
def test_a_value_is_never_taken_from_another_column(
    pan_er: str, tan: str, pan_ee: str, blank: list[bool], widths: list[float], seed: int
) -> None:
    """Any of the three values may be missing and the columns may be any width: what is read
    is each column's own value, or nothing with confidence."""
    values = [pan_er, tan, pan_ee]
    shown = ["" if b else v for v, b in zip(values, blank, strict=True)]
    xs = [80.0]
    for w in widths:
        xs.append(xs[-1] + w)
    words = _table(
        [
            ["PAN of the Deductor", "TAN of the Deductor", "PAN of the Employee", ""],
            [*shown, ""],
        ],
        xs,
        y0=300,
    )
    words += _words("FORM NO. 16", 500, 40) + _words("PART A", 540, 80)
    random.Random(seed).shuffle(words)
    fields = parse_form16([page_of(words, 1, "ocr")]).fields
    for name, value, missing in zip(
        ("employer_pan", "employer_tan", "employee_pan"), values, blank, strict=True
    ):
        f = fields.get(name)
        if f is None:
            continue
        assert f.value == value or f.confidence < 0.9, (name, f, shown)
        if missing:
            assert f.confidence < 0.9, (name, f, shown)
