"""Turns every `DocumentUploaded` into one RQ job that reads the document.

Driven from the committed event (never from the upload request): the job id is derived
from the document, so a replay or a crash between enqueueing and committing the position
enqueues nothing new, and the job itself is idempotent on the document's hash.

Retries back off, except the first, which is immediate: the usual cause is a worker that
died (its job rescued by another worker's registry clean-up), and a retry with a delay needs
RQ's scheduler, whose lock a dead worker holds for another minute.
"""

from __future__ import annotations

from typing import Any

import psycopg
from rq import Queue, Retry
from rq.job import Callback, Job

from projections.projector.runner import AfterCommit

PARSE_DOCUMENT_JOB = "workers.documents.parse_document"
PARSE_FAILURE_CALLBACK = "workers.documents.on_parse_failure"


def document_job_id(document_id: object) -> str:
    return f"doc-{document_id}"


class DocumentReactor:
    name = "document_reactor"

    def __init__(
        self,
        queue: Queue,
        job_timeout: int = 300,
        retry_intervals: tuple[int, ...] = (0, 30, 120),
    ) -> None:
        self._queue = queue
        self._timeout = job_timeout
        self._intervals = list(retry_intervals)

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        for _, event in events:
            if event.stream != "Document" or event.name != "DocumentUploaded":
                continue
            self.enqueue(event.originator_id, event.sha256)
        return None

    def enqueue(self, document_id: object, sha256: str) -> bool:
        """Enqueue the document's job unless it exists; True if it was enqueued."""
        job_id = document_job_id(document_id)
        if Job.exists(job_id, connection=self._queue.connection):
            return False
        self._queue.enqueue(
            PARSE_DOCUMENT_JOB,
            str(document_id),
            sha256,
            job_id=job_id,
            job_timeout=self._timeout,
            retry=Retry(max=len(self._intervals), interval=self._intervals),
            on_failure=Callback(PARSE_FAILURE_CALLBACK),
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"read document {document_id}",
        )
        return True
