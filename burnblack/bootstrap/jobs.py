"""The RQ jobs of the platform, enqueued by name only here: the reactors, the reconciler and
the admin API get these methods as callables from the composition root, so no other package
spells a job's dotted path (RQ stores it from the function object).

Every job id is deterministic (a replayed event, a crash between enqueueing and committing
the projector's position, or a second request finds the job and enqueues nothing new).

Document retries back off, except the first, which is immediate: the usual cause is a worker
that died (its job rescued by another worker's registry clean-up), and a retry with a delay
needs RQ's scheduler, whose lock a dead worker holds for another minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Callback, Job, JobStatus

from api.services import RebuildRunning
from projections.reactors.computation import computation_job_id
from projections.reactors.documents import document_job_id
from workers import documents as document_jobs
from workers import jobs

QUEUES = ("high", "default", "low")
REBUILD_PREFIX = "rebuild-"
_RUNNING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def queues(client: redis.Redis, job_class: type[Job] | None = None) -> dict[str, Queue]:
    """The three queues on one client; a worker passes its job class (workers/worker.py)."""
    extra: dict[str, Any] = {"job_class": job_class} if job_class is not None else {}
    return {name: Queue(name, connection=client, **extra) for name in QUEUES}


class JobQueues:
    """What may be enqueued, and how: one instance per process, on its Redis client."""

    def __init__(
        self,
        queues: Mapping[str, Queue],
        document_timeout: int = 300,
        document_retries: tuple[int, ...] = (0, 30, 120),
    ) -> None:
        self._queues = queues
        self._document_timeout = document_timeout
        self._document_retries = list(document_retries)

    def _once(self, queue_name: str, job_id: str, func: Any, *args: Any, **options: Any) -> bool:
        """Enqueue unless RQ has a job with this id; True if it was enqueued."""
        queue = self._queues[queue_name]
        if Job.exists(job_id, connection=queue.connection):
            return False
        queue.enqueue(func, *args, job_id=job_id, **options)
        return True

    def compute_tax(self, filing_id: object, requested_version: int) -> bool:
        """The computation a TaxComputationRequested asked for; False if RQ has it already."""
        return self._once(
            "high",
            computation_job_id(filing_id, requested_version),
            jobs.compute_tax,
            str(filing_id),
            requested_version,
            retry=Retry(max=3, interval=[2, 10, 30]),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"compute tax for filing {filing_id} v{requested_version}",
        )

    def read_document(self, document_id: object, sha256: str) -> bool:
        """The reading a DocumentUploaded asked for; False if RQ has it already."""
        return self._once(
            "default",
            document_job_id(document_id),
            document_jobs.parse_document,
            str(document_id),
            sha256,
            job_timeout=self._document_timeout,
            retry=Retry(max=len(self._document_retries), interval=self._document_retries),
            on_failure=Callback(document_jobs.on_parse_failure),
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"read document {document_id}",
        )

    def rebuild(self, name: str) -> str:
        """Queue a projection rebuild (low queue); its job id. RebuildRunning if one is."""
        queue = self._queues["low"]
        job_id = f"{REBUILD_PREFIX}{name}"
        try:
            existing = Job.fetch(job_id, connection=queue.connection)
            if existing.get_status() in _RUNNING:
                raise RebuildRunning(job_id)
            existing.delete()
        except NoSuchJobError:
            pass
        queue.enqueue(
            jobs.rebuild_projection,
            name,
            job_id=job_id,
            job_timeout=6 * 3600,
            result_ttl=7 * 24 * 3600,
            description=f"rebuild projection {name}",
        )
        return job_id

    def rebuild_status(self, job_id: str) -> dict[str, Any] | None:
        """A rebuild's status, progress, report and error; None if there is no such rebuild."""
        if not job_id.startswith(REBUILD_PREFIX):
            return None
        try:
            job = Job.fetch(job_id, connection=self._queues["low"].connection)
        except NoSuchJobError:
            return None
        status = job.get_status()
        latest = job.latest_result() if status == JobStatus.FAILED else None
        error = (latest.exc_string or "").strip().splitlines()[-1:] if latest else []
        return {
            "job_id": job_id,
            "status": str(status.value if status else "unknown"),
            "progress": job.meta.get("progress"),
            "report": job.return_value() if status == JobStatus.FINISHED else None,
            "error": error[0] if error else None,
        }
