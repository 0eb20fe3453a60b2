"""The hash chain over each aggregate's stored events, and the daily root over all chains.

Pure functions: the same rules run in PostgreSQL when an event is appended and verified
(projections/eventlog/chain.py builds the SQL twin of `link`), and in Python when a bundle is
checked offline by someone who has only the bundle and the public key (burnblack/audit_bundle.py).

A link covers the bytes *as stored* (the compressed, encrypted state), never the plaintext:
the chain verifies without any decryption key, so it still verifies after a taxpayer's key
is destroyed (docs/security.md).

    link(v) = sha256(link(v-1) ‖ originator id (16 bytes) ‖ version (int8, big-endian)
                     ‖ len(topic) (int4, big-endian) ‖ topic (UTF-8) ‖ state)

with `link(0) = GENESIS` (32 zero bytes) for the first version. Every field before `state`
is fixed-length or length-prefixed, so two different events never share an input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = bytes(32)
DAY_ROOT_TAG = b"burnblack/day-root/v1"


@dataclass(frozen=True, slots=True)
class Link:
    """One stored event as the chain sees it."""

    originator_id: uuid.UUID
    version: int
    topic: str
    state: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class Break:
    """Where a chain stops verifying: the first bad version of one aggregate."""

    originator_id: uuid.UUID
    version: int
    reason: str

    def __str__(self) -> str:
        return f"filing {self.originator_id} version {self.version}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Head:
    """An aggregate's last link, as a daily root anchors it."""

    originator_id: uuid.UUID
    version: int
    hash: bytes


def link(
    previous: bytes, originator_id: uuid.UUID, version: int, topic: str, state: bytes
) -> bytes:
    t = topic.encode("utf-8")
    return hashlib.sha256(
        b"".join(
            (
                previous,
                originator_id.bytes,
                version.to_bytes(8, "big", signed=True),
                len(t).to_bytes(4, "big"),
                t,
                state,
            )
        )
    ).digest()


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"version {first} is missing"
    return f"versions {first} to {last} are missing"


def verify_chain(links: Sequence[Link]) -> Break | None:
    """The first break in one aggregate's links (given in stored version order), or None.

    A deleted event shows as a gap in the versions; a changed, swapped or reordered one as a
    hash that no longer follows from the previous link and its own bytes."""
    previous = GENESIS
    expected_version: int | None = None
    for row in links:
        if expected_version is None and row.version > 1:  # the first link starts at 1 (or 0)
            expected_version = 1
        if expected_version is not None and row.version != expected_version:
            reason = (
                _missing(expected_version, row.version - 1)
                if row.version > expected_version
                else f"version {row.version} is out of order"
            )
            return Break(row.originator_id, expected_version, reason)
        if link(previous, row.originator_id, row.version, row.topic, row.state) != row.hash:
            return Break(row.originator_id, row.version, "stored bytes or hash changed")
        previous, expected_version = row.hash, row.version + 1
    return None


def head_bytes(head: Head) -> bytes:
    """One head as a day root hashes it: id (16 bytes) ‖ version (int8, big-endian) ‖ hash."""
    return head.originator_id.bytes + head.version.to_bytes(8, "big", signed=True) + head.hash


def day_root(day: dt.date, previous_root: bytes, heads: Iterable[Head]) -> bytes:
    """The root of one day: the previous day's root and every head that moved since its last
    anchor, in originator-id order. Chaining the days means a removed or rewritten day breaks
    every later root."""
    ordered = sorted(heads, key=lambda x: x.originator_id.bytes)
    return packed_day_root(day, previous_root, b"".join(head_bytes(h) for h in ordered))


def packed_day_root(day: dt.date, previous_root: bytes, packed_heads: bytes) -> bytes:
    """`day_root` over heads already packed (`head_bytes`, in originator-id order): what the
    verifier gets from PostgreSQL in one value a day (uuid order there is byte order)."""
    h = hashlib.sha256(DAY_ROOT_TAG)
    h.update(day.isoformat().encode("ascii"))
    h.update(previous_root)
    h.update(packed_heads)
    return h.digest()
