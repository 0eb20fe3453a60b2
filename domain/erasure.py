"""Crypto-shredding, as the domain sees it: an event whose key was destroyed.

Each taxpayer's events are encrypted with a data key of their own (commands/datakeys.py).
Erasing the taxpayer destroys that key: the stored bytes stay exactly as written (so a hash
chain over them still verifies), but they can no longer be read. What can still be read is
the structure kept in clear beside them: the aggregate, the version and the event's type.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[erased]"
"""What a personal value reads as once its owner was erased."""


class KeyDestroyed(ValueError):
    """The data key that encrypted this data was destroyed: its owner was erased.

    A ValueError, like any other undecryptable state, so code that does not know about
    erasure still fails the way it fails on a wrong key, never with something new."""

    def __init__(self, key_id: uuid.UUID, owner_id: str, destroyed_at: dt.datetime) -> None:
        super().__init__(f"data key {key_id} was destroyed (its owner was erased)")
        self.key_id = key_id
        self.owner_id = owner_id
        self.destroyed_at = destroyed_at


@dataclass(frozen=True)
class ErasedSubject:
    """What an aggregate whose events are all redacted rebuilds into: not a Filing, an
    Account or a Document, so every `find`/`get` treats it as not found (404, never 500)."""

    id: uuid.UUID
    version: int
    owner_id: str


@dataclass(frozen=True)
class Redacted:
    """A stored event read after its key was destroyed: the structure, no content.

    `timestamp` is when the key was destroyed (the event's own time was encrypted with it)."""

    originator_id: uuid.UUID
    originator_version: int
    timestamp: dt.datetime
    redacted_type: str
    owner_id: str
    data: dict[str, Any] = field(default_factory=lambda: {"redacted": True})

    def mutate(self, aggregate: Any) -> ErasedSubject:
        return ErasedSubject(self.originator_id, self.originator_version, self.owner_id)
