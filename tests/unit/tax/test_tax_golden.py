"""The engine gives, for each of 5,000 varied returns, exactly what it gave before its
restructuring into named stages: the same figures, breakdown and refusals (`golden.py`)."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from tests.unit.tax.golden import CASES, FIXTURE, outcome


@functools.cache
def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["cases"]
    return cases


def test_the_fixture_holds_every_case() -> None:
    assert len(_cases()) == CASES


@pytest.mark.parametrize("chunk", range(10))
def test_results_match_the_engine_before_the_restructuring(chunk: int) -> None:
    cases = _cases()
    size = -(-len(cases) // 10)
    mismatches = []
    for i, case in enumerate(cases[chunk * size : (chunk + 1) * size], start=chunk * size):
        expected = {key: value for key, value in case.items() if key != "input"}
        got = outcome(case["input"])
        if got != expected:
            mismatches.append((i, case["input"], expected, got))
    assert not mismatches, f"{len(mismatches)} results differ; first: {mismatches[0]}"
