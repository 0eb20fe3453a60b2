"""JSON documents in and out: decoding with field-named errors, encoding results.

`decode_input` is the one way in for untrusted bytes: msgspec checks the shape (unknown
keys, negative amounts, unsupported years and malformed dates all fail with the JSON path of
the field), then `validation.check_semantics` checks the year's rules.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from domain.tax.errors import InvalidTaxInput
from domain.tax.inputs import TaxInput
from domain.tax.result import TaxResult
from domain.tax.rules import YEAR_RULES
from domain.tax.validation import check_semantics

_DECODER = msgspec.json.Decoder(TaxInput)
_ENCODER = msgspec.json.Encoder()
_RESULT_DECODER = msgspec.json.Decoder(TaxResult)
_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]*)`")


def _field_error(error: msgspec.ValidationError) -> InvalidTaxInput:
    match = _AT.match(str(error))
    message = match.group("message") if match else str(error)
    path = (match.group("path") if match else None) or "$"
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group('name')}"
    return InvalidTaxInput(message, path)


def decode_input(data: bytes | str) -> TaxInput:
    """Decode and validate one tax input document; `InvalidTaxInput` names the bad field."""
    try:
        inp = _DECODER.decode(data)
    except msgspec.ValidationError as error:
        raise _field_error(error) from None
    except msgspec.DecodeError as error:
        raise InvalidTaxInput(f"malformed JSON: {error}", "$") from None
    check_semantics(inp, YEAR_RULES[inp.assessment_year])
    return inp


def input_from_builtins(data: Any) -> TaxInput:
    """The same checks for a document already parsed into dicts and lists (e.g. an event)."""
    try:
        inp = msgspec.convert(data, TaxInput)
    except msgspec.ValidationError as error:
        raise _field_error(error) from None
    check_semantics(inp, YEAR_RULES[inp.assessment_year])
    return inp


def encode_result(result: TaxResult) -> bytes:
    return _ENCODER.encode(result)


def decode_result(data: bytes | str) -> TaxResult:
    return _RESULT_DECODER.decode(data)


def result_to_builtins(result: TaxResult) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(result)
    return out


def result_from_builtins(data: Any) -> TaxResult:
    return msgspec.convert(data, TaxResult)
