"""Turns every `DocumentUploaded` into one RQ job that reads the document.

Driven from the committed event (never from the upload request): the job id is derived
from the document, so a replay or a crash between enqueueing and committing the position
enqueues nothing new, and the job itself is idempotent on the document's hash.

Retries back off, except the first, which is immediate: the usual cause is a worker that
died (its job rescued by another worker's registry clean-up), and a retry with a delay needs
RQ's scheduler, whose lock a dead worker holds for another minute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from projections.projector.runner import AfterCommit


def document_job_id(document_id: object) -> str:
    return f"doc-{document_id}"


class DocumentReactor:
    """`enqueue(document_id, sha256)` is the composition root's (the job, its queue, timeout
    and retries) and returns False when the document's job already exists."""

    name = "document_reactor"

    def __init__(self, enqueue: Callable[[object, str], bool]) -> None:
        self._enqueue = enqueue

    def wants(self, event: Any) -> bool:
        """Whether `handle` does anything with the event (the runner skips batches without)."""
        return bool(event.stream == "Document" and event.name == "DocumentUploaded")

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
        return self._enqueue(document_id, sha256)
