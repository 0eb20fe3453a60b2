"""Auditors read every filing's stored history and the audit trail; they change nothing.

Every read of a filing here is itself recorded in the audit trail (who looked at whose
return, and when) before the answer is returned.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter

from api.access_schemas import (
    AuditTrail,
    AuditTrailEntry,
    FilingAsOf,
    FilingEvents,
    StoredEvent,
)
from api.context import command_context
from api.controllers.audiences import AuditorController
from api.dependencies import Accounts, Inspection
from api.guards import requires_role
from api.problems import problem
from domain.account import Role
from domain.audit import AuditAction
from domain.erasure import Redacted
from domain.filing import Filing

_ENVELOPE = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "meta"}
)


def _not_found(filing_id: uuid.UUID) -> Exception:
    return problem(404, "not-found", "No such filing", f"no filing {filing_id}")


def _stored(event: Any) -> StoredEvent:
    if isinstance(event, Redacted):  # its owner was erased: the structure, no content
        return StoredEvent(
            version=event.originator_version,
            type=event.redacted_type,
            timestamp=event.timestamp,
            meta={},
            data={"redacted": True},
        )
    attributes = vars(event)
    return StoredEvent(
        version=event.originator_version,
        type=type(event).__name__,
        timestamp=event.timestamp,
        meta=dict(attributes.get("meta") or {}),
        data={k: v for k, v in attributes.items() if k not in _ENVELOPE},
    )


def _parse_at(raw: str) -> int | dt.datetime:
    if raw.isdigit() and len(raw) <= 9:
        return int(raw)
    try:
        at = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise problem(
            400,
            "validation",
            "`at` is neither a version nor a time",
            "pass a version (e.g. 3) or an ISO 8601 time (e.g. 2026-07-31T18:00:00+05:30)",
            field="at",
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


class AuditController(AuditorController):
    path = "/api/v1/audit"

    @get(
        "/filings/{filing_id:uuid}/events",
        operation_id="filingEvents",
        sync_to_thread=True,
        description="Every stored event of a filing: version, type, time, meta and data.",
    )
    def filing_events(
        self,
        request: Request[Any, Any, Any],
        inspection: Inspection,
        accounts: Accounts,
        filing_id: uuid.UUID,
    ) -> FilingEvents:
        events = [_stored(e) for e in inspection.events(filing_id)]
        if not events:
            raise _not_found(filing_id)
        accounts.record_action(
            command_context(request),
            AuditAction.FILING_HISTORY_INSPECTED,
            str(filing_id),
            {"events": str(len(events))},
        )
        return FilingEvents(filing_id=str(filing_id), events=events)

    @get(
        "/filings/{filing_id:uuid}",
        operation_id="filingAsOf",
        sync_to_thread=True,
        description="The filing as it stood at a version (`at=3`) or a time "
        "(`at=2026-07-31T18:00:00Z`); now without `at`.",
    )
    def filing_as_of(
        self,
        request: Request[Any, Any, Any],
        inspection: Inspection,
        accounts: Accounts,
        filing_id: uuid.UUID,
        at: Annotated[str | None, Parameter(max_length=64)] = None,
    ) -> FilingAsOf:
        filing = inspection.as_of(filing_id, _parse_at(at) if at else None)  # FilingNotFound: 404
        accounts.record_action(
            command_context(request),
            AuditAction.FILING_INSPECTED,
            str(filing_id),
            {"version": str(filing.version)},
        )
        return FilingAsOf(
            filing_id=str(filing_id),
            version=filing.version,
            as_of=filing.modified_on,
            status=filing.status.value,
            state=_state(filing),
        )

    @get(
        "/trail",
        operation_id="auditTrail",
        sync_to_thread=True,
        guards=[requires_role(Role.AUDITOR)],
        description="Privileged actions (role changes, revocations, inspections), oldest "
        "first; pass `next_after` back as `after`.",
    )
    def trail(
        self,
        accounts: Accounts,
        after: Annotated[int, Parameter(ge=0)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> AuditTrail:
        entries = accounts.audit_trail(after, limit)
        items = [
            AuditTrailEntry(
                position=e.position,
                recorded_at=e.recorded_at,
                action=e.action,
                subject=e.subject,
                details=dict(e.details),
                actor=e.actor,
                correlation_id=e.correlation_id,
            )
            for e in entries
        ]
        return AuditTrail(
            items=items, next_after=items[-1].position if len(items) == limit else None
        )


def _state(filing: Filing) -> dict[str, Any]:
    return {k: v for k, v in vars(filing).items() if not k.startswith("_")}
