"""The RQ worker every `burnblack worker` runs: in-process jobs, and quick rescue of the jobs
of a worker that died.

A worker killed with SIGKILL leaves its job in the queue's StartedJobRegistry, marked to
expire after the job's timeout plus a heartbeat margin; only then does some worker's
periodic maintenance move it out (and retry it if it has retries left). RQ's defaults make
that ten minutes or more (a 60 s margin, maintenance every 10 minutes, idle workers blocked
on the queue for 405 s). Here the margin is `abandon_grace` seconds and idle workers wake
every `dequeue_seconds` to run maintenance every `maintenance_interval` seconds, so a dead
worker's job is retried about `timeout + grace + interval` seconds after it started.

The margin must cover the time between the job's timeout firing and the worker recording
the failure: a SimpleWorker runs the job in its own process (no heartbeats meanwhile), and
its death penalty (SIGALRM) stops the job at its timeout.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from prometheus_client import Histogram
from rq import SimpleWorker
from rq.defaults import DEFAULT_WORKER_TTL
from rq.job import Job
from rq.queue import Queue

from workers.context import JobContext

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
JOB_WAIT = Histogram(
    "burnblack_rq_job_wait_seconds",
    "Time a job waited in its queue before a worker started it",
    ["queue"],
    buckets=_BUCKETS,
)
JOB_DURATION = Histogram(
    "burnblack_rq_job_duration_seconds",
    "Time a job ran, by queue, function and outcome",
    ["queue", "function", "outcome"],
    buckets=_BUCKETS,
)


def _waited(job: Job) -> float | None:
    enqueued = job.enqueued_at
    if enqueued is None:
        return None
    if enqueued.tzinfo is None:  # RQ stores UTC
        enqueued = enqueued.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - enqueued).total_seconds())


class ContextJob(Job):
    """A job whose function (and failure callback) receives its process's `JobContext` first.

    RQ resolves a job's function by name and calls it with the stored arguments; this class
    puts the context in front. The context is a class attribute of a subclass made per
    process by `job_class(context)`, because RQ creates job instances itself (the worker on
    dequeue, the registries' clean-up for an abandoned job): they all take the class that
    the worker and its queues were given."""

    context: JobContext

    @property
    def func(self) -> Any:
        found = super().func
        return None if found is None else partial(found, self.context)

    @property
    def failure_callback(self) -> Any:
        found: Any = super().failure_callback
        return None if found is None else partial(found, self.context)


def job_class(context: JobContext) -> type[ContextJob]:
    """The job class of one worker process: pass it to the worker and to its queues."""
    return type("BoundJob", (ContextJob,), {"context": context})


class BurnblackWorker(SimpleWorker):
    def __init__(
        self,
        *args: Any,
        abandon_grace: int = 15,
        dequeue_seconds: int = 10,
        **kwargs: Any,
    ) -> None:
        self.abandon_grace = abandon_grace  # set first: the base __init__ reads them
        self.dequeue_seconds = dequeue_seconds
        # True once SIGTERM/SIGINT asked this worker to stop: its loop ending any other way
        # (RQ quits on a Redis error) means the process should start a new loop instead.
        self.stop_requested = False
        super().__init__(*args, **kwargs)

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    @property
    def dequeue_timeout(self) -> int:
        return max(1, min(self.dequeue_seconds, self.worker_ttl - 15))

    def get_heartbeat_ttl(self, job: Job) -> int:
        if job.timeout == -1:
            return DEFAULT_WORKER_TTL
        return int(job.timeout or Queue.DEFAULT_TIMEOUT) + self.abandon_grace

    def perform_job(self, job: Job, queue: Queue) -> bool:
        waited = _waited(job)
        if waited is not None:
            JOB_WAIT.labels(queue.name).observe(waited)
        started = time.perf_counter()
        ok = bool(super().perform_job(job, queue))
        function = (job.func_name or "unknown").rsplit(".", 1)[-1]
        JOB_DURATION.labels(queue.name, function, "ok" if ok else "failed").observe(
            time.perf_counter() - started
        )
        return ok
