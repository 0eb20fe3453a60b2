"""The personal fields of the read models, sealed with their owner's data key.

A read-model row keeps in clear what auditors and counts need (status, year, versions,
positions, times) and seals the taxpayer's own figures (income, deductions, the computation,
the acknowledgement, the tax) in one `personal` value with the owner's data key
(commands/field_seal.py, through the event store's own keys: projections do not import the
write side). The composition root builds the process's sealer with the filings' event store
and hands it to each read model's fold and queries (burnblack/bootstrap/). Once the owner is erased
their key is gone: `open` answers None and the row reads as redacted (docs/security.md).

Without data keys (no cipher configured) values are stored as they are (`Unsealed`).
"""

from __future__ import annotations

from typing import Protocol


class FieldSeal(Protocol):
    def seal(self, owner_id: str, plaintext: bytes) -> bytes | None:
        """The sealed bytes (the same for the same value and owner: a rebuild compares
        equal), or None once the owner was erased."""
        ...

    def open(self, sealed: bytes) -> bytes | None:
        """The plaintext, or None when its key was destroyed (the owner was erased)."""
        ...


class Unsealed:
    """No data keys (an event store without a cipher): values kept as they are."""

    def seal(self, owner_id: str, plaintext: bytes) -> bytes | None:
        return plaintext

    def open(self, sealed: bytes) -> bytes | None:
        return sealed
