"""Auditors check a filing's hash chain: is its stored history what was written?

Answers from hashes only (no personal data is decrypted or shown), so a verification is not
recorded in the audit trail the way reading a return is. A broken chain is a successful
answer (200, `intact: false`, naming the version), not an error of the request.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, get

from api.context import services
from api.guards import requires_role
from api.problems import problem
from domain.account import Role
from projections.eventlog.chain import head
from projections.eventlog.chain_days import verify


class ChainBreak(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    reason: str


class FilingVerification(msgspec.Struct, frozen=True, kw_only=True):
    filing_id: str
    intact: bool
    events: int
    head_version: int | None
    head_hash: str | None  # hex of the last link: compare with an exported bundle's
    anchors: int  # sealed days whose root holds this filing's head
    breaks: list[ChainBreak]


class AuditChainController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [requires_role(Role.AUDITOR, Role.ADMIN)]

    @get(
        "/filings/{filing_id:uuid}/verification",
        operation_id="filingVerification",
        sync_to_thread=True,
        description="Checks the filing's hash chain over its stored events and the sealed "
        "daily roots that anchor it: `intact`, or the first version changed, deleted or "
        "reordered.",
    )
    def verification(
        self, request: Request[Any, Any, Any], filing_id: uuid.UUID
    ) -> FilingVerification:
        svc = services(request)
        table = str(getattr(svc.filings.recorder, "events_table_name", "filings_events"))
        with svc.pool.connection() as conn:
            report = verify(conn, table, filing_id)
            last = head(conn, table, filing_id)
        if report.events == 0 and report.anchors == 0:
            raise problem(404, "not-found", "No such filing", f"no filing {filing_id}")
        return FilingVerification(
            filing_id=str(filing_id),
            intact=report.intact,
            events=report.events,
            head_version=last[0] if last else None,
            head_hash=last[1].hex() if last else None,
            anchors=report.anchors,
            breaks=[ChainBreak(version=b.version, reason=b.reason) for b in report.breaks],
        )
