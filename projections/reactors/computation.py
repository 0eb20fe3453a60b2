"""The reactor that turns every tax-computation request into one RQ job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from domain.filing import events as names
from projections.projector.runner import AfterCommit


def computation_job_id(filing_id: object, requested_version: int) -> str:
    return f"tax-{filing_id}-{requested_version}"


class ComputationReactor:
    """Enqueues a tax computation for every TaxComputationRequested, once per request.

    Enqueueing happens before the position commits, so a crash re-enqueues (at least once);
    the deterministic job id and the aggregate's own check make the repeat harmless.
    `enqueue(filing_id, requested_version)` is the composition root's (it knows the job and
    its queue) and returns False when the job already exists.
    """

    name = "computation_reactor"

    def __init__(self, enqueue: Callable[[object, int], bool]) -> None:
        self._enqueue = enqueue

    def wants(self, event: Any) -> bool:
        """Whether `handle` does anything with the event (the runner skips batches without)."""
        return bool(event.stream == names.STREAM and event.name == names.TAX_COMPUTATION_REQUESTED)

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        for _, event in events:
            if event.stream != names.STREAM or event.name != names.TAX_COMPUTATION_REQUESTED:
                continue
            self.enqueue(event.originator_id, event.originator_version)
        return None

    def enqueue(self, filing_id: object, requested_version: int) -> bool:
        """Enqueue the request's job unless it exists; True if it was enqueued."""
        return self._enqueue(filing_id, requested_version)
