"""Who the admins are, as one aggregate, so that the last admin cannot lose the role.

A fixed id: every role change that adds or removes an admin saves the roster with the account,
in one transaction, so two admins demoting each other at once conflict on the roster's
version instead of both succeeding and leaving none.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

ROSTER_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://burnblack.dev/admin-roster")


class AdminRoster(Aggregate):
    @staticmethod
    def create_id(admins: list[str]) -> uuid.UUID:
        return ROSTER_ID

    @event("AdminRosterStarted")
    def __init__(self, admins: list[str]) -> None:
        self.admins = sorted(set(admins))

    @event("AdminAdded")
    def add(self, admin_id: str) -> None:
        self.admins = sorted({*self.admins, admin_id})

    @event("AdminRemoved")
    def remove(self, admin_id: str) -> None:
        self.admins = [a for a in self.admins if a != admin_id]
