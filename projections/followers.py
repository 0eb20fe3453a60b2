"""Log followers: the read-model projection and the reactor that turns events into jobs."""

from __future__ import annotations

from typing import Any

import psycopg
from rq import Queue, Retry
from rq.job import Job

from domain.filing import events as names
from projections.filing_summary import FilingSummaryProjection
from projections.invalidation import CacheInvalidator
from projections.runner import AfterCommit
from projections.warming import load_warm


class FilingSummaryFollower:
    """The taxpayer/auditor/admin filing read models; after each batch commits, writes the new
    cache entries of what it changed and publishes its position for read-your-writes."""

    name = "filing_summary"

    def __init__(self, invalidator: CacheInvalidator) -> None:
        self._projection = FilingSummaryProjection()
        self._invalidator = invalidator

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        touched = self._projection.apply(conn, events)
        warmed = load_warm(conn, touched)
        position = events[-1][0]
        return lambda: self._invalidator.after_commit(touched, position, warmed)


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
