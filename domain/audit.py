"""The audit trail: one record per privileged action, kept forever in the event store.

Each record is its own tiny aggregate (one event), so the trail grows without any one
aggregate growing. Who acted is in the event's `meta` (`actor`, correlation id), like
every other event.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class AuditRecord(Aggregate):
    class PrivilegedActionRecorded(Aggregate.Created):
        action: str
        subject: str
        details: dict[str, str]
        meta: dict[str, str]

    @event(PrivilegedActionRecorded)
    def __init__(
        self, action: str, subject: str, details: dict[str, str], meta: dict[str, str]
    ) -> None:
        self.action = action
        self.subject = subject
        self.details = details
        self.actor = meta.get("actor", "")


class AuditAction:
    """The actions recorded (stable strings: they are stored)."""

    ADMIN_CREATED = "account.admin_created"
    ROLE_CHANGED = "account.role_changed"
    SESSIONS_REVOKED = "account.sessions_revoked"
    FILING_INSPECTED = "filing.inspected"
    FILING_HISTORY_INSPECTED = "filing.history_inspected"
    PAN_CLAIM_REFUSED = "pan.claim_refused"  # a return refused: another account's PAN
    PAN_TRANSFERRED = "pan.transferred"  # an admin moved a PAN to another account
    PAN_RETURNS_WITHDRAWN = "pan.returns_withdrawn"  # what the move did to others' returns
    REBUILD_FORCED = "projection.rebuild_forced"  # switched although live and shadow differed
