"""Auditors' view of every filing: filter by status, year and creation date, newest first."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from api.controllers.audiences import AuditorController
from api.dependencies import Reads
from api.problems import problem
from api.read_schemas import AuditFilingList
from domain.filing.status import FilingStatus
from domain.tax.inputs import AssessmentYear
from projections.read_models.filings.queries import AuditFilter


def _cursor(raw: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        at, _, fid = raw.partition("~")
        return dt.datetime.fromisoformat(at), uuid.UUID(fid)
    except ValueError:
        raise problem(
            400,
            "validation",
            "cursor is not one we gave you",
            "pass `next_cursor` back unchanged",
            field="cursor",
        ) from None


class FilingSearchController(AuditorController):
    path = "/api/v1/audit/filings"

    @get(
        "/",
        operation_id="searchFilings",
        description="Every filing, newest first; keyset pagination via `next_cursor`.",
        responses={200: ResponseSpec(AuditFilingList, description="A page of filings")},
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        reads: Reads,
        status: FilingStatus | None = None,
        assessment_year: AssessmentYear | None = None,
        created_from: Annotated[dt.datetime | None, Parameter(description="inclusive")] = None,
        created_to: Annotated[dt.datetime | None, Parameter(description="exclusive")] = None,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        f = AuditFilter(
            status=status.value if status else None,
            assessment_year=assessment_year,
            created_from=created_from,
            created_to=created_to,
            cursor=_cursor(cursor),
            limit=limit,
        )
        return await reads.audit_list(f)
