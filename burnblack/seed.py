"""Synthetic filings for load tests, benchmarks and rebuild drills: realistic event streams
(start, income, deductions, computation by the real engine, submission) saved in batches."""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from collections.abc import Callable

import msgspec

from commands.filings import FilingsApplication
from domain.filing import Filing, IncomeDeclaration
from domain.tax import compute, encode_result
from domain.tax.inputs import Deductions, OtherSources, Salary

_META = {"actor": "seed", "correlation_id": "seed", "causation_id": "seed"}


def random_pan(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return (
        "".join(rng.choices(letters, k=3))
        + "P"
        + rng.choice(letters)
        + "".join(rng.choices(string.digits, k=4))
        + rng.choice(letters)
    )


def synthetic_filing(rng: random.Random, owner_id: str) -> Filing:
    """One filing at a random point of its life, with events exactly as the commands make."""
    f = Filing.start(owner_id, random_pan(rng), "2026-27", _META)
    stage = rng.random()
    if stage < 0.1:
        return f
    f.declare_income(
        IncomeDeclaration(
            age=rng.randint(22, 85),
            salary=Salary(gross=rng.randrange(0, 6_000_000, 1000)),
            other_sources=OtherSources(savings_interest=rng.randrange(0, 60_000, 100)),
        ),
        _META,
    )
    if rng.random() < 0.5:
        f.claim_deductions(Deductions(c80=rng.randrange(0, 200_000, 500)), _META)
    if stage < 0.25:
        return f
    day = dt.date(2026, 7, 1)
    f.request_computation(day, _META)
    if stage < 0.35:
        return f
    assert f.requested_version is not None
    result = msgspec.json.decode(encode_result(compute(f.tax_input_for(day))))
    f.record_computation(f.requested_version, result, _META)
    if stage < 0.6:
        return f
    f.submit(rng.choice(["old", "new"]), f"{rng.randrange(10**15):015d}", day, _META)
    if stage > 0.8:
        f.e_verify("aadhaar_otp", day, _META)
    return f


def seed_filings(
    app: FilingsApplication,
    count: int,
    owners: list[str] | None = None,
    seed: int = 2026,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
) -> list[uuid.UUID]:
    rng = random.Random(seed)
    owner_ids = owners or [f"seed-owner-{i}" for i in range(max(1, count // 5))]
    ids: list[uuid.UUID] = []
    pending: list[Filing] = []
    for i in range(count):
        pending.append(synthetic_filing(rng, owner_ids[i % len(owner_ids)]))
        if len(pending) >= batch or i == count - 1:
            app.save(*pending)  # one transaction (one table lock) for the whole batch
            ids.extend(f.id for f in pending)
            pending = []
            if progress is not None:
                progress(len(ids))
    return ids
