"""Who a PAN belongs to on Burnblack, and which return each year is under it.

A PAN belongs to the first account that claims it: the claim is the `PanClaimed` event of a
`PanClaim`, whose id is the PAN's blind index (`domain.blind_index`), so the claim holds
neither the PAN nor anything a guesser could recompute from it. Starting a return saves the
claim and the `Filing` together (one transaction): two accounts racing for one PAN both try
to create the claim at version 1 and exactly one insert succeeds.

The claim also keeps which filing is the return of each assessment year, which makes "one
return per PAN and year" hold without deriving the filing's id from the PAN. Revisions live
inside that one filing (`Filing.open_revision`), so (PAN, year) is the whole key.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from domain.blind_index import blind_index, index_id

_CLAIM_NAMESPACE = uuid.UUID("b7f5f0b4-55f2-4f0e-9d0c-2f4b0d1c7e93")
INDEX_PURPOSE = "pan"

Meta = dict[str, str]


def pan_claim_id(index_key: bytes, pan: str) -> uuid.UUID:
    return index_id(_CLAIM_NAMESPACE, blind_index(index_key, INDEX_PURPOSE, pan))


class Refusal(StrEnum):
    """Why an account may not start a return on a PAN (stored in audit records: stable).
    The caller hears the same neutral answer for the first two."""

    CLAIMED_BY_ANOTHER = "claimed-by-another-account"
    EXISTS_UNDER_ANOTHER = "return-exists-under-another-account"
    EXISTS = "return-exists"  # the asker's own return for that year


class PanClaim(Aggregate):
    @event("PanClaimed")
    def __init__(self, id: uuid.UUID, owner_id: str, meta: Meta) -> None:
        # `id` becomes the aggregate's id, not a field of the event (the library's rule).
        self.owner_id = owner_id
        # assessment year -> (filing id, the account that started it)
        self.filings: dict[str, tuple[str, str]] = {}

    @classmethod
    def open(cls, claim_id: uuid.UUID, owner_id: str, meta: Meta) -> PanClaim:
        """The claim of the PAN whose claim id is `claim_id`, held by `owner_id`."""
        return cls(id=claim_id, owner_id=owner_id, meta=meta)

    def refusal(self, account_id: str, assessment_year: str) -> Refusal | None:
        """Why `account_id` may not start a return for the year here; None: it may."""
        existing = self.filings.get(assessment_year)
        if existing is not None:
            return Refusal.EXISTS if existing[1] == account_id else Refusal.EXISTS_UNDER_ANOTHER
        if self.owner_id != account_id:
            return Refusal.CLAIMED_BY_ANOTHER
        return None

    def register_filing(
        self, assessment_year: str, filing_id: uuid.UUID, owner_id: str, meta: Meta
    ) -> None:
        """Record the year's return (callers check `refusal` first; a migration registers
        returns started by other accounts before the binding existed)."""
        if assessment_year in self.filings:
            raise ValueError(f"assessment year {assessment_year} already has a return")
        self._filing_registered(
            assessment_year=assessment_year, filing_id=str(filing_id), owner_id=owner_id, meta=meta
        )

    @event("FilingRegistered")
    def _filing_registered(
        self, assessment_year: str, filing_id: str, owner_id: str, meta: Meta
    ) -> None:
        self.filings = {**self.filings, assessment_year: (filing_id, owner_id)}

    def release(self, assessment_year: str, reason: str, meta: Meta) -> None:
        """The year's return was withdrawn (its PAN moved): the year is free again."""
        if assessment_year not in self.filings:
            raise ValueError(f"assessment year {assessment_year} has no return")
        self._filing_released(assessment_year=assessment_year, reason=reason, meta=meta)

    @event("FilingReleased")
    def _filing_released(self, assessment_year: str, reason: str, meta: Meta) -> None:
        self.filings = {y: f for y, f in self.filings.items() if y != assessment_year}

    def transfer(self, to_owner_id: str, reason: str, meta: Meta) -> None:
        """An admin settles a dispute: the PAN belongs to `to_owner_id` from now on.
        What happens to the returns other accounts started on it: commands/pan_claims.py."""
        self._transferred(
            from_owner_id=self.owner_id, to_owner_id=to_owner_id, reason=reason, meta=meta
        )

    @event("PanTransferred")
    def _transferred(self, from_owner_id: str, to_owner_id: str, reason: str, meta: Meta) -> None:
        self.owner_id = to_owner_id
