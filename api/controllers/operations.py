"""Admin operations on the read side: projection status, rebuilds, filing counts."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_202_ACCEPTED
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from api.context import services
from api.guards import requires_role
from api.problems import problem
from api.read_schemas import FilingCounts, ProjectionStatus, RebuildQueued, RebuildStatus
from projections.projector.status import follower_statuses

REBUILD_JOB = "burnblack.operations.rebuild_projection"
_RUNNING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


class OperationsController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]
    guards = [requires_role("admin")]

    @get(
        "/projections",
        operation_id="projectionStatus",
        sync_to_thread=True,
        responses={200: ResponseSpec(ProjectionStatus, description="Followers and read models")},
    )
    def projections(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        svc = services(request)
        head = svc.event_head()
        with svc.pool.connection() as conn:
            followers = follower_statuses(conn, head)
            row = conn.execute(
                "SELECT version, switched_at FROM read_model_version WHERE name = 'filing_summary'"
            ).fetchone()
        return {
            "head": head,
            "followers": [
                {
                    "name": f.name,
                    "position": f.position,
                    "lag": f.lag,
                    "updated_at": f.updated_at.isoformat(),
                }
                for f in followers
            ],
            "read_models": {
                "filing_summary": {
                    "version": row[0] if row else 1,
                    "switched_at": row[1].isoformat() if row else None,
                }
            },
        }

    @post(
        "/projections/{name:str}/rebuilds",
        operation_id="rebuildProjection",
        status_code=HTTP_202_ACCEPTED,
        sync_to_thread=True,
        description="Rebuild the read model in shadow tables as a low-priority job, compare "
        "and switch with no downtime (never when live and shadow differ: the report says "
        "`refused`). Follow it at the returned Location.",
        responses={202: ResponseSpec(RebuildQueued, description="Queued")},
    )
    def rebuild(
        self, request: Request[Any, Any, Any], name: Literal["filing_summary"]
    ) -> Response[dict[str, Any]]:
        svc = services(request)
        job_id = f"rebuild-{name}"
        try:
            existing = Job.fetch(job_id, connection=svc.redis)
            if existing.get_status() in _RUNNING:
                raise problem(
                    409,
                    "rebuild-running",
                    "A rebuild is already running",
                    f"follow it at /api/v1/admin/rebuilds/{job_id}",
                )
            existing.delete()
        except NoSuchJobError:
            pass
        Queue("low", connection=svc.redis).enqueue(
            REBUILD_JOB,
            name,
            job_id=job_id,
            job_timeout=6 * 3600,
            result_ttl=7 * 24 * 3600,
            description=f"rebuild projection {name}",
        )
        location = f"/api/v1/admin/rebuilds/{job_id}"
        return Response(
            {"job_id": job_id, "status": "queued"}, status_code=202, headers={"Location": location}
        )

    @get(
        "/rebuilds/{job_id:str}",
        operation_id="rebuildStatus",
        sync_to_thread=True,
        responses={200: ResponseSpec(RebuildStatus, description="Progress and report")},
    )
    def rebuild_status(self, request: Request[Any, Any, Any], job_id: str) -> dict[str, Any]:
        if not job_id.startswith("rebuild-"):
            raise problem(404, "not-found", "No such rebuild", job_id)
        try:
            job = Job.fetch(job_id, connection=services(request).redis)
        except NoSuchJobError:
            raise problem(404, "not-found", "No such rebuild", job_id) from None
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

    @get(
        "/filings/counts",
        operation_id="filingCounts",
        responses={200: ResponseSpec(FilingCounts, description="Filings by year and status")},
    )
    async def counts(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"counts": await services(request).reads.counts()}
