"""The reconciliation sweep: a return "computing" whose job RQ lost gets its job again, once
it has been missing for the set time; a job RQ still has (or just enqueued) is left alone."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
from rq import Queue
from rq.job import Job

from burnblack.bootstrap import wiring
from burnblack.bootstrap.jobs import JobQueues
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from projections.projector.runner import LogRunner
from projections.reactors.computation import ComputationReactor
from projections.reactors.documents import DocumentReactor
from projections.reactors.reconciliation import Reconciler
from projections.read_models.filings.follower import FilingSummaryFollower
from projections.schema import ensure_schema
from tests.taxpayer import random_pan


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_lost_job_is_enqueued_again_after_the_grace_and_only_then(
    own_database: Settings,
) -> None:
    settings = own_database
    database_url, _ = settings.require_urls()
    filings = wiring.filings_app(settings)
    client = wiring.redis_client(settings)
    queue = Queue(f"high-{uuid.uuid4().hex[:8]}", connection=client)
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_schema(conn)
    # The read model only: no reactor, so the job is never enqueued (as if lost with Redis).
    runner = LogRunner(
        database_url,
        wiring.event_log(settings, filings),
        [FilingSummaryFollower(wiring.cache_invalidator(client), wiring.read_model_seal(filings))],
    )
    ctx = CommandContext(f"user-{uuid.uuid4()}")
    lost = filings.start_filing(ctx, random_pan(), "2026-27")
    income = IncomeDeclaration(age=35, salary=Salary(gross=1_200_000))
    v = filings.declare_income(ctx, lost.aggregate_id, lost.version, income).version
    requested = filings.request_computation(ctx, lost.aggregate_id, v, dt.date(2026, 7, 1))
    kept = filings.start_filing(ctx, random_pan(), "2026-27")
    v = filings.declare_income(ctx, kept.aggregate_id, kept.version, income).version
    kept_request = filings.request_computation(ctx, kept.aggregate_id, v, dt.date(2026, 7, 1))
    runner.run_once()

    document_queue = Queue(f"default-{uuid.uuid4().hex[:8]}", connection=client)
    enqueue = JobQueues({"high": queue, "default": document_queue})
    computations = ComputationReactor(enqueue.compute_tax)
    assert computations.enqueue(kept.aggregate_id, kept_request.version)  # RQ has this one
    clock = Clock()
    sweeper = Reconciler(
        client,
        computations,
        DocumentReactor(enqueue.read_document),
        after=30,
        clock=clock,
    )
    lost_job = f"tax-{lost.aggregate_id}-{requested.version}"
    kept_job = f"tax-{kept.aggregate_id}-{kept_request.version}"
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            assert sweeper.sweep(conn) == 0  # first seen missing now
            clock.now += 29
            assert sweeper.sweep(conn) == 0  # not yet missing for 30 s
            assert not Job.exists(lost_job, connection=client)
            clock.now += 2
            assert sweeper.sweep(conn) == 1
            job = Job.fetch(lost_job, connection=client)
            assert list(job.args) == [str(lost.aggregate_id), requested.version]
            assert job.origin == queue.name
            assert queue.job_ids.count(lost_job) == 1
            assert queue.job_ids.count(kept_job) == 1  # never enqueued twice
            clock.now += 60
            assert sweeper.sweep(conn) == 0  # both jobs exist now

            # A job that failed all its attempts will never run again: enqueued afresh.
            job.set_status("failed")
            queue.remove(lost_job)
            assert sweeper.sweep(conn) == 0
            clock.now += 31
            assert sweeper.sweep(conn) == 1
            assert Job.fetch(lost_job, connection=client).get_status() == "queued"
    finally:
        queue.empty()
        filings.close()
        client.close()
