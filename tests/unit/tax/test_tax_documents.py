"""Decoding with field-named errors, and results that survive encoding."""

from __future__ import annotations

import msgspec
import pytest

from domain.tax import (
    InvalidTaxInput,
    TaxResult,
    compute,
    decode_input,
    decode_result,
    encode_result,
    input_from_builtins,
    result_from_builtins,
    result_to_builtins,
)


def error_for(data: bytes) -> InvalidTaxInput:
    with pytest.raises(InvalidTaxInput) as caught:
        decode_input(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b'{"assessment_year": "2025-26", "salary": {"gross": -1}}', "$.salary.gross"),
        (b'{"assessment_year": "2025-26", "salary": {"bonus": 1}}', "$.salary.bonus"),
        (b'{"assessment_year": "2025-26", "bonus": 1}', "$.bonus"),
        (b'{"assessment_year": "2023-24"}', "$.assessment_year"),
        (b"{}", "$.assessment_year"),
        (b'{"assessment_year": "2025-26", "filing_date": "2025-02-30"}', "$.filing_date"),
        (b'{"assessment_year": "2025-26", "deductions": {"80C": "x"}}', "$.deductions.80C"),
        (
            b'{"assessment_year": "2025-26", "capital_gains": [{"section": "111A", "amount": 1}]}',
            "$.capital_gains[0].transfer_date",
        ),
        (
            b'{"assessment_year": "2025-26", "capital_gains": [{"section": "112", "amount": 1,'
            b' "transfer_date": "2024-05-05"}]}',
            "$.capital_gains[0].section",
        ),
        (b'{"assessment_year": "2025-26", "age": 1.5}', "$.age"),
        (b"[]", "$"),
        (b'{"assessment_year": ', "$"),
        (b"not json", "$"),
    ],
)
def test_malformed_documents_name_the_field(data: bytes, field: str) -> None:
    error = error_for(data)
    assert error.field == field
    assert isinstance(error, ValueError)
    assert error.message


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (
            {
                "assessment_year": "2025-26",
                "capital_gains": [
                    {"section": "111A", "amount": 1, "transfer_date": "2024-04-01"},
                    {"section": "111A", "amount": 1, "transfer_date": "2025-04-01"},
                ],
            },
            "$.capital_gains[1].transfer_date",
        ),
        (
            {
                "assessment_year": "2026-27",
                "capital_gains": [{"section": "112A", "amount": 1, "transfer_date": "2025-03-31"}],
            },
            "$.capital_gains[0].transfer_date",
        ),
        (
            {
                "assessment_year": "2024-25",
                "taxes_paid": {"advance_tax": [{"date": "2024-04-01", "amount": 5}]},
            },
            "$.taxes_paid.advance_tax[0].date",
        ),
        ({"assessment_year": "2024-25", "filing_date": "2024-03-31"}, "$.filing_date"),
        ({"assessment_year": "2024-25", "filing_date": "2029-04-01"}, "$.filing_date"),
        (
            {"assessment_year": "2024-25", "filing_date": "2025-01-01", "return_type": "belated"},
            "$.filing_date",
        ),
        (
            {"assessment_year": "2024-25", "salary": {"gross": 10, "exempt_allowances": 11}},
            "$.salary.exempt_allowances",
        ),
        (
            {"assessment_year": "2024-25", "salary": {"gross": 10, "employer_nps": 11}},
            "$.salary.employer_nps",
        ),
    ],
)
def test_semantic_errors_name_the_field(document: dict[str, object], field: str) -> None:
    assert error_for(msgspec.json.encode(document)).field == field
    with pytest.raises(InvalidTaxInput):
        input_from_builtins(document)


def test_compute_rechecks_a_struct_built_in_code() -> None:
    inp = decode_input(b'{"assessment_year": "2025-26"}')
    bad = msgspec.structs.replace(inp, filing_date=__import__("datetime").date(2030, 4, 1))
    with pytest.raises(InvalidTaxInput):
        compute(bad)


def test_error_pickles_and_prints_the_field() -> None:
    import pickle

    error = error_for(b'{"assessment_year": "2025-26", "salary": {"gross": -1}}')
    again = pickle.loads(pickle.dumps(error))
    assert again.field == error.field
    assert "$.salary.gross" in str(error)


def sample() -> TaxResult:
    return compute(
        decode_input(
            b'{"assessment_year": "2025-26", "age": 45, "salary": {"gross": 2500000},'
            b' "capital_gains": [{"section": "112A", "amount": 300000,'
            b' "transfer_date": "2024-09-09"}], "deductions": {"80C": 150000},'
            b' "taxes_paid": {"tds": 300000}, "filing_date": "2025-10-01"}'
        )
    )


def test_result_json_shape() -> None:
    data = msgspec.json.decode(encode_result(sample()))
    assert set(data) == {
        "assessment_year",
        "old",
        "new",
        "recommended",
        "itr_form",
        "return_type",
        "return_type_reason",
    }
    for regime in ("old", "new"):
        for key in (
            "gross_total_income",
            "deductions",
            "total_income",
            "slab_tax",
            "special_rate_tax",
            "rebate_87a",
            "marginal_relief",
            "surcharge",
            "cess",
            "total_tax",
            "taxes_paid",
            "interest_234a",
            "interest_234b",
            "interest_234c",
            "fee_234f",
            "net_payable",
            "breakdown",
        ):
            assert key in data[regime]
        for step in data[regime]["breakdown"]:
            assert set(step) == {"step", "detail", "amount"}
            assert isinstance(step["amount"], int)
    assert data["recommended"] in ("old", "new")
    assert data["itr_form"]["form"] == "ITR-2"
    assert data["itr_form"]["reasons"]


def test_result_round_trips_through_json_and_builtins() -> None:
    result = sample()
    assert decode_result(encode_result(result)) == result
    builtins = result_to_builtins(result)
    assert isinstance(builtins, dict)
    assert result_from_builtins(builtins) == result
    assert msgspec.convert(builtins, TaxResult) == result


def test_liability_adds_up() -> None:
    for regime in (sample().old, sample().new):
        assert regime.total_liability == (
            regime.total_tax
            + regime.interest_234a
            + regime.interest_234b
            + regime.interest_234c
            + regime.fee_234f
        )
        unrounded = regime.total_liability - regime.taxes_paid
        assert abs(regime.net_payable - unrounded) <= 5
