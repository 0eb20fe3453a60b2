"""Admin operations on the read side: projection status, rebuilds, filing counts."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_202_ACCEPTED

from api.controllers.audiences import AdminController
from api.dependencies import Operations, Reads, RebuildJobs
from api.problems import problem
from api.read_schemas import FilingCounts, ProjectionStatus, RebuildQueued, RebuildStatus
from api.services import RebuildRunning


class OperationsController(AdminController):
    path = "/api/v1/admin"

    @get(
        "/projections",
        operation_id="projectionStatus",
        sync_to_thread=True,
        responses={200: ResponseSpec(ProjectionStatus, description="Followers and read models")},
    )
    def projections(self, operations: Operations) -> dict[str, Any]:
        return operations.projections()

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
        self, rebuilds: RebuildJobs, name: Literal["filing_summary"]
    ) -> Response[dict[str, Any]]:
        try:
            job_id = rebuilds.rebuild(name)
        except RebuildRunning as exc:
            raise problem(
                409,
                "rebuild-running",
                "A rebuild is already running",
                f"follow it at /api/v1/admin/rebuilds/{exc.job_id}",
            ) from None
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
    def rebuild_status(self, rebuilds: RebuildJobs, job_id: str) -> dict[str, Any]:
        status = rebuilds.rebuild_status(job_id)
        if status is None:
            raise problem(404, "not-found", "No such rebuild", job_id)
        return status

    @get(
        "/filings/counts",
        operation_id="filingCounts",
        responses={200: ResponseSpec(FilingCounts, description="Filings by year and status")},
    )
    async def counts(self, reads: Reads) -> dict[str, Any]:
        return {"counts": await reads.counts()}
