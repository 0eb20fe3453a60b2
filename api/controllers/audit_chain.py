"""Auditors check a filing's hash chain: is its stored history what was written?

Answers from hashes only (no personal data is decrypted or shown), so a verification is not
recorded in the audit trail the way reading a return is. A broken chain is a successful
answer (200, `intact: false`, naming the version), not an error of the request.
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import get

from api.controllers.audiences import AuditorController
from api.dependencies import Chains
from api.problems import problem


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


class AuditChainController(AuditorController):
    path = "/api/v1/audit"

    @get(
        "/filings/{filing_id:uuid}/verification",
        operation_id="filingVerification",
        sync_to_thread=True,
        description="Checks the filing's hash chain over its stored events and the sealed "
        "daily roots that anchor it: `intact`, or the first version changed, deleted or "
        "reordered.",
    )
    def verification(self, chains: Chains, filing_id: uuid.UUID) -> FilingVerification:
        checked = chains.check(filing_id)
        report, last = checked.report, checked.head
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
