"""Which columns of the filing read models are the taxpayer's own, and how a row's are
sealed on the way into a table and opened on the way out (projections/read_models/sealing.py).

In memory (the fold, the views) a row has its personal values in their own keys. In the
tables they are NULL and live sealed in two values: `personal` (income, deductions, the
computation: the summary only) and `totals` (the acknowledgement and the tax: the summary and
the owner's list, which shows them). `redacted` marks a row whose owner was erased: it keeps
its structure (status, year, versions, positions, times) for auditors and the counts, and
nothing else (`pan_masked` reads as domain.erasure.REDACTED).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from domain.erasure import REDACTED
from projections.read_models.sealing import FieldSeal

PERSONAL = ("income", "deductions", "computation")
TOTALS = ("acknowledgement", "total_tax")
SEALED = ("personal", "totals")

_split = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode = msgspec.json.decode
_encode = msgspec.json.encode
_NULL = b"null"


def _pack(row: dict[str, Any], names: Sequence[str]) -> bytes | None:
    if all(row[n] is None for n in names):
        return None
    return _encode({n: row[n] for n in names})


def redact(row: dict[str, Any]) -> dict[str, Any]:
    """The row as an erasure leaves it (the same in memory and stored)."""
    row = dict(row)
    for name in (*PERSONAL, *TOTALS):
        if name in row:
            row[name] = None
    for name in SEALED:
        row[name] = None
    if "pan_masked" in row:
        row["pan_masked"] = REDACTED
    row["redacted"] = True
    return row


def sealed(row: dict[str, Any], seal: FieldSeal) -> dict[str, Any]:
    """A folded row as stored: personal values sealed with the owner's key; a row whose owner
    was erased (no key any more) is stored redacted."""
    if row["redacted"]:
        return redact(row)
    out = dict(row)
    owner = row["owner_id"]
    for column, names in (("personal", PERSONAL), ("totals", TOTALS)):
        packed = _pack(row, names)
        if packed is None:
            out[column] = None
        else:
            value = seal.seal(owner, packed)
            if value is None:
                return redact(row)
            out[column] = value
        for name in names:
            out[name] = None
    return out


def _unpack(value: bytes, names: Iterable[str], into: dict[str, Any], raw: bool) -> None:
    parts = _split(value)
    for name in names:
        part = parts.get(name)
        if part is None or bytes(part) == _NULL:
            into[name] = None
        elif raw and name in PERSONAL:
            into[name] = part  # JSON passes through undecoded
        else:
            into[name] = _decode(part)


def opened(row: dict[str, Any], seal: FieldSeal, *, raw: bool = True) -> dict[str, Any]:
    """A stored row with its personal values back in their keys (`raw`: the JSON documents
    as msgspec.Raw, else decoded). A row written before sealing has them in clear and is
    taken as it is; a row whose key was destroyed reads redacted."""
    if row.get("redacted"):
        return redact(row)
    out = dict(row)
    for column, names in (("personal", PERSONAL), ("totals", TOTALS)):
        value = out.pop(column, None)
        if value is None:
            continue  # nothing sealed: the clear columns say it (or all NULL)
        plain = seal.open(bytes(value))
        if plain is None:
            return redact(row)
        _unpack(plain, [n for n in names if n in out], out, raw)
    return out
