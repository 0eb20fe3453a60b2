"""Realistic synthetic Form 16 certificates (Part A and Part B), with the truth behind them.

The layout follows the TRACES certificate: Part A (employer and employee, PAN/TAN, period,
quarterly TDS summary, verification) on the first page, Part B (the salary annexure, items
1 to 19 with their sub-items) on the second. Every number is consistent the way a real
certificate's are (totals equal their parts, the tax comes from the tax engine), so the
parser's arithmetic checks pass on a faithful reading and fail on a misreading.

A certificate is rendered as a PDF with a text layer (fpdf2), or as scanned pages at
150-300 dpi: rotated a few degrees, blurred, JPEG-compressed, as image-only PDFs, TIFFs,
JPEGs and PNGs.

    python -m tests.documents.form16_generator OUT_DIR [COUNT]   # writes samples to look at
"""

from __future__ import annotations

import datetime as dt
import io
import random
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import VAlign
from PIL import Image, ImageFilter

from domain.tax import compute, decode_input

Truth = dict[str, Any]

_FIRST = ["RAVI", "PRIYA", "ANIL", "SUNITA", "VIKRAM", "MEERA", "ARJUN", "KAVYA", "ROHAN", "DEEPA"]
_LAST = ["SHARMA", "IYER", "REDDY", "NAIR", "GUPTA", "MENON", "KULKARNI", "DAS", "SINGH", "RAO"]
_COMPANY = ["ACME", "SUNRISE", "VERTEX", "LOTUS", "NAVRATNA", "BLUEWAVE", "GANGA", "TRIDENT"]
_KIND = ["SOFTWARE", "TEXTILES", "PHARMA", "LOGISTICS", "FINANCE", "ENGINEERING", "FOODS"]
_SUFFIX = ["PRIVATE LIMITED", "LIMITED", "PVT LTD", "LLP"]
_CITIES = [
    ("BENGALURU", "KARNATAKA", "560"),
    ("MUMBAI", "MAHARASHTRA", "400"),
    ("CHENNAI", "TAMIL NADU", "600"),
    ("PUNE", "MAHARASHTRA", "411"),
    ("HYDERABAD", "TELANGANA", "500"),
    ("NEW DELHI", "DELHI", "110"),
    ("KOLKATA", "WEST BENGAL", "700"),
]
_STREETS = ["MG ROAD", "RING ROAD", "NEHRU NAGAR", "PARK STREET", "MAIN ROAD", "LINK ROAD"]


def inr(amount: int, paise: bool = True) -> str:
    """Indian digit grouping: 12,34,567.00."""
    sign = "-" if amount < 0 else ""
    digits = str(abs(amount))
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    return f"{sign}{digits}.00" if paise else f"{sign}{digits}"


def _pan(rng: random.Random, kind: str) -> str:
    letters = string.ascii_uppercase
    return (
        "".join(rng.choices(letters, k=3))
        + kind
        + rng.choice(letters)
        + "".join(rng.choices(string.digits, k=4))
        + rng.choice(letters)
    )


def _tan(rng: random.Random, city: str) -> str:
    return (
        city[:3]
        + rng.choice(string.ascii_uppercase)
        + "".join(rng.choices(string.digits, k=5))
        + rng.choice(string.ascii_uppercase)
    )


def _round_to(rng: random.Random, low: int, high: int, step: int = 100) -> int:
    return rng.randrange(low // step, high // step + 1) * step


def _split_quarters(rng: random.Random, total: int) -> list[int]:
    if total == 0:
        return [0, 0, 0, 0]
    weights = [rng.uniform(0.15, 0.35) for _ in range(4)]
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[3] = total - sum(parts[:3])
    return parts


@dataclass
class Form16:
    """What the certificate says: `truth` holds every field the parser should find."""

    truth: Truth
    employee_name: str
    employer_address: list[str]
    employee_address: list[str]
    regime: str
    certificate_no: str
    receipts: list[str]
    issued_on: dt.date
    gross_80c: int
    gross_80d: int
    extra: dict[str, Any] = field(default_factory=dict)


def random_form16(
    rng: random.Random, *, assessment_year: str | None = None, pan: str | None = None
) -> Form16:
    ay = assessment_year or rng.choice(("2024-25", "2025-26", "2026-27"))
    start_year = int(ay[:4]) - 1
    fy_start, fy_end = dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)
    joined = rng.random() < 0.2
    period_from = fy_start + dt.timedelta(days=rng.randint(30, 200)) if joined else fy_start
    period_to = fy_end
    regime = "new" if rng.random() < 0.6 else "old"
    city, state, pin = rng.choice(_CITIES)
    company = f"{rng.choice(_COMPANY)} {rng.choice(_KIND)} {rng.choice(_SUFFIX)}"
    employee = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"

    gross = _round_to(rng, 300_000, 6_000_000)
    perqs = rng.choice((0, 0, 0, _round_to(rng, 5_000, gross // 10)))
    profits = rng.choice((0,) * 6 + (_round_to(rng, 5_000, gross // 20),))
    s17_1 = gross - perqs - profits

    old = regime == "old"
    hra = _round_to(rng, 20_000, gross // 6) if old and rng.random() < 0.6 else 0
    lta = _round_to(rng, 5_000, 60_000) if old and rng.random() < 0.3 else 0
    leave = _round_to(rng, 5_000, 100_000) if rng.random() < 0.1 else 0
    gratuity = _round_to(rng, 10_000, 300_000) if rng.random() < 0.05 else 0
    pension = 0
    other_ex = _round_to(rng, 1_000, 30_000) if old and rng.random() < 0.2 else 0
    exemptions = lta + gratuity + pension + leave + hra + other_ex
    salary_from_employer = gross - exemptions

    standard = 75_000 if (not old and ay >= "2025-26") else 50_000
    professional = rng.choice((0, 2_400, 2_500)) if old else 0
    entertainment = 0
    deductions_16 = standard + entertainment + professional
    other_employer = 0
    salary_income = max(0, salary_from_employer + other_employer - deductions_16)

    hp = -_round_to(rng, 20_000, 200_000) if old and rng.random() < 0.15 else 0
    os_income = _round_to(rng, 1_000, 50_000) if rng.random() < 0.15 else 0
    other_income = hp + os_income
    gti = max(0, salary_income + other_income)

    c80 = min(150_000, _round_to(rng, 20_000, 200_000)) if old and rng.random() < 0.8 else 0
    gross_80c = c80 if c80 < 150_000 else c80 + _round_to(rng, 0, 60_000)
    c80ccc = 0
    c80ccd_1 = 0
    c80_total = c80 + c80ccc + c80ccd_1
    c80ccd_1b = rng.choice((0, 0, 50_000, _round_to(rng, 10_000, 50_000))) if old else 0
    c80ccd_2 = _round_to(rng, 10_000, gross // 12) if rng.random() < 0.25 else 0
    c80d = _round_to(rng, 5_000, 25_000) if old and rng.random() < 0.5 else 0
    c80e = _round_to(rng, 10_000, 80_000) if old and rng.random() < 0.1 else 0
    c80g = _round_to(rng, 1_000, 20_000) if old and rng.random() < 0.1 else 0
    c80tta = 0
    via_other = 0
    via_total = c80_total + c80ccd_1b + c80ccd_2 + c80d + c80e + c80g + c80tta + via_other
    via_total = min(via_total, gti)
    if via_total < c80_total + c80ccd_1b + c80ccd_2 + c80d + c80e + c80g:
        # Too little income to use the deductions: keep only what fits, in form order.
        c80 = c80_total = min(c80_total, via_total)
        gross_80c = max(gross_80c, c80)
        c80ccd_1b = c80ccd_2 = c80d = c80e = c80g = 0
        via_total = c80_total
    taxable = gti - via_total

    result = compute(
        decode_input(
            _json(
                {
                    "assessment_year": ay,
                    "salary": {
                        "gross": gross,
                        "exempt_allowances": exemptions,
                        "professional_tax": professional,
                    },
                    "other_sources": {"other": os_income},
                    "deductions": {"80C": c80, "80CCD(1B)": c80ccd_1b, "80D_self": c80d},
                }
            )
        )
    )
    r = result.new if regime == "new" else result.old
    tax_on_income = int(r.slab_tax + r.special_rate_tax)
    rebate = min(int(r.rebate_87a + r.marginal_relief), tax_on_income)
    surcharge = int(r.surcharge)  # already net of its marginal relief (RegimeResult)
    cess = int(r.cess)
    tax_payable = tax_on_income + surcharge + cess - rebate
    relief_89 = 0
    net_tax = tax_payable - relief_89
    tds = _split_quarters(rng, net_tax)
    months_paid = _split_quarters(rng, gross)

    truth: Truth = {
        "employer_name": company,
        "employer_pan": _pan(rng, "C"),
        "employer_tan": _tan(rng, city),
        "employee_pan": pan or _pan(rng, "P"),
        "assessment_year": ay,
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "paid_q1": months_paid[0],
        "paid_q2": months_paid[1],
        "paid_q3": months_paid[2],
        "paid_q4": months_paid[3],
        "paid_total": gross,
        "tds_q1": tds[0],
        "tds_q2": tds[1],
        "tds_q3": tds[2],
        "tds_q4": tds[3],
        "tds_total": net_tax,
        "salary_17_1": s17_1,
        "perquisites_17_2": perqs,
        "profits_17_3": profits,
        "gross_salary": gross,
        "other_employer_salary": other_employer,
        "lta_10_5": lta,
        "gratuity_10_10": gratuity,
        "commuted_pension_10_10a": pension,
        "leave_encashment_10_10aa": leave,
        "hra_10_13a": hra,
        "other_exemptions_10": other_ex,
        "exemptions_total": exemptions,
        "salary_from_employer": salary_from_employer,
        "standard_deduction": standard,
        "entertainment_allowance": entertainment,
        "professional_tax": professional,
        "deductions_16_total": deductions_16,
        "salary_income": salary_income,
        "house_property_income": hp,
        "other_sources_income": os_income,
        "other_income_total": other_income,
        "gross_total_income": gti,
        "via_80c": c80,
        "via_80ccc": c80ccc,
        "via_80ccd_1": c80ccd_1,
        "via_80c_total": c80_total,
        "via_80ccd_1b": c80ccd_1b,
        "via_80ccd_2": c80ccd_2,
        "via_80d": c80d,
        "via_80e": c80e,
        "via_80g": c80g,
        "via_80tta": c80tta,
        "via_other": via_other,
        "via_total": via_total,
        "taxable_income": taxable,
        "tax_on_income": tax_on_income,
        "rebate_87a": rebate,
        "surcharge": surcharge,
        "cess": cess,
        "tax_payable": tax_payable,
        "relief_89": relief_89,
        "net_tax_payable": net_tax,
    }
    street = f"{rng.randint(1, 399)}, {rng.choice(_STREETS)}"
    return Form16(
        truth=truth,
        employee_name=employee,
        employer_address=[
            company,
            f"{street}, {city} - {pin}{rng.randint(1, 99):03d}",
            f"{state}",
            f"+(91){rng.randint(20, 99)}-{rng.randint(10_000_000, 99_999_999)}",
        ],
        employee_address=[
            employee,
            f"FLAT {rng.randint(1, 40)}{rng.choice('ABCD')}, {rng.choice(_STREETS)}",
            f"{city} - {pin}{rng.randint(1, 99):03d}, {state}",
        ],
        regime=regime,
        certificate_no="".join(rng.choices(string.ascii_uppercase, k=7)),
        receipts=["".join(rng.choices(string.ascii_uppercase, k=8)) for _ in range(4)],
        issued_on=dt.date(start_year + 1, 6, rng.randint(1, 15)),
        gross_80c=gross_80c,
        gross_80d=c80d,
    )


def _json(doc: dict[str, Any]) -> bytes:
    import json

    return json.dumps(doc).encode()


def _date(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d-%b-%Y")


# --- rendering ------------------------------------------------------------------------------

_FONT = "Helvetica"


def form16_pdf(form: Form16) -> bytes:
    """The certificate as TRACES prints it: a PDF with a text layer, Part A then Part B."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)
    _part_a(pdf, form)
    _part_b(pdf, form)
    return bytes(pdf.output())


def _title(pdf: FPDF, part: str) -> None:
    pdf.set_font(_FONT, "B", 13)
    pdf.cell(0, 7, "FORM NO. 16", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 9)
    pdf.cell(0, 5, "[See rule 31(1)(a)]", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "B", 11)
    pdf.cell(0, 7, part, align="C", new_x="LMARGIN", new_y="NEXT")


def _part_a(pdf: FPDF, form: Form16) -> None:
    t = form.truth
    pdf.add_page()
    _title(pdf, "PART A")
    pdf.set_font(_FONT, "", 9)
    pdf.multi_cell(
        0,
        4.5,
        "Certificate under section 203 of the Income-tax Act, 1961 for tax deducted at source "
        "on salary paid to an employee under section 192 or pension/interest income of "
        "specified senior citizen under section 194P",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    with pdf.table(col_widths=(93, 93), text_align="LEFT", line_height=5) as table:
        table.row(["Certificate No. " + form.certificate_no, "Last updated on"])
        table.row(["", form.issued_on.strftime("%d-%b-%Y")])
    with pdf.table(
        col_widths=(93, 93), text_align="LEFT", line_height=5, first_row_as_headings=True
    ) as table:
        table.row(
            [
                "Name and address of the Employer/Specified Bank",
                "Name and address of the Employee/Specified senior citizen",
            ]
        )
        table.row(["\n".join(form.employer_address), "\n".join(form.employee_address)])
    with pdf.table(col_widths=(40, 40, 56, 50), text_align="LEFT", line_height=5) as table:
        table.row(
            [
                "PAN of the Deductor",
                "TAN of the Deductor",
                "PAN of the Employee/Specified senior citizen",
                "Employee Reference No. provided by the Employer (If available)",
            ]
        )
        table.row([t["employer_pan"], t["employer_tan"], t["employee_pan"], ""])
    with pdf.table(col_widths=(86, 30, 35, 35), text_align="LEFT", line_height=5) as table:
        table.row(["CIT (TDS)", "Assessment Year", "Period with the Employer", ""])
        table.row(["", "", "From", "To"])
        table.row(
            [
                "The Commissioner of Income Tax (TDS)",
                t["assessment_year"],
                _date(t["period_from"]),
                _date(t["period_to"]),
            ]
        )
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 9)
    pdf.multi_cell(
        0,
        5,
        "Summary of amount paid/credited and tax deducted at source thereon in respect of "
        "the employee",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(_FONT, "", 9)
    with pdf.table(
        col_widths=(22, 50, 38, 38, 38),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
    ) as table:
        table.row(
            [
                "Quarter(s)",
                "Receipt Numbers of original quarterly statements under sub-section (3) of "
                "section 200",
                "Amount paid/credited",
                "Amount of tax deducted (Rs.)",
                "Amount of tax deposited/remitted (Rs.)",
            ]
        )
        for i in range(4):
            table.row(
                [
                    f"Q{i + 1}",
                    form.receipts[i],
                    inr(t[f"paid_q{i + 1}"]),
                    inr(t[f"tds_q{i + 1}"]),
                    inr(t[f"tds_q{i + 1}"]),
                ]
            )
        table.row(
            ["Total (Rs.)", "", inr(t["paid_total"]), inr(t["tds_total"]), inr(t["tds_total"])]
        )
    pdf.ln(3)
    pdf.set_font(_FONT, "B", 9)
    pdf.cell(0, 5, "Verification", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 9)
    signer = form.extra.get("signer", "AUTHORISED SIGNATORY")
    pdf.multi_cell(
        0,
        4.5,
        f"I, {signer}, working in the capacity of HR MANAGER do hereby certify that a sum of "
        f"Rs. {inr(t['tds_total'])} has been deducted and a sum of Rs. {inr(t['tds_total'])} "
        "has been deposited to the credit of the Central Government. I further certify that "
        "the information given above is true, complete and correct and is based on the books "
        "of account, documents, TDS statements, TDS deposited and other available records.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.cell(0, 5, f"Place: {form.employer_address[1].split(', ')[-1].split(' - ')[0]}")
    pdf.ln(5)
    pdf.cell(0, 5, f"Date: {form.issued_on.strftime('%d-%b-%Y')}")


_B_ROWS: list[tuple[str, str, str | None, str]] = [
    # (item, label, field or None for a heading, column: "sub" | "total" | "via")
    ("1.", "Gross Salary", None, ""),
    ("(a)", "Salary as per provisions contained in section 17(1)", "salary_17_1", "sub"),
    (
        "(b)",
        "Value of perquisites under section 17(2) (as per Form No. 12BA, wherever applicable)",
        "perquisites_17_2",
        "sub",
    ),
    (
        "(c)",
        "Profits in lieu of salary under section 17(3) (as per Form No. 12BA, wherever applicable)",
        "profits_17_3",
        "sub",
    ),
    ("(d)", "Total", "gross_salary", "total"),
    (
        "(e)",
        "Reported total amount of salary received from other employer(s)",
        "other_employer_salary",
        "total",
    ),
    ("2.", "Less: Allowances to the extent exempt under section 10", None, ""),
    ("(a)", "Travel concession or assistance under section 10(5)", "lta_10_5", "sub"),
    ("(b)", "Death-cum-retirement gratuity under section 10(10)", "gratuity_10_10", "sub"),
    ("(c)", "Commuted value of pension under section 10(10A)", "commuted_pension_10_10a", "sub"),
    (
        "(d)",
        "Cash equivalent of leave salary encashment under section 10(10AA)",
        "leave_encashment_10_10aa",
        "sub",
    ),
    ("(e)", "House rent allowance under section 10(13A)", "hra_10_13a", "sub"),
    ("(f)", "Amount of any other exemption under section 10", "other_exemptions_10", "sub"),
    (
        "(g)",
        "Total amount of exemption claimed under section 10 [2(a)+2(b)+2(c)+2(d)+2(e)+2(f)]",
        "exemptions_total",
        "total",
    ),
    (
        "3.",
        "Total amount of salary received from current employer [1(d)-2(g)]",
        "salary_from_employer",
        "total",
    ),
    ("4.", "Less: Deductions under section 16", None, ""),
    ("(a)", "Standard deduction under section 16(ia)", "standard_deduction", "sub"),
    ("(b)", "Entertainment allowance under section 16(ii)", "entertainment_allowance", "sub"),
    ("(c)", "Tax on employment under section 16(iii)", "professional_tax", "sub"),
    (
        "5.",
        "Total amount of deductions under section 16 [4(a)+4(b)+4(c)]",
        "deductions_16_total",
        "total",
    ),
    ("6.", 'Income chargeable under the head "Salaries" [(3+1(e)-5]', "salary_income", "total"),
    ("7.", "Add: Any other income reported by the employee under section 192(2B)", None, ""),
    (
        "(a)",
        "Income (or admissible loss) from house property reported by employee offered for TDS",
        "house_property_income",
        "sub",
    ),
    (
        "(b)",
        "Income under the head Other Sources offered for TDS",
        "other_sources_income",
        "sub",
    ),
    (
        "8.",
        "Total amount of other income reported by the employee [7(a)+7(b)]",
        "other_income_total",
        "total",
    ),
    ("9.", "Gross total income (6+8)", "gross_total_income", "total"),
    ("10.", "Deductions under Chapter VI-A", None, "via-head"),
    (
        "(a)",
        "Deduction in respect of life insurance premia, contributions to provident fund etc. "
        "under section 80C",
        "via_80c",
        "via",
    ),
    (
        "(b)",
        "Deduction in respect of contribution to certain pension funds under section 80CCC",
        "via_80ccc",
        "via",
    ),
    (
        "(c)",
        "Deduction in respect of contribution by taxpayer to pension scheme under section 80CCD(1)",
        "via_80ccd_1",
        "via",
    ),
    (
        "(d)",
        "Total deduction under section 80C, 80CCC and 80CCD(1)",
        "via_80c_total",
        "via",
    ),
    (
        "(e)",
        "Deductions in respect of amount paid/deposited to notified pension scheme under "
        "section 80CCD(1B)",
        "via_80ccd_1b",
        "via",
    ),
    (
        "(f)",
        "Deduction in respect of contribution by Employer to pension scheme under section 80CCD(2)",
        "via_80ccd_2",
        "via",
    ),
    (
        "(g)",
        "Deduction in respect of health insurance premia under section 80D",
        "via_80d",
        "via",
    ),
    (
        "(h)",
        "Deduction in respect of interest on loan taken for higher education under section 80E",
        "via_80e",
        "via",
    ),
    ("(i)", "Total deduction in respect of donations under section 80G", "via_80g", "via"),
    (
        "(j)",
        "Deduction in respect of interest on deposits in savings account under section 80TTA",
        "via_80tta",
        "via",
    ),
    (
        "(k)",
        "Amount deductible under any other provision(s) of Chapter VI-A",
        "via_other",
        "via",
    ),
    (
        "11.",
        "Aggregate of deductible amount under Chapter VI-A [10(d)+10(e)+10(f)+10(g)+10(h)+"
        "10(i)+10(j)+10(k)]",
        "via_total",
        "total",
    ),
    ("12.", "Total taxable income (9-11)", "taxable_income", "total"),
    ("13.", "Tax on total income", "tax_on_income", "total"),
    ("14.", "Rebate under section 87A, if applicable", "rebate_87a", "total"),
    ("15.", "Surcharge, wherever applicable", "surcharge", "total"),
    ("16.", "Health and education cess", "cess", "total"),
    ("17.", "Tax payable (13+15+16-14)", "tax_payable", "total"),
    ("18.", "Less: Relief under section 89 (attach details)", "relief_89", "total"),
    ("19.", "Net tax payable (17-18)", "net_tax_payable", "total"),
]


def _part_b(pdf: FPDF, form: Form16) -> None:
    t = form.truth
    pdf.add_page()
    _title(pdf, "PART B (Annexure)")
    pdf.set_font(_FONT, "B", 9)
    pdf.cell(
        0,
        5,
        "Details of Salary Paid and any other income and tax deducted",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(_FONT, "", 8.5)
    opted_out = "Yes" if form.regime == "old" else "No"
    pdf.cell(
        0,
        5,
        f"Whether opting out of taxation u/s 115BAC(1A)?   {opted_out}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1)
    gross_col = {
        "via_80c": form.gross_80c,
        "via_80c_total": form.gross_80c,
        "via_80d": form.gross_80d,
    }
    with pdf.table(
        col_widths=(10, 118, 29, 29),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=4.4,
        v_align=VAlign.T,
        first_row_as_headings=False,
    ) as table:
        for item, label, name, column in _B_ROWS:
            if name is None:
                right = ("Gross Amount", "Deductible Amount") if column == "via-head" else ("", "")
                table.row([item, label, *right])
                continue
            value = inr(t[name])
            if column == "sub":
                table.row([item, label, value, ""])
            elif column == "via":
                gross_value = gross_col.get(name, t[name])
                table.row([item, label, inr(gross_value), value])
            else:
                table.row([item, label, "", value])


# --- scanning -------------------------------------------------------------------------------


def render_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


@dataclass(frozen=True)
class Scan:
    """How a page was scanned: resolution, skew, focus and compression."""

    dpi: int = 200
    rotate: float = 0.0
    blur: float = 0.0
    jpeg_quality: int | None = None


def random_scan(rng: random.Random) -> Scan:
    """Office scanners and phone apps: mostly 200-300 dpi, a few degrees off straight,
    sometimes soft, often JPEG-compressed; 150 dpi now and then."""
    return Scan(
        dpi=rng.choice((150, 200, 200, 300, 300)),
        rotate=round(rng.uniform(-2.0, 2.0), 2),
        blur=round(rng.choice((0.0, 0.0, 0.0, rng.uniform(0.2, 0.6))), 2),
        jpeg_quality=rng.choice((None, None, rng.randint(50, 90))),
    )


def degrade(page: Image.Image, scan: Scan) -> Image.Image:
    img = page.convert("L")
    if scan.rotate:
        img = img.rotate(scan.rotate, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if scan.blur:
        img = img.filter(ImageFilter.GaussianBlur(scan.blur))
    if scan.jpeg_quality is not None:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=scan.jpeg_quality)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img


def scanned_pages(form: Form16, scan: Scan) -> list[Image.Image]:
    return [degrade(p, scan) for p in render_pages(form16_pdf(form), scan.dpi)]


def image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """A scanner's PDF: one image per page, no text layer."""
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return buf.getvalue()


def tiff(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(
        buf, "TIFF", save_all=True, append_images=pages[1:], dpi=(dpi, dpi), compression="tiff_lzw"
    )
    return buf.getvalue()


def single_image(page: Image.Image, fmt: str, dpi: int, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        page.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    else:
        page.save(buf, fmt, dpi=(dpi, dpi))
    return buf.getvalue()


@dataclass(frozen=True)
class Sample:
    """One file to upload, and what a perfect reading of it finds."""

    name: str
    data: bytes
    media_type: str
    truth: Truth
    pages: int
    scan: Scan | None


_PART_A_FIELDS = {
    "employer_name",
    "employer_pan",
    "employer_tan",
    "employee_pan",
    "assessment_year",
    "period_from",
    "period_to",
    *(f"paid_q{i}" for i in range(1, 5)),
    *(f"tds_q{i}" for i in range(1, 5)),
    "paid_total",
    "tds_total",
}


def part_truth(truth: Truth, page: int) -> Truth:
    """What one page alone shows: Part A on page 1, Part B on page 2."""
    return {k: v for k, v in truth.items() if (k in _PART_A_FIELDS) == (page == 1)}


def sample(rng: random.Random, kind: str, index: int = 0) -> Sample:
    """kind: text-pdf | scanned-pdf | tiff | jpeg | png."""
    form = random_form16(rng)
    if kind == "text-pdf":
        return Sample(
            f"{index:03d}-text.pdf", form16_pdf(form), "application/pdf", form.truth, 2, None
        )
    scan = random_scan(rng)
    pages = scanned_pages(form, scan)
    if kind == "scanned-pdf":
        return Sample(
            f"{index:03d}-scan.pdf",
            image_pdf(pages, scan.dpi),
            "application/pdf",
            form.truth,
            2,
            scan,
        )
    if kind == "tiff":
        return Sample(
            f"{index:03d}-scan.tiff", tiff(pages, scan.dpi), "image/tiff", form.truth, 2, scan
        )
    page_no = rng.choice((1, 2))
    fmt = "JPEG" if kind == "jpeg" else "PNG"
    return Sample(
        f"{index:03d}-page{page_no}.{kind}",
        single_image(pages[page_no - 1], fmt, scan.dpi),
        "image/jpeg" if kind == "jpeg" else "image/png",
        part_truth(form.truth, page_no),
        1,
        scan,
    )


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else "form16-samples")
    count = int(argv[2]) if len(argv) > 2 else 5
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(16)
    kinds = ("text-pdf", "scanned-pdf", "tiff", "jpeg", "png")
    for i in range(count):
        s = sample(rng, kinds[i % len(kinds)], i)
        (out / s.name).write_bytes(s.data)
        print(s.name, s.scan)


if __name__ == "__main__":
    main(sys.argv)
