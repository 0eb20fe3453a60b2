"""Find an account by its email without the account's id being derived from the email.

Account ids are random (uuid4). An `AccountEmail` entry, whose id is the email's blind index
(`domain.blind_index`), points at the account: registration saves both in one transaction,
so a second registration with the same email collides on the entry's id.

The entry belongs to its account: it is encrypted with the account's data key
(commands/keyring.py), so erasing the account shreds the link from the email to it. The
entry's row cannot go (the log is append-only and hash-chained), so the email's next
registration takes the next **generation** of the index (the email's digest with a counter):
finding an account walks the generations from 0 while it meets erased accounts' entries,
which costs nothing more for an email no erased account ever had (docs/security.md).
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from domain.blind_index import blind_index, index_id

_EMAIL_NAMESPACE = uuid.UUID("4c2d3e8a-91b7-4f6a-8f0e-6a5d2c1b9e47")
INDEX_PURPOSE = "email"


MAX_GENERATIONS = 32
"""How many times one email can be erased and registered again."""


def email_index_id(index_key: bytes, normalised_email: str, generation: int = 0) -> uuid.UUID:
    value = normalised_email if generation == 0 else f"{normalised_email}\x00{generation}"
    return index_id(_EMAIL_NAMESPACE, blind_index(index_key, INDEX_PURPOSE, value))


class AccountEmail(Aggregate):
    @event("AccountEmailIndexed")
    def __init__(self, id: uuid.UUID, account_id: str) -> None:
        # `id` becomes the aggregate's id, not a field of the event (the library's rule).
        self.account_id = account_id

    @classmethod
    def open(cls, entry_id: uuid.UUID, account_id: str) -> AccountEmail:
        return cls(id=entry_id, account_id=account_id)
