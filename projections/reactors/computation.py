"""The reactor that turns every tax-computation request into one RQ job."""

from __future__ import annotations

from typing import Any

import psycopg
from rq import Queue, Retry
from rq.job import Job

from domain.filing import events as names
from projections.projector.runner import AfterCommit

COMPUTE_TAX_JOB = "workers.jobs.compute_tax"


def computation_job_id(filing_id: object, requested_version: int) -> str:
    return f"tax-{filing_id}-{requested_version}"


class ComputationReactor:
    """Enqueues a tax computation for every TaxComputationRequested, once per request.

    Enqueueing happens before the position commits, so a crash re-enqueues (at least once);
    the deterministic job id and the aggregate's own check make the repeat harmless.
    """

    name = "computation_reactor"

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

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
        job_id = computation_job_id(filing_id, requested_version)
        if Job.exists(job_id, connection=self._queue.connection):
            return False
        self._queue.enqueue(
            COMPUTE_TAX_JOB,
            str(filing_id),
            requested_version,
            job_id=job_id,
            retry=Retry(max=3, interval=[2, 10, 30]),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"compute tax for filing {filing_id} v{requested_version}",
        )
        return True
