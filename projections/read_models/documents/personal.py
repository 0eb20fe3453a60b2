"""The documents' personal fields, sealed with their owner's data key (as the filings':
projections/read_models/filings/personal.py).

What a Form 16 says (`fields`: amounts, the employer's name, PANs masked) and what was wrong
with it (`problems`, which quote fields) are stored in one value, `sealed`, with the owner's
key; the clear columns hold NULL and `[]`. A row whose key was destroyed reads with no
fields (the erasure deletes the documents' rows anyway: projections/erasure.py).
"""

from __future__ import annotations

from typing import Any

import msgspec

from projections.read_models.sealing import FieldSeal

SEALED_FIELDS = ("fields", "problems")
_encode = msgspec.json.encode
_decode = msgspec.json.decode


def seal_row(row: dict[str, Any], seal: FieldSeal) -> dict[str, Any]:
    """The row as stored: `fields` and `problems` sealed into `sealed`."""
    out = dict(row)
    out["fields"], out["problems"], out["sealed"] = None, [], None
    if row["fields"] is None and not row["problems"]:
        return out
    packed = _encode({"fields": row["fields"], "problems": row["problems"] or []})
    out["sealed"] = seal.seal(str(row["owner_id"]), packed)  # None: the owner was erased
    return out


def open_row(row: dict[str, Any], seal: FieldSeal) -> dict[str, Any]:
    """A stored row with `fields` and `problems` back (rows written before sealing have them
    in clear and are taken as they are)."""
    out = dict(row)
    value = out.pop("sealed", None)
    if value is None:
        return out
    plain = seal.open(bytes(value))
    if plain is None:
        out["fields"], out["problems"] = None, []
        return out
    opened = _decode(plain)
    out["fields"], out["problems"] = opened["fields"], opened["problems"]
    return out
