"""A return's history straight from its events: every change, who made it, and for numbers
taken from a document, which document and where in it.

Read from the event store rather than a read model: a return has tens of events, the log
is the audit trail itself, and the taxpayer who just accepted a document sees it at once.
The read side asks the write side's application (commands/filings.py) only for what the
protocol below names: the owner check (anyone else's return is not found) and the events.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from domain.filing import events as names

_PAYLOAD = {
    names.FILING_STARTED: ("assessment_year",),
    names.INCOME_DECLARED: ("income", "source"),
    names.DEDUCTIONS_CLAIMED: ("deductions", "source"),
    names.TAX_COMPUTATION_REQUESTED: ("requested_on",),
    names.TAX_COMPUTED: ("requested_version",),
    names.TAX_COMPUTATION_FAILED: ("requested_version", "reason"),
    names.RETURN_SUBMITTED: ("regime", "acknowledgement", "submitted_on"),
    names.RETURN_E_VERIFIED: ("method", "verified_on"),
    # The chain: which return this revision replaces, and the first return of the year.
    names.REVISION_OPENED: (
        "revision",
        "return_type",
        "reason",
        "opened_on",
        "revises",
        "original",
    ),
}


class _EventStore(Protocol):
    def get(self, originator_id: uuid.UUID) -> Iterable[Any]: ...


class _Repository(Protocol):
    @property
    def event_store(self) -> _EventStore: ...


class Filings(Protocol):
    """What the history needs of the filings application (commands.filings)."""

    @property
    def repository(self) -> _Repository: ...

    def get_owned_filing(self, filing_id: uuid.UUID, owner_id: str) -> object: ...


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def filing_history(app: Filings, filing_id: uuid.UUID, owner_id: str) -> list[dict[str, Any]]:
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
