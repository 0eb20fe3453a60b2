"""Throughput of the tax engine: `compute` (both regimes) per second on one core.

Builds a varied batch of ~5,000 input documents (every assessment year, ages across the
three old-regime bands, salary from nothing to crores, house property, other sources,
family pension, s.111A/s.112A gains on both sides of 23 July 2024, Chapter VI-A claims,
TDS, refunds, advance-tax instalments with interest under ss.234A/B/C, late returns
with the s.234F fee, updated returns with the s.140B additional tax, tax year 2026-27, HRA,
80E/80DDB/80U/80G and interest on a let-out property), decodes them once, and times
`compute` over the batch. The mix of payments and filing dates follows filings (mostly TDS
covering the tax): see `_pay_and_file`. The baseline, measured in the same process, is
msgspec decoding the same documents into `TaxInput`: the floor under any request that
carries one.

    python -m benchmarks.tax_engine
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import msgspec

from benchmarks._report import emit, median_rate
from domain.tax import InvalidTaxInput, TaxInput, compute, decode_input

BATCH = 5_000
YEARS = ("2024-25", "2025-26", "2026-27", "2027-28")


def _date_in(rng: random.Random, start: dt.date, end: dt.date) -> str:
    return (start + dt.timedelta(days=rng.randint(0, (end - start).days))).isoformat()


def _amount(rng: random.Random, low: int, high: int) -> int:
    """Log-uniform between low and high: most incomes are modest, some are huge."""
    return int(low * (high / low) ** rng.random())


def _salary(rng: random.Random) -> int:
    """A filing population: most salaries below 15 lakh, a tail past 2 crore."""
    tier = rng.random()
    if tier < 0.60:
        return _amount(rng, 250_000, 1_500_000)
    if tier < 0.85:
        return _amount(rng, 1_500_000, 5_000_000)
    if tier < 0.97:
        return _amount(rng, 5_000_000, 20_000_000)
    return _amount(rng, 20_000_000, 100_000_000)


def varied_document(rng: random.Random) -> dict[str, Any]:
    year = rng.choice(YEARS)
    ay = int(year[:4])
    py_start, py_end = dt.date(ay - 1, 4, 1), dt.date(ay, 3, 31)
    doc: dict[str, Any] = {"assessment_year": year, "age": rng.choice((28, 35, 45, 59, 60, 70, 81))}
    if rng.random() < 0.85:
        gross = _salary(rng)
        doc["salary"] = {
            "gross": gross,
            "exempt_allowances": rng.choice((0, 0, gross // 10)),
            "professional_tax": rng.choice((0, 2_400, 2_500)),
            "employer_nps": rng.choice((0, 0, gross // 12)),
            "family_pension": rng.choice((0,) * 9 + (90_000,)),
        }
        if rng.random() < 0.3:
            basic = gross * 2 // 5
            doc["salary"]["house_rent"] = {
                "basic_da": basic,
                "hra_received": basic // 2,
                "rent_paid": _amount(rng, 60_000, 900_000),
                "metro": rng.random() < 0.5,
            }
    if rng.random() < 0.35:
        doc["house_property"] = {
            "self_occupied_interest": rng.choice((0, 150_000, 240_000)),
            "let_out_income": rng.choice((0, 0, _amount(rng, 60_000, 1_200_000))),
            "let_out_interest": rng.choice((0, 0, 0, 180_000)),
        }
    if rng.random() < 0.7:
        doc["other_sources"] = {
            "savings_interest": _amount(rng, 100, 60_000),
            "other": rng.choice((0, _amount(rng, 1_000, 2_000_000))),
        }
    if rng.random() < 0.3:
        doc["capital_gains"] = [
            {
                "section": rng.choice(("111A", "112A")),
                "amount": _amount(rng, 1_000, 5_000_000),
                "transfer_date": _date_in(rng, py_start, py_end),
            }
            for _ in range(rng.randint(1, 3))
        ]
    if rng.random() < 0.6:
        doc["deductions"] = {
            "80C": rng.choice((0, 50_000, 150_000, 200_000)),
            "80CCD(1B)": rng.choice((0, 50_000)),
            "80D_self": rng.choice((0, 25_000, 40_000)),
            "80D_parents": rng.choice((0, 30_000, 50_000)),
            "parents_senior": rng.random() < 0.5,
            "80TTA": rng.choice((0, 10_000)),
            "80TTB": rng.choice((0, 50_000)),
        }
        if rng.random() < 0.3:
            doc["deductions"] |= {
                "80E": rng.choice((0, 60_000)),
                "80DDB": rng.choice((0, 40_000)),
                "80U": rng.choice((None, None, "disability")),
                "80G": [{"amount": 25_000, "percent": 50, "qualifying_limit": True}],
            }
    _pay_and_file(rng, doc, py_start, py_end, ay)
    return doc


def _pay_and_file(
    rng: random.Random, doc: dict[str, Any], py_start: dt.date, py_end: dt.date, ay: int
) -> None:
    """Taxes paid and filing date as filings have them: mostly TDS that covers the tax.

    55 % TDS equal to the tax (nil balance), 15 % a refund, 20 % a balance with advance-tax
    instalments and self-assessment tax, 10 % nothing paid; 55 % no filing date (filed on the
    due date), 30 % filed early, 10 % late, 5 % updated returns.
    """
    draft = compute(decode_input(msgspec.json.encode(doc)))
    chosen = draft.old if draft.recommended == "old" else draft.new
    tax = chosen.total_tax
    kind = rng.random()
    if kind < 0.55:
        doc["taxes_paid"] = {"tds": tax}
    elif kind < 0.70:
        doc["taxes_paid"] = {"tds": tax + _amount(rng, 500, 50_000)}
    elif kind < 0.90:
        doc["taxes_paid"] = {
            "tds": int(tax * rng.uniform(0.3, 0.8)),
            "advance_tax": [
                {"date": _date_in(rng, py_start, py_end), "amount": _amount(rng, 1_000, 500_000)}
                for _ in range(rng.randint(1, 4))
            ],
            "self_assessment": rng.choice((0, 5_000, 25_000)),
        }
    due = dt.date(ay, 9, 16) if ay == 2025 else dt.date(ay, 7, 31)
    when = rng.random()
    if when < 0.30:
        doc["filing_date"] = _date_in(rng, dt.date(ay, 4, 1), due)
    elif when < 0.40:
        doc["filing_date"] = _date_in(rng, due + dt.timedelta(days=1), dt.date(ay, 12, 31))
    elif when < 0.45:
        # An updated return (s.139(8A)); dropped when the law refuses it (a refund).
        doc["filing_date"] = _date_in(rng, dt.date(ay + 1, 1, 1), dt.date(ay + 5, 3, 31))
        try:
            compute(decode_input(msgspec.json.encode(doc)))
        except InvalidTaxInput:
            del doc["filing_date"]


def varied_documents(n: int = BATCH, seed: int = 20260401) -> list[bytes]:
    rng = random.Random(seed)
    return [msgspec.json.encode(varied_document(rng)) for _ in range(n)]


def main() -> None:
    documents = varied_documents()
    inputs: list[TaxInput] = [decode_input(d) for d in documents]
    decoder = msgspec.json.Decoder(TaxInput)

    def decode_all() -> int:
        for d in documents:
            decoder.decode(d)
        return len(documents)

    def compute_all() -> int:
        for inp in inputs:
            compute(inp)
        return len(inputs)

    compute_all()  # warm up
    baseline = median_rate(decode_all, repeats=7)
    rate = median_rate(compute_all, repeats=7)
    emit("tax_engine", "computations_per_s", rate, baseline, target=20_000)
    emit(
        "tax_engine",
        "batch_recompute_s_per_million",
        1_000_000 / rate,
        1_000_000 / baseline,
        target=60,
    )


if __name__ == "__main__":
    main()
