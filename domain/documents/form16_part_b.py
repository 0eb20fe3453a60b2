"""Form 16 Part B (the salary annexure) from rows of text: pure code, no I/O.

Items are found by the words of their labels (which survive OCR better than the item numbers
beside them), with a fuzzy match against the labels as TRACES prints them when OCR garbled
the words. The amount is the last one to the right of the label on that row, in a column
where amounts line up (stray digits elsewhere are ignored). Chapter VI-A prints a gross and
a deductible amount: the field is the deductible one, taken only from the deductible
(rightmost) column; when the column cannot be told, the confidence says so.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections.abc import Sequence

from domain.documents.fields import VIA_80C_PARTS, VIA_ITEMS
from domain.documents.rows import Amt, Found, Row, amount_found, char_unit, find_after

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


def _fuzzy(label: str, found: dict[str, Found]) -> str | None:
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


def _amounts_for(rows: Sequence[Row], i: int, claimed: set[int]) -> tuple[Amt, ...]:
    """The amounts of row i, or of a neighbouring row that has amounts and no label (a label
    wrapped over two lines with its amount beside the middle), each neighbour used once."""
    if rows[i].amounts:
        return rows[i].amounts
    for j in (i + 1, i - 1, i + 2):
        if 0 <= j < len(rows) and j not in claimed and rows[j].amounts and not rows[j].has_label:
            claimed.add(j)
            return rows[j].amounts
    return ()


def _columns(rows: Sequence[Row]) -> list[float]:
    """Right edges of the amount columns: where at least three amounts end, give or take."""
    rights = sorted(a.cell.right for r in rows for a in r.amounts)
    if not rights:
        return []
    unit = statistics.median(char_unit(r) for r in rows if r.amounts)
    groups: list[list[float]] = [[rights[0]]]
    for right in rights[1:]:
        if right - groups[-1][-1] <= 2 * unit:
            groups[-1].append(right)
        else:
            groups.append([right])
    return [statistics.median(g) for g in groups if len(g) >= 3]


def _in_columns(row: Row, columns: list[float]) -> Row:
    if not columns or not row.amounts:
        return row
    unit = char_unit(row)
    kept = tuple(a for a in row.amounts if min(abs(a.cell.right - c) for c in columns) <= 3 * unit)
    return Row(row.line, row.label, row.label_x, kept)


def part_b(rows: Sequence[Row], found: dict[str, Found]) -> None:
    start = find_after(rows, r"gross salary|details of salary paid|part b\b")
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
            found.setdefault(name, Found("", 0.0, row.line, "", "label found, amount not read"))
            continue
        if name in _DEDUCTIBLE:
            picked = _deductible(row, amounts, columns.get(row.line.page, []))
            if picked is None:
                found.setdefault(
                    name, Found("", 0.0, row.line, "", "no amount in the deductible column")
                )
                continue
            amt, sure = picked
            f = amount_found(row.line, amt)
            if not sure:
                f.conf = min(f.conf, UNSURE_COLUMN)
                f.note = "column not certain: gross or deductible"
            found[name] = f
            continue
        found[name] = amount_found(row.line, amounts[-1])


UNSURE_COLUMN = 0.5
_DEDUCTIBLE = frozenset(VIA_80C_PARTS + VIA_ITEMS)  # the Chapter VI-A rows
"""Chapter VI-A items: printed with a gross and a deductible amount; the deductible one
(the rightmost amount column) is the field, never the gross one."""


def _deductible(
    row: Row, amounts: tuple[Amt, ...], columns: list[float]
) -> tuple[Amt, bool] | None:
    """The amount in the deductible (rightmost) column, and whether its column is certain.
    With two amounts the right one is it; with one, only if it ends at the rightmost column
    (otherwise it is the gross amount, and the deductible one was not read)."""
    last = amounts[-1]
    if len(columns) >= 2:
        unit = max(1.0, (last.cell.right - last.cell.x) / max(1, len(last.cell.text)))
        distances = [abs(last.cell.right - c) for c in columns]
        if distances.index(min(distances)) == len(columns) - 1 and distances[-1] <= 3 * unit:
            return last, True
        return None
    if len(amounts) >= 2:
        return last, True
    return last, False


def _match_b(row: Row, found: dict[str, Found]) -> str | None:
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
