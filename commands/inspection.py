"""An auditor's reads of a filing's stored history: its events, and the filing as it stood at a
version or a time (time travel). Read from the event store, which is the audit trail itself."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from commands.errors import FilingNotFound
from commands.filings import FilingsApplication
from domain.filing import Filing


class FilingInspection:
    def __init__(self, app: FilingsApplication) -> None:
        self._app = app

    def events(self, filing_id: uuid.UUID) -> list[Any]:
        """Every stored event of the filing, oldest first (empty if there is no such filing)."""
        return list(self._app.repository.event_store.get(filing_id))

    def as_of(self, filing_id: uuid.UUID, at: int | dt.datetime | None = None) -> Filing:
        """The filing now, at version `at`, or as it stood at time `at` (its last event at or
        before then). FilingNotFound if it did not exist then or has no such version."""
        version: int | None
        if isinstance(at, dt.datetime):
            version = None
            for e in self._app.repository.event_store.get(filing_id):
                if getattr(e, "timestamp", at) > at:
                    break
                version = e.originator_version
            if version is None:
                raise FilingNotFound(
                    filing_id, f"no filing {filing_id} existed at {at.isoformat()}"
                )
        else:
            version = at
        filing = self._app.get_filing(filing_id, version=version)
        if version is not None and filing.version != version:
            raise FilingNotFound(filing_id, f"filing {filing_id} has no version {version}")
        return filing
