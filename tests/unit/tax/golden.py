"""A golden record of the tax engine: thousands of varied returns and what `compute` gave.

`engine_golden.json` was written by the engine as it stood before its restructuring into
named stages (main at 631a4b3); `test_tax_golden.py` asserts that the engine still gives
every one of those results, to the rupee and to the last character of the breakdown.

The documents come from a seeded generator over the variety the engine handles: every
assessment year, both regimes, every head of income, s.111A/s.112A gains on both sides of
23 July 2024, incomes near every rebate and surcharge threshold and far into every surcharge
band, ages either side of 60 and 80, every Chapter VI-A section, advance tax, late, belated,
revised and updated returns with earlier returns (refused ones included: their errors are
recorded too). The generator does not use the engine, and the fixture stores the documents,
so the test does not depend on the generator staying the same.

Regenerate only from an engine whose results are known to be right:

    python -m tests.unit.tax.golden            # writes tests/unit/tax/engine_golden.json
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import msgspec

from domain.tax import InvalidTaxInput, TaxInput, TaxResult, compute, encode_result

FIXTURE = Path(__file__).with_name("engine_golden.json")
SEED = 15_2026
CASES = 5_000
YEARS = ("2024-25", "2025-26", "2026-27", "2027-28")
LAKH = 100_000
CRORE = 100 * LAKH
DUE = {
    "2024-25": dt.date(2024, 7, 31),
    "2025-26": dt.date(2025, 9, 16),
    "2026-27": dt.date(2026, 7, 31),
    "2027-28": dt.date(2027, 7, 31),
}
# Taxable-income thresholds: rebates (5, 7, 12 lakh), slab edges, surcharge bands.
THRESHOLDS = (
    2_50_000,
    3 * LAKH,
    4 * LAKH,
    5 * LAKH,
    7 * LAKH,
    8 * LAKH,
    10 * LAKH,
    12 * LAKH,
    15 * LAKH,
    24 * LAKH,
    50 * LAKH,
    CRORE,
    2 * CRORE,
    5 * CRORE,
)


def _log(rng: random.Random, low: int, high: int) -> int:
    return int(low * (high / low) ** rng.random())


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _salary(rng: random.Random) -> int:
    tier = rng.random()
    if tier < 0.08:
        return 0
    if tier < 0.30:  # near a threshold, after either standard deduction
        edge = rng.choice(THRESHOLDS) + rng.choice((0, 50_000, 75_000))
        return max(0, edge + rng.randint(-60_000, 250_000))
    if tier < 0.36:  # just above the new regime's s.87A limit: its marginal relief
        return (
            rng.choice((7 * LAKH, 12 * LAKH))
            + rng.choice((50_000, 75_000))
            + rng.randint(0, 90_000)
        )
    if tier < 0.45:  # just above a threshold: where the marginal reliefs work
        edge = rng.choice(THRESHOLDS) + rng.choice((0, 50_000, 75_000))
        return edge + rng.randint(-2_000, 60_000)
    if tier < 0.75:
        return _log(rng, 1 * LAKH, 30 * LAKH)
    if tier < 0.93:
        return _log(rng, 30 * LAKH, 3 * CRORE)
    return _log(rng, 3 * CRORE, 15 * CRORE)


def _salary_section(rng: random.Random, gross: int) -> dict[str, Any]:
    salary: dict[str, Any] = {"gross": gross}
    if gross and rng.random() < 0.5:
        salary["exempt_allowances"] = rng.choice((0, gross // 20, gross // 8, gross))
    if rng.random() < 0.5:
        salary["professional_tax"] = rng.choice((0, 1_200, 2_400, 2_500, 3_000))
    if gross and rng.random() < 0.3:
        salary["employer_nps"] = rng.randint(0, gross // 5)
    if rng.random() < 0.12:
        salary["family_pension"] = rng.choice((12_000, 45_000, 90_000, 3 * LAKH))
    if gross and rng.random() < 0.25:
        basic = gross * rng.choice((3, 4, 5)) // 10
        salary["house_rent"] = {
            "basic_da": basic,
            "hra_received": rng.choice((0, basic // 5, basic // 2, min(basic, gross))),
            "rent_paid": _log(rng, 10_000, 12 * LAKH),
            "metro": rng.random() < 0.5,
        }
    return salary


def _house_property(rng: random.Random) -> dict[str, Any]:
    return {
        "self_occupied_interest": rng.choice((0, 0, 90_000, 2 * LAKH, 3_50_000)),
        "let_out_income": rng.choice((0, 0, _log(rng, 20_000, 40 * LAKH))),
        "let_out_interest": rng.choice((0, 0, 0, 1_80_000, 6 * LAKH, 15 * LAKH)),
    }


def _gains(rng: random.Random, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    gains = []
    for _ in range(rng.randint(1, 4)):
        size = rng.random()
        if size < 0.4:
            amount = _log(rng, 100, 1_50_000)
        elif size < 0.85:
            amount = _log(rng, 1_00_000, CRORE)
        else:
            amount = _log(rng, CRORE, 8 * CRORE)
        when = _day(rng, start, end)
        if start.year == 2024 and rng.random() < 0.3:  # either side of 23 July 2024
            when = rng.choice((dt.date(2024, 7, 22), dt.date(2024, 7, 23)))
        gains.append(
            {
                "section": rng.choice(("111A", "112A")),
                "amount": amount,
                "transfer_date": when.isoformat(),
            }
        )
    return gains


def _deductions(rng: random.Random, hra: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "80C": rng.choice((0, 40_000, 1_50_000, 2_50_000)),
        "80CCD(1B)": rng.choice((0, 20_000, 50_000, 80_000)),
        "80D_self": rng.choice((0, 15_000, 25_000, 60_000)),
        "80D_parents": rng.choice((0, 25_000, 60_000)),
        "parents_senior": rng.random() < 0.5,
        "80TTA": rng.choice((0, 4_000, 10_000, 25_000)),
        "80TTB": rng.choice((0, 20_000, 50_000, 90_000)),
    }
    if rng.random() < 0.5:
        d |= {
            "80E": rng.choice((0, 60_000, 4 * LAKH)),
            "80EEA": rng.choice((0, 90_000, 2 * LAKH)),
            "80DD": rng.choice((None, "disability", "severe")),
            "80U": rng.choice((None, "disability", "severe")),
            "80DDB": rng.choice((0, 30_000, 1_20_000)),
            "80DDB_senior": rng.random() < 0.5,
            "80G": [
                {
                    "amount": _log(rng, 1_000, 20 * LAKH),
                    "percent": rng.choice((100, 50)),
                    "qualifying_limit": rng.random() < 0.5,
                }
                for _ in range(rng.randint(0, 4))
            ],
        }
        if not hra or rng.random() < 0.05:  # 80GG with HRA is refused: a few such cases
            d["80GG_rent_paid"] = rng.choice((0, 50_000, 2 * LAKH, 9 * LAKH))
    return d


def _taxes_paid(rng: random.Random, start: dt.date, end: dt.date) -> dict[str, Any]:
    instalment_days = (
        dt.date(start.year, 6, 15),
        dt.date(start.year, 9, 15),
        dt.date(start.year, 12, 15),
        dt.date(end.year, 3, 15),
    )
    paid: dict[str, Any] = {"tds": rng.choice((0, _log(rng, 1_000, 2 * CRORE)))}
    if rng.random() < 0.5:
        paid["advance_tax"] = [
            {
                "date": (
                    rng.choice(instalment_days) if rng.random() < 0.4 else _day(rng, start, end)
                ).isoformat(),
                "amount": _log(rng, 1_000, 50 * LAKH),
            }
            for _ in range(rng.randint(1, 5))
        ]
    if rng.random() < 0.3:
        paid["self_assessment"] = _log(rng, 100, 20 * LAKH)
    return paid


def _filing(rng: random.Random, year: str, doc: dict[str, Any]) -> None:
    ay = int(year[:4])
    due = DUE[year]
    ay_start = dt.date(ay, 4, 1)
    belated_end = dt.date(ay, 12, 31)
    kind = rng.random()
    if kind < 0.30:
        return  # filed on the due date
    if kind < 0.50:
        doc["filing_date"] = rng.choice((_day(rng, ay_start, due), due)).isoformat()
    elif kind < 0.65:
        doc["filing_date"] = _day(rng, due + dt.timedelta(days=1), belated_end).isoformat()
    elif kind < 0.75:  # a first return after 31 December: updated
        doc["filing_date"] = _day(
            rng, belated_end + dt.timedelta(days=1), dt.date(ay + 5, 3, 31)
        ).isoformat()
    else:  # revises or updates an earlier return
        first = _day(rng, ay_start, rng.choice((due, belated_end)))
        later = _day(rng, first, dt.date(ay + rng.choice((1, 1, 2, 5)), 3, 31))
        doc["filing_date"] = later.isoformat()
        doc["earlier_return"] = {
            "acknowledgement": f"ACK{rng.randint(10**8, 10**9)}",
            "filed_on": first.isoformat(),
            "total_tax": rng.choice((0, _log(rng, 100, 50 * LAKH))),
            "interest": rng.choice((0, 0, _log(rng, 100, 2 * LAKH))),
            "taxes_paid": rng.choice((0, _log(rng, 100, 60 * LAKH))),
            "refund": rng.choice((0, 0, 0, _log(rng, 100, 5 * LAKH))),
        }
    if rng.random() < 0.15:
        doc["return_type"] = rng.choice(("original", "belated", "revised", "updated"))


def document(rng: random.Random) -> dict[str, Any]:
    year = rng.choice(YEARS)
    ay = int(year[:4])
    start, end = dt.date(ay - 1, 4, 1), dt.date(ay, 3, 31)
    doc: dict[str, Any] = {
        "assessment_year": year,
        "age": rng.choice((25, 35, 45, 59, 60, 61, 70, 79, 80, 81, 90, rng.randint(18, 100))),
    }
    gross = _salary(rng)
    if gross or rng.random() < 0.3:
        doc["salary"] = _salary_section(rng, gross)
    if rng.random() < 0.35:
        doc["house_property"] = _house_property(rng)
    if rng.random() < 0.6:
        doc["other_sources"] = {
            "savings_interest": rng.choice((0, _log(rng, 100, 80_000))),
            "other": rng.choice((0, 0, _log(rng, 1_000, 2 * CRORE))),
        }
    if rng.random() < 0.4:
        doc["capital_gains"] = _gains(rng, start, end)
    if rng.random() < 0.6:
        hra = bool(doc.get("salary", {}).get("house_rent", {}).get("hra_received"))
        doc["deductions"] = _deductions(rng, hra)
    if rng.random() < 0.75:
        doc["taxes_paid"] = _taxes_paid(rng, start, end)
    _filing(rng, year, doc)
    return doc


def documents(n: int = CASES, seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [document(rng) for _ in range(n)]


def compact(value: Any) -> Any:
    """`value` as JSON builtins without the fields that hold their default: the same input,
    in a third of the space."""
    if isinstance(value, msgspec.Struct):
        out = {}
        for field in msgspec.structs.fields(value):
            item = getattr(value, field.name)
            if field.default is not msgspec.NODEFAULT and item == field.default:
                continue
            out[field.encode_name] = compact(item)
        return out
    if isinstance(value, tuple):
        return [compact(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def digest(result: TaxResult) -> str:
    """The first 128 bits of the SHA-256 of the encoded result."""
    return hashlib.sha256(encode_result(result)).hexdigest()[:32]


def outcome(doc: dict[str, Any]) -> dict[str, Any]:
    """What the engine gives for `doc`: headline figures and a digest of the whole result
    (breakdown included), or the error it raises."""
    try:
        result: TaxResult = compute(msgspec.convert(doc, TaxInput))
    except InvalidTaxInput as error:
        return {"error": [type(error).__name__, error.message, error.field]}
    old, new = result.old, result.new
    return {
        "old": [old.total_tax, old.total_liability, old.net_payable],
        "new": [new.total_tax, new.total_liability, new.net_payable],
        "recommended": result.recommended,
        "form": result.itr_form.form,
        "sha256": digest(result),
    }


def write(path: Path = FIXTURE) -> None:
    cases = []
    for doc in documents():
        typed = msgspec.convert(doc, TaxInput)
        assert msgspec.convert(compact(typed), TaxInput) == typed
        cases.append({"input": compact(typed), **outcome(doc)})
    lines = ",\n".join(json.dumps(case, separators=(",", ":")) for case in cases)
    path.write_text(
        '{"about":"tax engine results before its restructuring (main 631a4b3): '
        'see tests/unit/tax/golden.py","cases":[\n' + lines + "\n]}\n"
    )


if __name__ == "__main__":
    write()
