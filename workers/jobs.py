"""RQ job functions. Delivery is at least once: every job here is idempotent."""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec
import structlog
from rq import get_current_job

from commands.context import CommandContext
from domain.tax import InvalidTaxInput, compute, encode_result
from workers.context import JobContext

log = structlog.get_logger(__name__)


def compute_tax(ctx: JobContext, filing_id: str, requested_version: int) -> dict[str, object]:
    """Compute the return as it stood when the computation was requested, and record it.

    The result is bound to `requested_version`; if the taxpayer changed the return since,
    the aggregate discards it (a newer request will have its own job).
    """
    app = ctx.filings()
    fid = uuid.UUID(filing_id)
    # Usually nothing has changed since the request: the latest filing is the one as
    # requested, read once (and handed to the recording) instead of twice.
    latest = app.get_filing(fid)
    as_requested = (
        latest
        if latest.version == requested_version
        else app.get_filing(fid, version=requested_version)
    )
    command = CommandContext(
        actor="worker:compute_tax",
        correlation_id=as_requested.requested_correlation_id or "",
        causation_id=f"{filing_id}:{requested_version}",
    )
    try:
        computed = compute(as_requested.tax_input_for(as_requested.requested_on))
        result = msgspec.json.decode(encode_result(computed))  # JSON-native, as stored
    except InvalidTaxInput as exc:
        # Not worth retrying: the law refuses these inputs; the taxpayer sees why.
        written = app.record_computation_failure(
            command, fid, requested_version, str(exc), loaded=latest
        )
        log.info(
            "tax.not_computable",
            filing_id=filing_id,
            version=requested_version,
            reason=str(exc),
            recorded=written is not None,
        )
        return {"outcome": "failed", "version": written.version if written else None}
    written = app.record_computation(command, fid, requested_version, result, loaded=latest)
    outcome = "recorded" if written else "discarded"
    log.info("tax.computed", filing_id=filing_id, version=requested_version, outcome=outcome)
    return {"outcome": outcome, "version": written.version if written else None}


def rebuild_projection(ctx: JobContext, name: str) -> dict[str, Any]:
    """A projection rebuild (low queue), with its progress in the job's meta."""
    job = get_current_job()
    started = time.monotonic()
    last_save = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last_save
        if job is None or time.monotonic() - last_save < 0.5:
            return
        last_save = time.monotonic()
        elapsed = max(1e-6, last_save - started)
        job.meta["progress"] = {
            "position": done,
            "target": total,
            "percent": round(100 * done / max(1, total), 1),
            "events_per_second": round(done / elapsed, 1),
        }
        job.save_meta()  # type: ignore[no-untyped-call]

    return ctx.rebuild(name, progress)
