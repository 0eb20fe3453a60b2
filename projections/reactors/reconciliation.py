"""Reconciliation: work the log asked for but RQ no longer knows about is enqueued again.

RQ's jobs live only in Redis. A Redis that comes back empty (or a job that failed all its
attempts while PostgreSQL was away) leaves a return "computing" or a document "uploaded"
(being read) for good: the reactor enqueued the job once, when it saw the event, and will
never see that event again. The log and the read models still say what is owed, so a
periodic sweep in the projector compares them with RQ:

- every return in `computing` owes the job `tax-<filing>-<requested version>`;
- every document in `uploaded` owes the job `doc-<document>`.

A job that has been missing (or failed) for longer than `after` seconds (seen missing by
consecutive sweeps, so a job the reactor is about to enqueue is left alone) is enqueued
again through the reactor, with the same deterministic id and options. Repeats are harmless:
the id is the same, and the aggregates discard a result for a request that is no longer the
latest or was already recorded (the stale-result rule), and read a document once.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psycopg
import structlog
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from projections.reactors.computation import ComputationReactor, computation_job_id
from projections.reactors.documents import DocumentReactor, document_job_id

log = structlog.get_logger(__name__)

# Served by filing_summary_by_status and document_status_uploaded (a partial index).
COMPUTING_SQL = (
    "SELECT filing_id, requested_version FROM filing_summary "
    "WHERE status = 'computing' AND requested_version IS NOT NULL "
    "ORDER BY created_at DESC, filing_id DESC LIMIT %s"
)
READING_SQL = (
    "SELECT document_id, sha256 FROM document_status WHERE status = 'uploaded' "
    "ORDER BY uploaded_at LIMIT %s"
)
# A job in one of these states will never run again by itself.
_DEAD = {JobStatus.FAILED.value, JobStatus.STOPPED.value, JobStatus.CANCELED.value}


@dataclass(frozen=True)
class Owed:
    job_id: str
    enqueue: Callable[[], bool]


@dataclass(eq=False)
class Reconciler:
    redis: Redis
    computations: ComputationReactor
    documents: DocumentReactor | None
    after: float = 30.0
    interval: float = 10.0
    limit: int = 10_000
    clock: Callable[[], float] = time.monotonic
    reenqueued: int = field(default=0, init=False)
    requires: tuple[str, ...] = field(
        default=("computation_reactor", "document_reactor"), init=False
    )
    _missing_since: dict[str, float] = field(default_factory=dict, init=False)

    name = "reconciliation"

    def __post_init__(self) -> None:
        if self.documents is None:
            self.requires = ("computation_reactor",)

    def owed(self, conn: psycopg.Connection[Any]) -> list[Owed]:
        owed: list[Owed] = []
        computations = self.computations
        for fid, version in conn.execute(COMPUTING_SQL, (self.limit,)).fetchall():
            owed.append(
                Owed(computation_job_id(fid, version), partial(computations.enqueue, fid, version))
            )
        if self.documents is not None:
            docs = self.documents
            for did, sha in conn.execute(READING_SQL, (self.limit,)).fetchall():
                owed.append(Owed(document_job_id(did), partial(docs.enqueue, did, sha)))
        return owed

    def _lost(self, job_ids: list[str]) -> set[str]:
        """The jobs RQ has not got (or has given up on), in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        statuses = pipe.execute()
        lost = set()
        for job_id, raw in zip(job_ids, statuses, strict=True):
            status = raw.decode() if isinstance(raw, bytes) else raw
            if status is None or status in _DEAD:
                lost.add(job_id)
        return lost

    def run(self, conn: psycopg.Connection[Any]) -> None:
        self.sweep(conn)

    def sweep(self, conn: psycopg.Connection[Any]) -> int:
        """One pass; returns how many jobs were enqueued again."""
        owed = self.owed(conn)
        lost = self._lost([o.job_id for o in owed]) if owed else set()
        now = self.clock()
        done = 0
        for o in owed:
            if o.job_id not in lost:
                continue
            since = self._missing_since.setdefault(o.job_id, now)
            if now - since < self.after:
                continue
            # A failed job keeps its id: drop it so the same id can be enqueued afresh.
            with contextlib.suppress(NoSuchJobError):
                Job.fetch(o.job_id, connection=self.redis).delete()
            if o.enqueue():
                done += 1
                log.warning(
                    "reconcile.reenqueued", job_id=o.job_id, missing_seconds=round(now - since, 1)
                )
            del self._missing_since[o.job_id]
        for job_id in list(self._missing_since):
            if job_id not in lost:
                del self._missing_since[job_id]
        self.reenqueued += done
        return done
