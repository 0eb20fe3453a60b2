"""Form 16 as employers and TRACES really print it, drawn with PIL, with the truth behind it.

`form16_generator.py` draws one layout (the TRACES certificate through fpdf2). Real
certificates come in several: labels in a left column with each value in its own column;
fully ruled tables; TRACES Part A with the two parties' names side by side and the PAN/TAN
values *below* their labels; Part B spread over pages; scans that are skewed, turned by 90
or 180 degrees, at 150 dpi and JPEG quality 60; in more than one typeface. Each layout here
draws a certificate from `random_form16` (varied values) with its own varied geometry
(column positions, type size, wording of labels, digit grouping), and returns the file and
the fields a perfect reading finds on it.

    python -m tests.documents.form16_layouts OUT_DIR [SEED]   # writes one of each to look at
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.documents.form16_generator import (
    _B_ROWS,
    _PART_A_FIELDS,
    Form16,
    _date,
    _split_quarters,
    form16_pdf,
    inr,
    random_form16,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "sans": "DejaVuSans.ttf",
    "serif": "DejaVuSerif.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "mono": "DejaVuSansMono.ttf",
}
BOLD = {
    "sans": "DejaVuSans-Bold.ttf",
    "serif": "DejaVuSerif-Bold.ttf",
    "condensed": "DejaVuSansCondensed-Bold.ttf",
    "mono": "DejaVuSansMono-Bold.ttf",
}
LAYOUTS = (
    "two-column",
    "ruled-table",
    "traces-part-a",
    "multi-page",
    "skewed-scan",
    "rotated-scan",
    "text-pdf",
)
SCAN_DPI = 150


def fonts_available() -> bool:
    """DejaVu Sans, Serif and Mono (fonts-dejavu-core); Condensed (fonts-dejavu-extra) is
    replaced by Sans where it is missing."""
    return all((FONT_DIR / BOLD[f]).exists() for f in ("sans", "serif", "mono"))


@dataclass(frozen=True)
class Document:
    layout: str
    name: str
    data: bytes
    media_type: str
    truth: dict[str, object]
    pages: int


# --- drawing -------------------------------------------------------------------------------


class Sheet:
    """An A4 page drawn in millimetres at `dpi`."""

    def __init__(self, dpi: int, font: str, size_pt: float) -> None:
        self.dpi = dpi
        self.font = font
        self.size_pt = size_pt
        self.image = Image.new("L", (self.px(210), self.px(297)), 255)
        self.draw = ImageDraw.Draw(self.image)
        self._fonts: dict[tuple[bool, float], ImageFont.FreeTypeFont] = {}

    def px(self, mm: float) -> int:
        return round(mm / 25.4 * self.dpi)

    def _font(self, bold: bool, size: float | None) -> ImageFont.FreeTypeFont:
        key = (bold, size or self.size_pt)
        if key not in self._fonts:
            name = (BOLD if bold else FONTS)[self.font]
            self._fonts[key] = ImageFont.truetype(
                str(FONT_DIR / name), round(key[1] / 72 * self.dpi)
            )
        return self._fonts[key]

    def width_mm(self, text: str, bold: bool = False, size: float | None = None) -> float:
        return self._font(bold, size).getlength(text) / self.dpi * 25.4

    def line_mm(self, size: float | None = None) -> float:
        return (size or self.size_pt) / 72 * 25.4 * 1.35

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        align: str = "left",
        bold: bool = False,
        size: float | None = None,
    ) -> None:
        """Text whose top is at y mm; x is its left edge, right edge or centre by `align`."""
        w = self.width_mm(text, bold, size)
        left = {"left": x, "right": x - w, "center": x - w / 2}[align]
        self.draw.text((self.px(left), self.px(y)), text, fill=0, font=self._font(bold, size))

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.width_mm(lines[-1] + " " + word, bold) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines or [""]

    def hline(self, x0: float, x1: float, y: float, width: int = 1) -> None:
        self.draw.line([(self.px(x0), self.px(y)), (self.px(x1), self.px(y))], fill=0, width=width)

    def vline(self, x: float, y0: float, y1: float, width: int = 1) -> None:
        self.draw.line([(self.px(x), self.px(y0)), (self.px(x), self.px(y1))], fill=0, width=width)


# --- varied values ---------------------------------------------------------------------------


def varied_form16(rng: random.Random) -> Form16:
    """`random_form16`, sometimes with relief under section 89 (so 17, 18 and 19 differ)."""
    form = random_form16(rng)
    t = dict(form.truth)
    if t["tax_payable"] > 2_000 and rng.random() < 0.4:  # type: ignore[operator]
        relief = rng.randrange(1_000, int(t["tax_payable"]) // 2)  # type: ignore[arg-type]
        t["relief_89"] = relief
        t["net_tax_payable"] = t["tds_total"] = int(t["tax_payable"]) - relief  # type: ignore[arg-type]
        for q, v in enumerate(_split_quarters(rng, int(t["tds_total"])), start=1):  # type: ignore[arg-type]
            t[f"tds_q{q}"] = v
    return replace(form, truth=t)


def money(rng: random.Random) -> Callable[[int], str]:
    """How this employer prints amounts: Indian grouping with paise (TRACES), or without."""
    paise = rng.random() < 0.7
    return lambda v: inr(v, paise=paise)


_PAN_DEDUCTOR = ("PAN of the Deductor", "PAN of Deductor")
_TAN_DEDUCTOR = ("TAN of the Deductor", "TAN of Deductor")
_PAN_EMPLOYEE = ("PAN of the Employee/Specified senior citizen", "PAN of the Employee")


# --- Part A ----------------------------------------------------------------------------------


def _heading(s: Sheet, y: float, part: str) -> float:
    s.text(105, y, "FORM NO. 16", align="center", bold=True, size=s.size_pt + 3)
    y += s.line_mm(s.size_pt + 3)
    s.text(105, y, "[See rule 31(1)(a)]", align="center")
    y += s.line_mm()
    s.text(105, y, part, align="center", bold=True, size=s.size_pt + 1)
    return y + s.line_mm() * 1.6


def _ruled_row(
    s: Sheet, y: float, xs: list[float], cells: list[list[str]], aligns: list[str], pad: float = 1.2
) -> float:
    """One table row: each cell a list of lines, top-aligned; rules around; returns the y
    under it."""
    rows = max(len(c) for c in cells)
    h = rows * s.line_mm() + 2 * pad
    s.hline(xs[0], xs[-1], y)
    s.hline(xs[0], xs[-1], y + h)
    for x in xs:
        s.vline(x, y, y + h)
    for i, lines in enumerate(cells):
        for k, text in enumerate(lines):
            yy = y + pad + k * s.line_mm()
            if aligns[i] == "right":
                s.text(xs[i + 1] - pad * 1.5, yy, text, align="right")
            else:
                s.text(xs[i] + pad * 1.5, yy, text)
    return y + h


def traces_part_a(s: Sheet, form: Form16, rng: random.Random, fmt: Callable[[int], str]) -> None:
    """TRACES Part A: names side by side, PAN/TAN values below their labels, AY and period,
    the quarterly table and its total, all ruled."""
    t = form.truth
    y = _heading(s, 10, "PART A")
    left, right = 12.0, 198.0
    mid = rng.uniform(100, 110)
    y = _ruled_row(
        s,
        y,
        [left, mid, right],
        [
            s.wrap("Name and address of the Employer/Specified Bank", mid - left - 4),
            s.wrap("Name and address of the Employee/Specified senior citizen", right - mid - 4),
        ],
        ["left", "left"],
    )
    emp = [ln for a in form.employer_address for ln in s.wrap(a, mid - left - 4)]
    ee = [ln for a in form.employee_address for ln in s.wrap(a, right - mid - 4)]
    y = _ruled_row(s, y, [left, mid, right], [emp, ee], ["left", "left"])
    w = [rng.uniform(40, 46), rng.uniform(40, 46), rng.uniform(52, 60)]
    xs = [left, left + w[0], left + w[0] + w[1], left + sum(w), right]
    labels = [rng.choice(_PAN_DEDUCTOR), rng.choice(_TAN_DEDUCTOR), rng.choice(_PAN_EMPLOYEE)]
    y = _ruled_row(
        s,
        y,
        xs,
        [
            *(s.wrap(lbl, xs[i + 1] - xs[i] - 4) for i, lbl in enumerate(labels)),
            s.wrap("Employee Reference No. provided by the Employer (If available)", 40),
        ],
        ["left"] * 4,
    )
    y = _ruled_row(
        s,
        y,
        xs,
        [[t["employer_pan"]], [t["employer_tan"]], [t["employee_pan"]], [""]],  # type: ignore[list-item]
        ["left"] * 4,
    )
    xs = [left, 95.0, 125.0, 160.0, right]
    y = _ruled_row(
        s,
        y,
        xs,
        [["CIT (TDS)"], ["Assessment Year"], ["Period with the Employer"], [""]],
        ["left"] * 4,
    )
    y = _ruled_row(s, y, xs, [[""], [""], ["From"], ["To"]], ["left"] * 4)
    y = _ruled_row(
        s,
        y,
        xs,
        [
            s.wrap("The Commissioner of Income Tax (TDS)", 95 - left - 4),
            [str(t["assessment_year"])],
            [_date(str(t["period_from"]))],
            [_date(str(t["period_to"]))],
        ],
        ["left"] * 4,
    )
    y += 4
    s.text(left, y, "Summary of amount paid/credited and tax deducted at source thereon", bold=True)
    y += s.line_mm() * 1.4
    xs = [left, 32.0, 80.0, 120.0, 160.0, right]
    heads = [
        "Quarter(s)",
        "Receipt Numbers of original quarterly statements",
        "Amount paid/credited",
        "Amount of tax deducted (Rs.)",
        "Amount of tax deposited/remitted (Rs.)",
    ]
    y = _ruled_row(
        s, y, xs, [s.wrap(h, xs[i + 1] - xs[i] - 4) for i, h in enumerate(heads)], ["left"] * 5
    )
    aligns = ["left", "left", "right", "right", "right"]
    for q in range(1, 5):
        row = [f"Q{q}", form.receipts[q - 1], fmt(t[f"paid_q{q}"]), fmt(t[f"tds_q{q}"])]  # type: ignore[arg-type]
        y = _ruled_row(s, y, xs, [[c] for c in [*row, row[-1]]], aligns)
    total = ["Total (Rs.)", "", fmt(t["paid_total"]), fmt(t["tds_total"]), fmt(t["tds_total"])]  # type: ignore[arg-type]
    _ruled_row(s, y, xs, [[c] for c in total], aligns)


def two_column_part_a(
    s: Sheet, form: Form16, rng: random.Random, fmt: Callable[[int], str]
) -> float:
    """Labels in a left column, each value in its own column to the right, no rules."""
    t = form.truth
    y = _heading(s, 10, "PART A")
    label_x, value_x = 14.0, rng.uniform(85, 105)
    pairs = [
        ("Name of the Employer", form.employer_address[0]),
        ("Address of the Employer", form.employer_address[1]),
        (rng.choice(_PAN_DEDUCTOR), t["employer_pan"]),
        (rng.choice(_TAN_DEDUCTOR), t["employer_tan"]),
        ("Name of the Employee", form.employee_name),
        ("PAN of the Employee", t["employee_pan"]),
        ("Assessment Year", t["assessment_year"]),
        (
            "Period with the Employer",
            f"{_date(str(t['period_from']))} to {_date(str(t['period_to']))}",
        ),
    ]
    for label, value in pairs:
        s.text(label_x, y, label + rng.choice(("", ":")))
        s.text(value_x, y, str(value))
        y += s.line_mm() * 1.5
    y += 3
    s.text(label_x, y, "Summary of amount paid/credited and tax deducted at source", bold=True)
    y += s.line_mm() * 1.6
    cols = [label_x, 40.0, rng.uniform(120, 130), 160.0, 196.0]
    for x, head in zip(
        cols[1:],
        ("Receipt No.", "Amount paid/credited", "Tax deducted", "Tax deposited"),
        strict=True,
    ):
        s.text(
            x,
            y,
            head,
            align="left" if head == "Receipt No." else "right",
        )
    s.text(label_x, y, "Quarter")
    y += s.line_mm() * 1.5
    for q in range(1, 5):
        s.text(label_x, y, f"Q{q}")
        s.text(cols[1], y, form.receipts[q - 1])
        s.text(cols[2], y, fmt(t[f"paid_q{q}"]), align="right")  # type: ignore[arg-type]
        s.text(cols[3], y, fmt(t[f"tds_q{q}"]), align="right")  # type: ignore[arg-type]
        s.text(cols[4], y, fmt(t[f"tds_q{q}"]), align="right")  # type: ignore[arg-type]
        y += s.line_mm() * 1.4
    s.text(label_x, y, "Total", bold=True)
    s.text(cols[2], y, fmt(t["paid_total"]), align="right")  # type: ignore[arg-type]
    s.text(cols[3], y, fmt(t["tds_total"]), align="right")  # type: ignore[arg-type]
    s.text(cols[4], y, fmt(t["tds_total"]), align="right")  # type: ignore[arg-type]
    return y + s.line_mm() * 2


# --- Part B ----------------------------------------------------------------------------------


def _gross_column(form: Form16) -> dict[str, int]:
    return {
        "via_80c": form.gross_80c,
        "via_80c_total": form.gross_80c,
        "via_80d": form.gross_80d,
    }


def part_b_rows(
    s: Sheet,
    form: Form16,
    rng: random.Random,
    fmt: Callable[[int], str],
    y: float,
    *,
    ruled: bool,
    rows: list[tuple[str, str, str | None, str]] | None = None,
    heading: bool = True,
    bottom: float = 285,
) -> tuple[float, int]:
    """Part B items from `rows` until the page is full; returns (y, how many were drawn).
    Ruled: item | label | sub-amount | total columns with rules; otherwise a two-column
    label/value list with Chapter VI-A's gross and deductible columns."""
    t = form.truth
    rows = _B_ROWS if rows is None else rows
    gross = _gross_column(form)
    left, right = 12.0, 198.0
    if heading:
        s.text(105, y, "PART B (Annexure)", align="center", bold=True, size=s.size_pt + 1)
        y += s.line_mm() * 1.5
        s.text(
            105, y, "Details of Salary Paid and any other income and tax deducted", align="center"
        )
        y += s.line_mm() * 1.8
    label_w = rng.uniform(105, 118) if ruled else rng.uniform(100, 112)
    xs = [left, left + 10, left + 10 + label_w]
    xs += [xs[-1] + (right - xs[-1]) / 2, right]
    done = 0
    for item, label, name, column in rows:
        lines = s.wrap(label, label_w - 4)
        h = len(lines) * s.line_mm() + (2.4 if ruled else 1.6)
        if y + h > bottom:
            break
        done += 1
        if name is None:
            right_cells = (
                ["Gross Amount", "Deductible Amount"] if column == "via-head" else ["", ""]
            )
            if ruled:
                y = _ruled_row(
                    s,
                    y,
                    xs,
                    [[item], lines, [right_cells[0]], [right_cells[1]]],
                    ["left", "left", "right", "right"],
                )
            else:
                s.text(xs[0], y, item)
                for k, ln in enumerate(lines):
                    s.text(xs[1], y + k * s.line_mm(), ln, bold=True)
                s.text(xs[3] - 2, y, right_cells[0], align="right")
                s.text(xs[4] - 2, y, right_cells[1], align="right")
                y += h
            continue
        value = fmt(t[name])  # type: ignore[arg-type]
        if column == "via":
            g = fmt(gross.get(name, t[name]))  # type: ignore[arg-type]
            # Some employers leave the gross column blank for items with no gross limit.
            cells = [g if rng.random() < 0.8 else "", value]
        elif column == "sub":
            cells = [value, ""]
        else:
            cells = ["", value]
        if ruled:
            y = _ruled_row(
                s,
                y,
                xs,
                [[item], lines, [cells[0]], [cells[1]]],
                ["left", "left", "right", "right"],
            )
        else:
            s.text(xs[0], y, item)
            for k, ln in enumerate(lines):
                s.text(xs[1], y + k * s.line_mm(), ln)
            if cells[0]:
                s.text(xs[3] - 2, y, cells[0], align="right")
            if cells[1]:
                s.text(xs[4] - 2, y, cells[1], align="right")
            y += h
    return y, done


# --- encoding --------------------------------------------------------------------------------


def _jpeg(img: Image.Image, quality: int, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def _png(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def _tiff(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(
        buf, "TIFF", save_all=True, append_images=pages[1:], dpi=(dpi, dpi), compression="tiff_lzw"
    )
    return buf.getvalue()


def _part_b_truth(truth: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in truth.items() if k not in _PART_A_FIELDS}


def _part_a_truth(truth: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in truth.items() if k in _PART_A_FIELDS}


def _font(rng: random.Random, *choices: str) -> str:
    font = rng.choice(choices)
    return font if (FONT_DIR / BOLD[font]).exists() else "sans"


# --- the layouts -----------------------------------------------------------------------------


def part_b_sheets(
    font: str,
    size: float,
    form: Form16,
    rng: random.Random,
    fmt: Callable[[int], str],
    *,
    ruled: bool,
    first_page_rows: int | None = None,
) -> list[Sheet]:
    """Part B over as many pages as it takes (the table breaks where the page is full, or
    after `first_page_rows`)."""
    sheets: list[Sheet] = []
    rows = list(_B_ROWS)
    while rows:
        s = Sheet(SCAN_DPI, font, size)
        limit = first_page_rows if not sheets and first_page_rows else len(rows)
        _, n = part_b_rows(
            s, form, rng, fmt, 12, ruled=ruled, rows=rows[:limit], heading=not sheets
        )
        assert n > 0
        rows = rows[n:]
        sheets.append(s)
    return sheets


def _image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return buf.getvalue()


def document(layout: str, seed: int, *, turn: int | None = None) -> Document:
    """One certificate in `layout` (see LAYOUTS); `turn` fixes a rotated scan's angle."""
    rng = random.Random(f"{layout}-{seed}")
    form = varied_form16(rng)
    fmt = money(rng)
    t = form.truth
    size = round(rng.uniform(9, 10.5), 1)
    name = f"{layout}-{seed}"
    if layout == "two-column":
        # Part A and Part B as label/value lists, no rules: clean pages in a TIFF.
        s = Sheet(SCAN_DPI, _font(rng, "sans", "serif"), size)
        two_column_part_a(s, form, rng, fmt)
        b = part_b_sheets(s.font, size, form, rng, fmt, ruled=False)
        pages = [s.image, *(x.image for x in b)]
        return Document(
            layout, name + ".tiff", _tiff(pages, SCAN_DPI), "image/tiff", dict(t), len(pages)
        )
    if layout == "ruled-table":
        # Part B alone, fully ruled, as an image-only PDF.
        b = part_b_sheets(_font(rng, "serif", "sans"), size, form, rng, fmt, ruled=True)
        pages = [x.image for x in b]
        truth = _part_b_truth(t)
        return Document(
            layout, name + ".pdf", _image_pdf(pages, SCAN_DPI), "application/pdf", truth, len(pages)
        )
    if layout == "traces-part-a":
        s = Sheet(SCAN_DPI, _font(rng, "sans", "condensed", "serif"), size)
        traces_part_a(s, form, rng, fmt)
        truth = _part_a_truth(t)
        return Document(layout, name + ".png", _png(s.image, SCAN_DPI), "image/png", truth, 1)
    if layout == "multi-page":
        # Part A, then Part B broken part-way through its table, as a multi-page TIFF.
        font = _font(rng, "condensed", "mono", "sans")
        s1 = Sheet(SCAN_DPI, font, size)
        traces_part_a(s1, form, rng, fmt)
        b = part_b_sheets(
            font, size, form, rng, fmt, ruled=True, first_page_rows=rng.randrange(12, 30)
        )
        pages = [s1.image, *(x.image for x in b)]
        return Document(
            layout, name + ".tiff", _tiff(pages, SCAN_DPI), "image/tiff", dict(t), len(pages)
        )
    if layout == "skewed-scan":
        # Part B's first page, scanned 1-3 degrees off straight, JPEG quality 60.
        font = _font(rng, "serif", "sans", "condensed")
        s = Sheet(SCAN_DPI, font, size)
        _, n = part_b_rows(s, form, rng, fmt, 10, ruled=rng.random() < 0.7)
        angle = rng.uniform(1, 3) * rng.choice((-1, 1))
        img = s.image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        truth = {k: v for k, v in _part_b_truth(t).items() if k in _drawn(n)}
        return Document(layout, name + ".jpg", _jpeg(img, 60, SCAN_DPI), "image/jpeg", truth, 1)
    if layout == "rotated-scan":
        # Part A scanned turned by 90, 180 or 270 degrees, JPEG quality 60.
        s = Sheet(SCAN_DPI, _font(rng, "sans", "serif"), size)
        traces_part_a(s, form, rng, fmt)
        angle = rng.choice((90, 180, 270))
        img = s.image.rotate(turn if turn is not None else angle, expand=True, fillcolor=255)
        truth = _part_a_truth(t)
        return Document(layout, name + ".jpg", _jpeg(img, 60, SCAN_DPI), "image/jpeg", truth, 1)
    if layout == "text-pdf":
        return Document(layout, name + ".pdf", form16_pdf(form), "application/pdf", dict(t), 2)
    raise ValueError(layout)


def _drawn(n: int) -> set[str]:
    return {name for _, _, name, _ in _B_ROWS[:n] if name is not None}


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else "form16-layouts")
    seed = int(argv[2]) if len(argv) > 2 else 0
    out.mkdir(parents=True, exist_ok=True)
    for layout in LAYOUTS:
        d = document(layout, seed)
        (out / d.name).write_bytes(d.data)
        print(d.name, len(d.truth))


if __name__ == "__main__":
    main(sys.argv)
