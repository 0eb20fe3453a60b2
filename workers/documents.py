"""RQ job: read an uploaded document and record what it says (`DocumentParsed`).

Delivery is at least once (a retry, a worker killed mid-job and the job re-run by another):
the job is keyed on the document and its SHA-256, does nothing for a document already
processed, and the aggregate accepts one reading only, so exactly one `DocumentParsed`
is ever recorded. Progress (stage and percent) goes to the job's meta and to a Redis hash
the API reads while the job runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
import structlog
from redis import Redis
from rq import get_current_job
from rq.job import Job

from commands.blobs import BlobMissing
from commands.context import CommandContext
from domain.documents.form16 import parse_form16
from projections.redis_keys import progress_key  # read by the document queries
from workers.ocr import OcrUnavailable
from workers.reading import read_document
from workers.runtime import documents

log = structlog.get_logger(__name__)

PROGRESS_TTL_SECONDS = 24 * 3600


class _Progress:
    def __init__(self, document_id: str) -> None:
        self._key = progress_key(document_id)
        self._job: Job | None = get_current_job()

    def __call__(self, stage: str, percent: int) -> None:
        job = self._job
        if job is None:
            return
        attempt = job.retries_left
        state = {
            "stage": stage,
            "percent": max(0, min(100, percent)),
            "job_id": job.id,
            "retries_left": attempt if attempt is not None else 0,
            "updated_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        try:
            job.meta["progress"] = state
            job.save_meta()  # type: ignore[no-untyped-call]
            connection: Redis = job.connection
            pipe = connection.pipeline(transaction=False)
            pipe.hset(self._key, mapping={k: str(v) for k, v in state.items()})
            pipe.expire(self._key, PROGRESS_TTL_SECONDS)
            pipe.execute()
        except Exception as exc:  # progress is a courtesy; the job must not fail for it
            log.warning("document.progress_failed", error=str(exc))


def _context(document_id: str, correlation_id: str) -> CommandContext:
    return CommandContext(
        actor="worker:parse_document",
        correlation_id=correlation_id or document_id,
        causation_id=f"{document_id}:1",
    )


def parse_document(document_id: str, sha256: str) -> dict[str, Any]:
    svc = documents()
    did = uuid.UUID(document_id)
    document = svc.find(did)
    progress = _Progress(document_id)
    if document is None:
        return {"outcome": "missing"}
    if document.is_processed:
        progress("done", 100)
        return {"outcome": "already-processed"}
    ctx = _context(document_id, document.correlation_id)
    progress("fetching the file", 2)
    try:
        data = svc.read_file(document.owner_id, sha256)
    except BlobMissing as exc:
        written = svc.record_failure(ctx, did, f"the stored file is missing: {exc}")
        return {"outcome": "failed", "recorded": written is not None}
    try:
        reading = read_document(data, document.media_type, progress)
    except OcrUnavailable:
        raise  # the machine's fault, not the file's: let RQ retry (maybe on another worker)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        written = svc.record_failure(ctx, did, f"the file could not be read: {exc}")
        return {"outcome": "failed", "recorded": written is not None}
    progress("extracting fields", 95)
    extraction = parse_form16(reading.pages)
    plain = msgspec.to_builtins(extraction)
    written = svc.record_parsed(ctx, did, sha256, plain, reading.source)
    progress("done", 100)
    log.info(
        "document.parsed",
        document_id=document_id,
        form=extraction.form,
        fields=len(extraction.fields),
        source=reading.source,
        recorded=written is not None,
    )
    return {
        "outcome": "recorded" if written else "discarded",
        "fields": len(extraction.fields),
        "source": reading.source,
    }


def on_parse_failure(
    job: Job, connection: Redis, exc_type: type, exc: BaseException, tb: object
) -> None:
    """RQ calls this for every failed attempt (and for an abandoned one, when a dead worker's
    job is cleaned up); only when no retry is left is the failure recorded on the document."""
    if job.retries_left:
        log.warning("document.attempt_failed", job_id=job.id, error=repr(exc), retrying=True)
        return
    document_id, _sha256 = job.args[0], job.args[1]
    svc = documents()
    document = svc.find(uuid.UUID(document_id))
    if document is None:
        return
    reason = f"processing failed after every retry: {exc_type.__name__}"
    svc.record_failure(_context(document_id, document.correlation_id), document.id, reason)
    log.error("document.failed", document_id=document_id, error=repr(exc))
