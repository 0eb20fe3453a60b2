"""Bodies of the admin and audit endpoints (accounts, roles, sessions, the audit trail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from domain.account import Role


class RoleChange(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    role: Role


class SessionsEnded(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    ended: int


class StoredEvent(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    type: str
    timestamp: dt.datetime
    meta: dict[str, Any]
    data: dict[str, Any]


class FilingEvents(msgspec.Struct, frozen=True, kw_only=True):
    """Every stored event of a filing, as stored (the auditors' view)."""

    filing_id: str
    events: list[StoredEvent]


class FilingAsOf(msgspec.Struct, frozen=True, kw_only=True):
    filing_id: str
    version: int
    as_of: dt.datetime
    status: str
    state: dict[str, Any]


class AuditTrailEntry(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    recorded_at: dt.datetime
    action: str
    subject: str
    details: dict[str, str]
    actor: str
    correlation_id: str


class AuditTrail(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AuditTrailEntry]
    next_after: int | None
