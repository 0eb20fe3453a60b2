"""A filing's history as a signed, self-contained file that anyone can check offline.

The bundle holds the bytes *as stored* (compressed, encrypted state), not the plaintext:
checking it needs only the bundle and the operator's public key, never the cipher key, so it
reveals no personal data to the auditor's machine or to wherever the file is copied, and it
keeps verifying after the taxpayer's data is erased (docs/security.md). Who needs the content
reads it through the auditor API, where each read is itself audited.

    {"payload": {"format", "filing_id", "exported_at", "events": [{"version", "topic",
      "state" (base64), "hash" (hex)}], "anchors": [{"day", "version", "hash"}]},
     "public_key": base64, "signature": base64 Ed25519 over the payload's canonical JSON}

Canonical JSON: keys sorted, no spaces, ASCII (`canonical`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from burnblack.audit_keys import public_text
from domain.event_chain import Link, verify_chain

FORMAT = "burnblack-audit-bundle/1"


class BundleError(Exception):
    """Not a bundle this code can read."""


@dataclass
class BundleCheck:
    filing_id: str = ""
    events: int = 0
    head_version: int | None = None
    head_hash: str | None = None
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def build(
    filing_id: uuid.UUID,
    links: list[Link],
    anchors: list[tuple[dt.date, int, bytes]],
    exported_at: dt.datetime,
    key: Ed25519PrivateKey,
) -> bytes:
    payload = {
        "format": FORMAT,
        "filing_id": str(filing_id),
        "exported_at": exported_at.isoformat(),
        "events": [
            {
                "version": r.version,
                "topic": r.topic,
                "state": base64.b64encode(r.state).decode("ascii"),
                "hash": r.hash.hex(),
            }
            for r in links
        ],
        "anchors": [{"day": d.isoformat(), "version": v, "hash": h.hex()} for d, v, h in anchors],
    }
    doc = {
        "payload": payload,
        "public_key": public_text(key.public_key()),
        "signature": base64.b64encode(key.sign(canonical(payload))).decode("ascii"),
    }
    return json.dumps(doc, indent=1).encode() + b"\n"


def _links(filing_id: uuid.UUID, events: Any) -> list[Link]:
    try:
        return [
            Link(
                filing_id,
                int(e["version"]),
                str(e["topic"]),
                base64.b64decode(e["state"], validate=True),
                bytes.fromhex(e["hash"]),
            )
            for e in events
        ]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BundleError(f"malformed event in the bundle: {exc}") from None


def verify(data: bytes, key: Ed25519PublicKey) -> BundleCheck:
    """Checks the signature with `key` (not the key the bundle names), then the chain and the
    anchors from the bytes alone. Raises BundleError for a file that is not a bundle."""
    try:
        doc = json.loads(data)
        payload = doc["payload"]
        signature = base64.b64decode(doc["signature"], validate=True)
        if payload["format"] != FORMAT:
            raise BundleError(f"format {payload['format']!r}, not {FORMAT}")
        filing_id = uuid.UUID(payload["filing_id"])
        events, anchors = payload["events"], payload["anchors"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BundleError(f"not an audit bundle: {exc}") from None
    check = BundleCheck(filing_id=str(filing_id))
    try:
        key.verify(signature, canonical(payload))
    except InvalidSignature:
        check.problems.append(
            "signature does not match: the bundle was changed after signing, or signed by "
            "another key"
        )
    links = _links(filing_id, events)
    check.events = len(links)
    if links:
        check.head_version, check.head_hash = links[-1].version, links[-1].hash.hex()
    if found := verify_chain(links):
        check.problems.append(str(found))
    by_version = {r.version: r.hash.hex() for r in links}
    for a in anchors if isinstance(anchors, list) else []:
        check.anchors += 1
        version = a.get("version") if isinstance(a, dict) else None
        if not isinstance(version, int) or by_version.get(version) != a.get("hash"):
            check.problems.append(f"filing {filing_id}: anchor {a!r} does not match the events")
    return check
