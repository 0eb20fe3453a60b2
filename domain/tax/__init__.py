"""Burnblack's income-tax engine for resident individuals, AY 2024-25 to 2026-27 and tax
year 2026-27 (AY 2027-28): original, belated, revised and updated returns.

Pure code: whole rupees in, whole rupees out, both regimes computed every time.

    inp = decode_input(b'{"assessment_year": "2026-27", "salary": {"gross": 1275000}}')
    result = compute(inp)          # TaxResult: old, new, recommended, itr_form
    encode_result(result)          # JSON bytes
    result_to_builtins(result)     # dict, for events
"""

from domain.tax.documents import (
    decode_input,
    decode_result,
    encode_result,
    input_from_builtins,
    result_from_builtins,
    result_to_builtins,
)
from domain.tax.engine import compute
from domain.tax.errors import InvalidTaxInput
from domain.tax.inputs import SUPPORTED_ASSESSMENT_YEARS, TaxInput
from domain.tax.result import ItrFormChoice, RegimeResult, Step, TaxResult
from domain.tax.return_types import (
    ReturnNotAllowed,
    ReturnType,
    ReturnTypeDecision,
    ReturnWindow,
    additional_tax_140b,
    classify_return,
    windows,
)

__all__ = [
    "SUPPORTED_ASSESSMENT_YEARS",
    "InvalidTaxInput",
    "ItrFormChoice",
    "RegimeResult",
    "ReturnNotAllowed",
    "ReturnType",
    "ReturnTypeDecision",
    "ReturnWindow",
    "Step",
    "TaxInput",
    "TaxResult",
    "additional_tax_140b",
    "classify_return",
    "compute",
    "decode_input",
    "decode_result",
    "encode_result",
    "input_from_builtins",
    "result_from_builtins",
    "result_to_builtins",
    "windows",
]
