"""Blind indexes: find an aggregate by a PAN or an email without storing or deriving
anything from it that a guesser could recompute.

The index is an HMAC-SHA256 under a secret key (BURNBLACK_INDEX_KEY, burnblack/index_key.py):
without the key, an index id is as random as a uuid4 to anyone who tries the roughly 10^11
PANs. The key is handed in by the composition root; nothing here reads settings.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from eventsourcing.domain import Aggregate, event

MARKER_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://burnblack.dev/id-indexes/v1")


def blind_index(key: bytes, purpose: str, value: str) -> str:
    """The keyed digest of `value`; `purpose` separates the indexes (a PAN and an email
    that happened to be the same string still index apart)."""
    if len(key) < 16:
        raise ValueError("an index key has at least 16 bytes")
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def index_id(namespace: uuid.UUID, digest: str) -> uuid.UUID:
    """A stable aggregate id for one index entry: a uuid5 of the keyed digest, so it is
    only as guessable as the digest (not at all without the key)."""
    return uuid.uuid5(namespace, digest)


class IdIndexesBuilt(Aggregate):
    """Marks a store whose filings and accounts were indexed (`commands.id_indexes`): a fixed
    id, no personal data; one per store."""

    @staticmethod
    def create_id(entries: int) -> uuid.UUID:
        return MARKER_ID

    @event("IdIndexesBuilt")
    def __init__(self, entries: int) -> None:
        self.entries = entries
