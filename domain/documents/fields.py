"""What the parser finds in a Form 16: each field's value, how sure it is, and where it was.

Amounts are whole rupees (int); identifiers, names and dates are strings (dates ISO). A
field's `confidence` is 0..1: the reader's own confidence, lowered when characters had to be
repaired or the form's arithmetic disagrees, raised when the arithmetic confirms it. Below
`REVIEW_BELOW` a person must confirm the value before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

REVIEW_BELOW = 0.9
PARSER_VERSION = 2
"""2: words read by position (layout.py), Part A by label, Chapter VI-A deductible column."""


class ExtractedField(msgspec.Struct, frozen=True, kw_only=True):
    value: int | str
    confidence: float
    page: int
    line: int
    text: str  # what was read, before repairs
    note: str | None = None


class Extraction(msgspec.Struct, frozen=True, kw_only=True):
    form: str | None  # "16" when the document is a Form 16
    fields: dict[str, ExtractedField]
    problems: tuple[str, ...] = ()
    parser_version: int = PARSER_VERSION

    def value(self, name: str) -> int | str | None:
        f = self.fields.get(name)
        return f.value if f is not None else None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str  # "amount" | "pan" | "tan" | "text" | "date" | "year"
    where: str  # where on the form: "A" (Part A) or the Part B item, e.g. "B 1(a)"
    label: str


def _amounts(part: str, rows: list[tuple[str, str, str]]) -> list[FieldSpec]:
    return [
        FieldSpec(name, "amount", f"{part} {item}".strip(), label) for name, item, label in rows
    ]


FORM16_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("employer_name", "text", "A", "Name of the employer"),
    FieldSpec("employer_pan", "pan", "A", "PAN of the deductor"),
    FieldSpec("employer_tan", "tan", "A", "TAN of the deductor"),
    FieldSpec("employee_pan", "pan", "A", "PAN of the employee"),
    FieldSpec("assessment_year", "year", "A", "Assessment year"),
    FieldSpec("period_from", "date", "A", "Period with the employer: from"),
    FieldSpec("period_to", "date", "A", "Period with the employer: to"),
    *_amounts(
        "A",
        [
            *((f"paid_q{q}", f"Q{q}", f"Amount paid/credited in Q{q}") for q in range(1, 5)),
            ("paid_total", "Total", "Amount paid/credited in the year"),
            *((f"tds_q{q}", f"Q{q}", f"Tax deducted in Q{q}") for q in range(1, 5)),
            ("tds_total", "Total", "Total tax deducted"),
        ],
    ),
    *_amounts(
        "B",
        [
            ("salary_17_1", "1(a)", "Salary as per section 17(1)"),
            ("perquisites_17_2", "1(b)", "Value of perquisites under section 17(2)"),
            ("profits_17_3", "1(c)", "Profits in lieu of salary under section 17(3)"),
            ("gross_salary", "1(d)", "Gross salary (total)"),
            ("other_employer_salary", "1(e)", "Salary from other employers"),
            ("lta_10_5", "2(a)", "Travel concession, section 10(5)"),
            ("gratuity_10_10", "2(b)", "Gratuity, section 10(10)"),
            ("commuted_pension_10_10a", "2(c)", "Commuted pension, section 10(10A)"),
            ("leave_encashment_10_10aa", "2(d)", "Leave encashment, section 10(10AA)"),
            ("hra_10_13a", "2(e)", "House rent allowance, section 10(13A)"),
            ("other_exemptions_10", "2(f)", "Other exemptions under section 10"),
            ("exemptions_total", "2(g)", "Total exemptions under section 10"),
            ("salary_from_employer", "3", "Salary from the current employer"),
            ("standard_deduction", "4(a)", "Standard deduction, section 16(ia)"),
            ("entertainment_allowance", "4(b)", "Entertainment allowance, section 16(ii)"),
            ("professional_tax", "4(c)", "Tax on employment, section 16(iii)"),
            ("deductions_16_total", "5", "Total deductions under section 16"),
            ("salary_income", "6", "Income chargeable under the head Salaries"),
            ("house_property_income", "7(a)", "House property income reported"),
            ("other_sources_income", "7(b)", "Other sources income reported"),
            ("other_income_total", "8", "Total other income reported"),
            ("gross_total_income", "9", "Gross total income"),
            ("via_80c", "10(a)", "80C"),
            ("via_80ccc", "10(b)", "80CCC"),
            ("via_80ccd_1", "10(c)", "80CCD(1)"),
            ("via_80c_total", "10(d)", "80C + 80CCC + 80CCD(1)"),
            ("via_80ccd_1b", "10(e)", "80CCD(1B)"),
            ("via_80ccd_2", "10(f)", "80CCD(2), employer's NPS contribution"),
            ("via_80d", "10(g)", "80D"),
            ("via_80e", "10(h)", "80E"),
            ("via_80g", "10(i)", "80G"),
            ("via_80tta", "10(j)", "80TTA"),
            ("via_other", "10(k)", "Other Chapter VI-A deductions"),
            ("via_total", "11", "Total Chapter VI-A deductions"),
            ("taxable_income", "12", "Total taxable income"),
            ("tax_on_income", "13", "Tax on total income"),
            ("rebate_87a", "14", "Rebate under section 87A"),
            ("surcharge", "15", "Surcharge"),
            ("cess", "16", "Health and education cess"),
            ("tax_payable", "17", "Tax payable"),
            ("relief_89", "18", "Relief under section 89"),
            ("net_tax_payable", "19", "Net tax payable"),
        ],
    ),
)
FIELD_NAMES = frozenset(f.name for f in FORM16_FIELDS)
AMOUNT_FIELDS = frozenset(f.name for f in FORM16_FIELDS if f.kind == "amount")
NEGATIVE_ALLOWED = frozenset({"house_property_income", "other_income_total"})
VIA_80C_PARTS = ("via_80c", "via_80ccc", "via_80ccd_1")
"""Chapter VI-A rows 10(a)-(c), which row 10(d) sums."""
VIA_ITEMS = (
    "via_80c_total",
    "via_80ccd_1b",
    "via_80ccd_2",
    "via_80d",
    "via_80e",
    "via_80g",
    "via_80tta",
    "via_other",
)
"""Chapter VI-A rows 10(d)-(k), which row 11 (`via_total`) sums."""
