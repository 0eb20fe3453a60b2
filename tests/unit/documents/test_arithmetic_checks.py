"""The form's own arithmetic: a misread number is flagged or derived back, never silent."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from domain.documents.checks import RULES, reconcile
from domain.documents.fields import AMOUNT_FIELDS, REVIEW_BELOW, ExtractedField
from tests.documents.form16_generator import random_form16

seeds = st.integers(min_value=0, max_value=10_000)
confidences = st.floats(min_value=0.05, max_value=1.0)
amount_names = st.sampled_from(sorted(AMOUNT_FIELDS))


def read(truth: dict[str, object], conf: float = 0.95) -> dict[str, ExtractedField]:
    return {
        name: ExtractedField(value=value, confidence=conf, page=1, line=i + 1, text=str(value))
        for i, (name, value) in enumerate(truth.items())
        if isinstance(value, int)
    }


def test_every_amount_is_in_some_rule() -> None:
    assert {m for r in RULES for m in r.members} == set(AMOUNT_FIELDS)


@given(seeds)
def test_a_consistent_form_is_confirmed_throughout(seed: int) -> None:
    truth = random_form16(random.Random(seed)).truth
    fields, problems = reconcile(read(truth, 0.6))
    assert problems == []
    assert all(f.confidence >= 0.97 for f in fields.values())


@given(seeds, amount_names, st.integers(min_value=1, max_value=10**6), st.data())
def test_one_misread_number_is_never_silently_wrong(
    seed: int, name: str, delta: int, data: st.DataObject
) -> None:
    truth = random_form16(random.Random(seed)).truth
    fields = read(truth)
    # Whatever the reader's confidences, right or wrong.
    for key in list(fields):
        fields[key] = ExtractedField(
            value=fields[key].value, confidence=data.draw(confidences), page=1, line=1, text=""
        )
    wrong = fields[name]
    fields[name] = ExtractedField(
        value=int(wrong.value) + delta, confidence=wrong.confidence, page=1, line=1, text=""
    )
    out, problems = reconcile(fields)
    for key, f in out.items():
        if f.value != truth[key]:
            assert f.confidence < REVIEW_BELOW, (key, f, truth[key])
    # Caught: reported as a problem, corrected, or at least sent to the taxpayer for review.
    assert problems or out[name].value == truth[name] or out[name].confidence < REVIEW_BELOW


@given(seeds, amount_names, st.integers(min_value=1, max_value=10**6))
def test_one_unsure_misreading_among_sure_ones_is_derived_back(
    seed: int, name: str, delta: int
) -> None:
    truth = random_form16(random.Random(seed)).truth
    fields = read(truth, 0.95)
    fields[name] = ExtractedField(
        value=int(truth[name]) + delta, confidence=0.4, page=2, line=7, text="x"
    )
    out, _ = reconcile(fields)
    assert out[name].value == truth[name]
    assert out[name].confidence < REVIEW_BELOW  # derived: a person confirms it
    assert "derived" in (out[name].note or "")
    assert (out[name].page, out[name].line) == (2, 7)  # where the misreading was


@given(seeds, amount_names)
def test_a_number_that_could_not_be_read_is_derived(seed: int, name: str) -> None:
    truth = random_form16(random.Random(seed)).truth
    fields = read(truth)
    del fields[name]
    out, problems = reconcile(fields)
    assert out[name].value == truth[name] and out[name].confidence < REVIEW_BELOW
    assert problems == []
