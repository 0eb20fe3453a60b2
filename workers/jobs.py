"""RQ job functions. Delivery is at least once: every job here is idempotent."""

from __future__ import annotations

import uuid

import msgspec
import structlog

from commands.context import CommandContext
from domain.tax import InvalidTaxInput, compute, encode_result
from workers.runtime import filings

log = structlog.get_logger(__name__)


def compute_tax(filing_id: str, requested_version: int) -> dict[str, object]:
    """Compute the return as it stood when the computation was requested, and record it.

    The result is bound to `requested_version`; if the taxpayer changed the return since,
    the aggregate discards it (a newer request will have its own job).
    """
    app = filings()
    fid = uuid.UUID(filing_id)
    as_requested = app.get_filing(fid, version=requested_version)
    ctx = CommandContext(
        actor="worker:compute_tax",
        correlation_id=as_requested.requested_correlation_id or "",
        causation_id=f"{filing_id}:{requested_version}",
    )
    try:
        computed = compute(as_requested.tax_input_for(as_requested.requested_on))
        result = msgspec.json.decode(encode_result(computed))  # JSON-native, as stored
    except InvalidTaxInput as exc:
        # Not worth retrying: the law refuses these inputs; the taxpayer sees why.
        written = app.record_computation_failure(ctx, fid, requested_version, str(exc))
        log.info(
            "tax.not_computable",
            filing_id=filing_id,
            version=requested_version,
            reason=str(exc),
            recorded=written is not None,
        )
        return {"outcome": "failed", "version": written.version if written else None}
    written = app.record_computation(ctx, fid, requested_version, result)
    outcome = "recorded" if written else "discarded"
    log.info("tax.computed", filing_id=filing_id, version=requested_version, outcome=outcome)
    return {"outcome": outcome, "version": written.version if written else None}
