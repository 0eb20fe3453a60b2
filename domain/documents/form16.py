"""Form 16 (Part A and Part B) from a document's text: pure code, no I/O.

Part A is found by its headings (the PAN/TAN row under "TAN of the Deductor", the names
under "Name and address of the Employer", the year and period under "Assessment Year",
the quarterly table under "Summary of amount paid"). Part B's items are found by the words
of their labels (which survive OCR better than the item numbers beside them); the amount
is the last amount to the right of the label on that row. Then the form's arithmetic and
the identifiers' shapes are checked (`checks.reconcile`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from domain.documents.amounts import Amount, parse_amount
from domain.documents.checks import reconcile
from domain.documents.fields import ExtractedField, Extraction
from domain.documents.identifiers import PERSON, read_pan, read_tan, tokens
from domain.documents.text import Cell, Line, Page, lines_of

REPAIRED_FACTOR = 0.85
FORM_16 = "16"
KEY_FIELDS = ("employee_pan", "employer_tan", "assessment_year", "gross_salary", "tds_total")
"""Reported as problems when missing (a clearer copy, or the other part, is needed)."""

_FORM_MARK = re.compile(r"form\s*no\.?\s*16\b|\bform\s*16\b")
_PART_A_MARK = re.compile(r"certificate under section 203|tan of the deductor|part a\b")
_PART_B_MARK = re.compile(r"details of salary paid|part b\b|gross salary|chapter vi-?a")


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
class _Amt:
    amount: Amount
    cell: Cell
    text: str


@dataclass(frozen=True, slots=True)
class _Row:
    line: Line
    label: str  # normalised label text (item markers and noise dropped)
    label_x: float
    amounts: tuple[_Amt, ...]

    @property
    def has_label(self) -> bool:
        return len(re.sub(r"[^a-z]", "", self.label)) >= 3


_DECIMAL_TAIL = re.compile(r".*\d[.,]\S{2}$")
_ITEM_MARKER = re.compile(r"^\W{0,2}(?:\([a-z]{1,2}\)|\d{1,2}\.)\s+")


def _is_marker(text: str) -> bool:
    """An item number such as "1.", "(a)", "10." or OCR noise with no word in it."""
    return not re.search(r"[A-Za-z]{3,}", text) and parse_amount(text, repair=False) is None


def _row(line: Line) -> _Row:
    label_parts: list[str] = []
    label_x = float("-inf")
    amounts: list[_Amt] = []
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
                amounts.append(_Amt(amount, cell, t))
            continue
        amount = parse_amount(text)
        if amount is not None and any(c.isdigit() for c in text):
            if cell.x > label_x:
                amounts.append(_Amt(amount, cell, text))
            continue
        # An amount with a speck of noise beside it in its cell: "0.00 ds".
        pieces = [(w, parse_amount(w)) for w in text.split() if _DECIMAL_TAIL.fullmatch(w)]
        found = [(w, a) for w, a in pieces if a is not None]
        if len(found) == 1 and cell.x > label_x:
            amounts.append(_Amt(found[0][1], cell, found[0][0]))
            continue
        if not _is_marker(text):
            label_parts.append(text)
    label = normalise(" ".join(p for p in label_parts if not _is_marker(p)))
    label = _ITEM_MARKER.sub("", label)  # "(d) total" -> "total"
    return _Row(line, label, label_x, tuple(amounts))


# --- Part B: items found by the words of their labels -----------------------------------------

_B_RULES: tuple[tuple[str, str], ...] = (
    ("salary_17_1", r"salary as per provision|section 17\(1\)"),
    ("perquisites_17_2", r"value of perquisites|section 17\(2\)"),
    ("profits_17_3", r"profits in lieu|section 17\(3\)"),
    ("other_employer_salary", r"other employer"),
    ("lta_10_5", r"travel concession|section 10\(5\)"),
    ("gratuity_10_10", r"gratuity"),
    ("commuted_pension_10_10a", r"commuted value|value of pension"),
    ("leave_encashment_10_10aa", r"leave salary|encashment"),
    ("hra_10_13a", r"house rent"),
    ("other_exemptions_10", r"any other exemption"),
    ("exemptions_total", r"total amount of exemption|exemption claimed"),
    ("salary_from_employer", r"current employer"),
    ("standard_deduction", r"standard deduction"),
    ("entertainment_allowance", r"entertainment"),
    ("professional_tax", r"tax on employment"),
    ("deductions_16_total", r"total amount of deductions"),
    ("salary_income", r"income chargeable|head .?salaries"),
    ("house_property_income", r"house property"),
    ("other_sources_income", r"other sources"),
    ("other_income_total", r"total amount of other income"),
    ("gross_total_income", r"gross total income"),
    ("via_80c_total", r"total deduction under section 80c|80c, 80ccc and"),
    ("via_80c", r"life insurance|provident fund"),
    ("via_80ccc", r"certain pension funds|section 80ccc\b"),
    ("via_80ccd_1b", r"notified pension|80ccd\(1b\)"),
    ("via_80ccd_2", r"by employer to pension|80ccd\(2\)"),
    ("via_80ccd_1", r"by taxpayer to pension|80ccd\(1\)"),
    ("via_80d", r"health insurance|section 80d\b"),
    ("via_80e", r"higher education|section 80e\b"),
    ("via_80g", r"donations|section 80g\b"),
    ("via_80tta", r"savings account|80tta"),
    ("via_other", r"any other provision"),
    ("via_total", r"aggregate of deductible"),
    ("taxable_income", r"total taxable income"),
    ("tax_on_income", r"tax ?on total income"),
    ("rebate_87a", r"rebate"),
    ("surcharge", r"surcharge"),
    ("cess", r"education cess|\bcess\b"),
    ("net_tax_payable", r"net tax payable"),
    ("tax_payable", r"tax payable"),
    ("relief_89", r"relief under"),
)
_B_COMPILED = tuple((name, re.compile(p)) for name, p in _B_RULES)

# The labels as TRACES prints them, for rows whose words OCR garbled past the patterns.
_B_LABELS: dict[str, str] = {
    "salary_17_1": "salary as per provisions contained in section 17(1)",
    "perquisites_17_2": "value of perquisites under section 17(2) (as per form no. 12ba",
    "profits_17_3": "profits in lieu of salary under section 17(3) (as per form no. 12ba",
    "other_employer_salary": "reported total amount of salary received from other employer(s)",
    "lta_10_5": "travel concession or assistance under section 10(5)",
    "gratuity_10_10": "death-cum-retirement gratuity under section 10(10)",
    "commuted_pension_10_10a": "commuted value of pension under section 10(10a)",
    "leave_encashment_10_10aa": "cash equivalent of leave salary encashment under section 10(10aa)",
    "hra_10_13a": "house rent allowance under section 10(13a)",
    "other_exemptions_10": "amount of any other exemption under section 10",
    "exemptions_total": "total amount of exemption claimed under section 10",
    "salary_from_employer": "total amount of salary received from current employer [1(d)-2(g)]",
    "standard_deduction": "standard deduction under section 16(ia)",
    "entertainment_allowance": "entertainment allowance under section 16(ii)",
    "professional_tax": "tax on employment under section 16(iii)",
    "deductions_16_total": "total amount of deductions under section 16 [4(a)+4(b)+4(c)]",
    "salary_income": 'income chargeable under the head "salaries" [(3+1(e)-5]',
    "house_property_income": "income (or admissible loss) from house property reported by",
    "other_sources_income": "income under the head other sources offered for tds",
    "other_income_total": "total amount of other income reported by the employee",
    "gross_total_income": "gross total income (6+8)",
    "via_80c_total": "total deduction under section 80c, 80ccc and 80ccd(1)",
    "via_80c": "deduction in respect of life insurance premia, contributions to provident",
    "via_80ccc": "deduction in respect of contribution to certain pension funds under",
    "via_80ccd_1b": "deductions in respect of amount paid/deposited to notified pension",
    "via_80ccd_2": "deduction in respect of contribution by employer to pension scheme",
    "via_80ccd_1": "deduction in respect of contribution by taxpayer to pension scheme",
    "via_80d": "deduction in respect of health insurance premia under section 80d",
    "via_80e": "deduction in respect of interest on loan taken for higher education",
    "via_80g": "total deduction in respect of donations under section 80g",
    "via_80tta": "deduction in respect of interest on deposits in savings account",
    "via_other": "amount deductible under any other provision(s) of chapter vi-a",
    "via_total": "aggregate of deductible amount under chapter vi-a",
    "taxable_income": "total taxable income (9-11)",
    "tax_on_income": "tax on total income",
    "rebate_87a": "rebate under section 87a, if applicable",
    "surcharge": "surcharge, wherever applicable",
    "cess": "health and education cess",
    "net_tax_payable": "net tax payable (17-18)",
    "tax_payable": "tax payable (13+15+16-14)",
    "relief_89": "less: relief under section 89 (attach details)",
}
_FUZZY_MIN = 0.8


def _fuzzy(label: str, found: dict[str, _Found]) -> str | None:
    """The unfound item whose printed label this one most resembles (as a prefix)."""
    if len(label) < 10:
        return None
    best, best_score = None, _FUZZY_MIN
    for name, canonical in _B_LABELS.items():
        if name in found:
            continue
        target = canonical[: len(label) + 3]
        matcher = difflib.SequenceMatcher(None, label, target, autojunk=False)
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        if score > best_score:
            best, best_score = name, score
    return best


_TOTAL_ONLY = re.compile(r"^tot(al)?\W*$")


@dataclass
class _Found:
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


def _amount_found(line: Line, amt: _Amt) -> _Found:
    conf = amt.cell.conf * (REPAIRED_FACTOR if amt.amount.repaired else 1.0)
    note = f"read {amt.text!r} as {amt.amount.rupees}" if amt.amount.repaired else None
    return _Found(amt.amount.rupees, conf, line, amt.text, note)


def _amounts_for(rows: Sequence[_Row], i: int, claimed: set[int]) -> tuple[_Amt, ...]:
    """The amounts of row i, or of a neighbouring row that has amounts and no label (a label
    wrapped over two lines with its amount beside the middle), each neighbour used once."""
    if rows[i].amounts:
        return rows[i].amounts
    for j in (i + 1, i - 1, i + 2):
        if 0 <= j < len(rows) and j not in claimed and rows[j].amounts and not rows[j].has_label:
            claimed.add(j)
            return rows[j].amounts
    return ()


def _columns(rows: Sequence[_Row]) -> list[float]:
    """Right edges of the amount columns: where at least three amounts end, give or take."""
    rights = sorted(a.cell.right for r in rows for a in r.amounts)
    if not rights:
        return []
    unit = statistics.median(_unit(r) for r in rows if r.amounts)
    groups: list[list[float]] = [[rights[0]]]
    for right in rights[1:]:
        if right - groups[-1][-1] <= 2 * unit:
            groups[-1].append(right)
        else:
            groups.append([right])
    return [statistics.median(g) for g in groups if len(g) >= 3]


def _in_columns(row: _Row, columns: list[float]) -> _Row:
    if not columns or not row.amounts:
        return row
    unit = _unit(row)
    kept = tuple(a for a in row.amounts if min(abs(a.cell.right - c) for c in columns) <= 3 * unit)
    return _Row(row.line, row.label, row.label_x, kept)


def _part_b(rows: Sequence[_Row], found: dict[str, _Found]) -> None:
    start = _after(rows, r"gross salary|details of salary paid|part b\b")
    if start is None:
        return
    pages = {r.line.page for r in rows[start:]}
    columns = {p: _columns([r for r in rows[start:] if r.line.page == p]) for p in pages}
    rows = [_in_columns(r, columns.get(r.line.page, [])) for r in rows[start:]]
    claimed: set[int] = set()
    for i, row in enumerate(rows):
        if not row.has_label:
            continue
        name = _match_b(row, found)
        if name is None:
            continue
        amounts = _amounts_for(rows, i, claimed)
        if not amounts:
            found.setdefault(name, _Found("", 0.0, row.line, "", "label found, amount not read"))
            continue
        found[name] = _amount_found(row.line, amounts[-1])


def _match_b(row: _Row, found: dict[str, _Found]) -> str | None:
    found = {k: f for k, f in found.items() if f.text}  # placeholders may still be matched
    if (
        _TOTAL_ONLY.match(row.label)
        and "gross_salary" not in found
        and ("salary_17_1" in found or "perquisites_17_2" in found)
        and "exemptions_total" not in found
    ):
        return "gross_salary"
    for name, pattern in _B_COMPILED:
        if name not in found and pattern.search(row.label):
            return name
    return _fuzzy(row.label, found)


# --- Part A: identifiers, names, year and period, the quarterly table ------------------------


def _after(rows: Sequence[_Row], pattern: str, start: int = 0) -> int | None:
    regex = re.compile(pattern)
    for i in range(start, len(rows)):
        if regex.search(normalise(rows[i].line.text)):
            return i
    return None


def _identifiers(rows: Sequence[_Row], found: dict[str, _Found]) -> None:
    head = _after(rows, r"tan of the deductor|pan of the deductor")
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
            found.setdefault(name, _Found(value, conf, line, raw, note))
        return


def _names(rows: Sequence[_Row], found: dict[str, _Found]) -> None:
    head = _after(rows, r"name and address of the employer")
    if head is None:
        return
    header = rows[head].line.cells
    split = (header[0].x + header[1].x) / 2 if len(header) >= 2 else float("inf")
    for i in range(head + 1, min(head + 4, len(rows))):
        line = rows[i].line
        for cell in line.cells:
            text = cell.text.strip(" |[]_-—")
            if cell.x < split and re.search(r"[A-Za-z]{3,}", text):
                found["employer_name"] = _Found(text, cell.conf, line, cell.text)
                return


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
    t = text.lower().translate(_MONTH_OCR)
    return _MONTHS.get(t)


def _year_and_period(rows: Sequence[_Row], found: dict[str, _Found]) -> None:
    head = _after(rows, r"assessment year")
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
            found["assessment_year"] = _Found(
                f"{first}-{second:02d}",
                _conf_of(line, year.group(0)) * (1.0 if ok else 0.2),
                line,
                year.group(0),
                None if ok else "not a valid assessment year",
            )
        if len(dates_found) >= 2:
            for name, (iso, raw) in zip(("period_from", "period_to"), dates_found[:2], strict=True):
                found[name] = _Found(iso, _conf_of(line, raw), line, raw)
            return


def _iso(m: re.Match[str]) -> tuple[str, str] | None:
    month = _month(m.group(2))
    if month is None:
        return None
    try:
        return dt.date(int(m.group(3)), month, int(m.group(1))).isoformat(), m.group(0)
    except ValueError:
        return None


def _conf_of(line: Line, raw: str) -> float:
    for cell in line.cells:
        if raw in cell.text:
            return cell.conf
    return min((c.conf for c in line.cells), default=0.0)


def _quarters(rows: Sequence[_Row], found: dict[str, _Found]) -> None:
    head = _after(rows, r"summary of amount paid|quarter\(s\)")
    if head is None:
        return
    total_at = _after(rows, r"^\W*total\b", head + 1)
    if total_at is None or len(rows[total_at].amounts) < 2:
        return
    total = rows[total_at]
    columns = [a.cell.right for a in total.amounts[-3:]]
    names = ("paid", "tds", "deposited")[-len(columns) :] if len(columns) == 3 else ("paid", "tds")
    for name, amt in zip(names, total.amounts[-len(columns) :], strict=True):
        if name != "deposited":
            found[f"{name}_total"] = _amount_found(total.line, amt)
    quarter_rows = [r for r in rows[head + 1 : total_at] if r.amounts]
    labelled: dict[int, _Row] = {}
    unlabelled: list[_Row] = []
    for r in quarter_rows:
        m = re.match(r"\W*[qa0o]\s*([1-4il])\b", normalise(r.line.text))
        if m:
            labelled[int(m.group(1).replace("i", "1").replace("l", "1"))] = r
        else:
            unlabelled.append(r)
    for q in range(1, 5):
        if q not in labelled and unlabelled:
            labelled[q] = unlabelled.pop(0)
    tolerance = max(1.0, 0.5 * max(len(a.text) for a in total.amounts)) * _unit(total)
    for q, r in labelled.items():
        for amt in r.amounts:
            distances = [abs(amt.cell.right - c) for c in columns]
            col = distances.index(min(distances))
            if distances[col] > tolerance * 3:
                continue
            name = names[col]
            if name != "deposited":
                found.setdefault(f"{name}_q{q}", _amount_found(r.line, amt))


def _unit(row: _Row) -> float:
    """Width of one character in the reader's unit (1 for text layers, pixels for OCR)."""
    widths = [
        (a.cell.right - a.cell.x) / max(1, len(a.cell.text)) for a in row.amounts if a.cell.right
    ]
    return max(1.0, sum(widths) / len(widths)) if widths else 1.0


# --- the whole form -----------------------------------------------------------------------


def is_form16(lines: Sequence[Line]) -> bool:
    text = " ".join(normalise(line.text) for line in lines)
    return (
        bool(_FORM_MARK.search(text))
        or (bool(_PART_A_MARK.search(text)) and bool(_PART_B_MARK.search(text)))
        or ("gross salary" in text and "chapter vi" in text)
    )


def parse_form16(pages: Sequence[Page]) -> Extraction:
    lines = lines_of(list(pages))
    if not is_form16(lines):
        return Extraction(form=None, fields={}, problems=("no Form 16 found in the document",))
    rows = [_row(line) for line in lines]
    found: dict[str, _Found] = {}
    _names(rows, found)
    _identifiers(rows, found)
    _year_and_period(rows, found)
    _quarters(rows, found)
    _part_b(rows, found)
    problems: list[str] = []
    fields: dict[str, ExtractedField] = {}
    for name, f in found.items():
        if f.value == "" and f.text == "":
            problems.append(f"{name}: label found but no amount read")
            continue
        fields[name] = f.field()
    fields, arithmetic = reconcile(fields)
    problems.extend(arithmetic)
    problems.extend(f"{name}: not found" for name in KEY_FIELDS if name not in fields)
    problems.extend(_consistency(fields))
    return Extraction(form=FORM_16, fields=fields, problems=tuple(problems))


def _consistency(fields: dict[str, ExtractedField]) -> list[str]:
    """The period must fall within the financial year the assessment year follows."""
    problems: list[str] = []
    ay = fields.get("assessment_year")
    if ay is None or not isinstance(ay.value, str):
        return problems
    start = int(ay.value[:4]) - 1
    fy = (dt.date(start, 4, 1).isoformat(), dt.date(start + 1, 3, 31).isoformat())
    for name in ("period_from", "period_to"):
        f = fields.get(name)
        if f is not None and isinstance(f.value, str) and not fy[0] <= f.value <= fy[1]:
            problems.append(f"{name} {f.value} is outside the financial year of AY {ay.value}")
            fields[name] = ExtractedField(
                value=f.value,
                confidence=min(f.confidence, 0.3),
                page=f.page,
                line=f.line,
                text=f.text,
                note="outside the financial year of the assessment year",
            )
    return problems
