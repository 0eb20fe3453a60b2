"""A return's history straight from its events: every change, who made it, and for numbers
taken from a document, which document and where in it.

Read from the event store rather than a read model: a return has tens of events, the log
is the audit trail itself, and the taxpayer who just accepted a document sees it at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from commands.filings import FilingsApplication

_PAYLOAD = {
    "FilingStarted": ("assessment_year",),
    "IncomeDeclared": ("income", "source"),
    "DeductionsClaimed": ("deductions", "source"),
    "TaxComputationRequested": ("requested_on",),
    "TaxComputed": ("requested_version",),
    "TaxComputationFailed": ("requested_version", "reason"),
    "ReturnSubmitted": ("regime", "acknowledgement", "submitted_on"),
    "ReturnEVerified": ("method", "verified_on"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def filing_history(
    app: FilingsApplication, filing_id: uuid.UUID, owner_id: str
) -> list[dict[str, Any]]:
    app.get_owned_filing(filing_id, owner_id)  # 404 for anyone else
    entries: list[dict[str, Any]] = []
    for event in app.repository.event_store.get(filing_id):
        name = type(event).__name__
        meta = getattr(event, "meta", {}) or {}
        entry: dict[str, Any] = {
            "version": event.originator_version,
            "event": name,
            "at": _plain(getattr(event, "timestamp", None)),
            "actor": meta.get("actor"),
            "correlation_id": meta.get("correlation_id"),
        }
        for key in _PAYLOAD.get(name, ()):
            value = getattr(event, key, None)
            if key == "source" and value is None:
                value = {"entered": "by the taxpayer"}
            entry[key] = _plain(value)
        entries.append(entry)
    return entries
