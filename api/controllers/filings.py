"""A taxpayer's returns: start, declare, compute, submit, and read them back."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar import get as get_route  # `get` is the summary handler's name in the class
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from api.context import command_context
from api.controllers.audiences import TaxpayerController
from api.dependencies import Accounts, Filings, Histories, Reading
from api.document_schemas import FilingHistory
from api.guards import current_user_id
from api.india_date import today_in_india
from api.preconditions import etag, expected_version
from api.problems import problem
from api.read_schemas import FilingList, FilingView
from api.reading import MinPosition, conditional
from api.schemas import CommandAccepted, EVerify, ReturnTypeView, StartFiling, SubmitReturn
from api.security.config import EXPENSIVE
from commands.pan_claims import start_filing_audited
from commands.results import Written
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Deductions
from projections.read_models.filings.queries import (
    FIRST_PAGE_LIMIT,  # the page the projector keeps warm
)


def _accepted(written: Written, http_status: int, **extra: Any) -> Response[CommandAccepted]:
    body = CommandAccepted(
        id=str(written.aggregate_id), version=written.version, position=written.position, **extra
    )
    headers = {"ETag": etag(written.version), "X-Event-Position": str(written.position)}
    return Response(body, status_code=http_status, headers=headers)


class FilingsController(TaxpayerController):
    path = "/api/v1/filings"
    tags = ["filings"]

    @post("/", status_code=HTTP_201_CREATED, operation_id="startFiling", sync_to_thread=True)
    def start(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        accounts: Accounts,
        data: StartFiling,
    ) -> Response[CommandAccepted]:
        written = start_filing_audited(
            filings, accounts, command_context(request), data.pan, data.assessment_year
        )
        response = _accepted(written, HTTP_201_CREATED, status="draft")
        response.headers["Location"] = f"/api/v1/filings/{written.aggregate_id}"
        return response

    @get(
        "/",
        operation_id="listFilings",
        description="Your filings, newest first. Pass `next_cursor` back as `cursor`.",
        responses={
            200: ResponseSpec(FilingList, description="A page of your filings"),
            304: ResponseSpec(None, description="Not modified"),
        },
    )
    async def list(
        self,
        request: Request[Any, Any, Any],
        reading: Reading,
        limit: Annotated[int, Parameter(ge=1, le=100)] = FIRST_PAGE_LIMIT,
        cursor: Annotated[int | None, Parameter(ge=1)] = None,
        min_position: MinPosition = None,
    ) -> Response[bytes]:
        await reading.read_your_writes(request, min_position)
        view = await reading.reads.list_for_owner(current_user_id(request), limit, cursor)
        return conditional(request, view, weak=True)

    @get(
        "/{filing_id:uuid}",
        operation_id="getFiling",
        description="The filing's summary. ETag is its version; If-None-Match gives 304. "
        "Pass a command's `position` as `min_position` (or `X-Min-Position`) to read your "
        "own write: answered once the read model has it, else 503 with Retry-After.",
        responses={
            200: ResponseSpec(FilingView, description="The filing"),
            304: ResponseSpec(None, description="Not modified"),
        },
    )
    async def get(
        self,
        request: Request[Any, Any, Any],
        reading: Reading,
        filing_id: uuid.UUID,
        min_position: MinPosition = None,
    ) -> Response[bytes]:
        await reading.read_your_writes(request, min_position)
        view = await reading.reads.summary(current_user_id(request), filing_id)
        if view is None:
            raise problem(404, "not-found", "No such filing", f"no filing {filing_id}")
        return conditional(request, view)

    @get_route(
        "/{filing_id:uuid}/return-type",
        operation_id="filingReturnType",
        sync_to_thread=True,
        description="Which return this filing is if filed `on` a day (default: today, IST) "
        "and why: the type, its section and window, from the day and the returns already "
        "submitted. Read from the event store, not cached.",
    )
    def return_type(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        filing_id: uuid.UUID,
        on: dt.date | None = None,
    ) -> Response[ReturnTypeView]:
        view = filings.return_type_on(filing_id, current_user_id(request), on or today_in_india())
        return Response(
            msgspec.convert(view, ReturnTypeView), headers={"Cache-Control": "no-store"}
        )

    @get_route(
        "/{filing_id:uuid}/history",
        operation_id="filingHistory",
        sync_to_thread=True,
        description="Every change to the return, oldest first, with who made it; declared "
        "income and deductions carry their `source` (a document's fields, page and line, "
        "or the taxpayer).",
    )
    def history(
        self, request: Request[Any, Any, Any], histories: Histories, filing_id: uuid.UUID
    ) -> Response[FilingHistory]:
        entries = histories.of(filing_id, current_user_id(request))
        return Response(
            msgspec.convert({"items": entries}, FilingHistory),
            headers={"Cache-Control": "private, no-cache", "Vary": "Cookie"},
        )

    @put(
        "/{filing_id:uuid}/income",
        operation_id="declareIncome",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def declare_income(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        filing_id: uuid.UUID,
        data: IncomeDeclaration,
    ) -> Response[CommandAccepted]:
        written = filings.declare_income(
            command_context(request), filing_id, expected_version(request), data
        )
        return _accepted(written, HTTP_200_OK, status="draft")

    @put(
        "/{filing_id:uuid}/deductions",
        operation_id="claimDeductions",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def claim_deductions(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        filing_id: uuid.UUID,
        data: Deductions,
    ) -> Response[CommandAccepted]:
        written = filings.claim_deductions(
            command_context(request), filing_id, expected_version(request), data
        )
        return _accepted(written, HTTP_200_OK, status="draft")

    @post(
        "/{filing_id:uuid}/computations",
        operation_id="requestComputation",
        status_code=HTTP_202_ACCEPTED,
        sync_to_thread=True,
        opt=EXPENSIVE,
    )
    def request_computation(
        self, request: Request[Any, Any, Any], filings: Filings, filing_id: uuid.UUID
    ) -> Response[CommandAccepted]:
        written = filings.request_computation(
            command_context(request), filing_id, expected_version(request), today_in_india()
        )
        response = _accepted(written, HTTP_202_ACCEPTED, status="computing")
        response.headers["Location"] = f"/api/v1/filings/{filing_id}"
        return response

    @post(
        "/{filing_id:uuid}/submission",
        operation_id="submitReturn",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def submit(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        filing_id: uuid.UUID,
        data: SubmitReturn,
    ) -> Response[CommandAccepted]:
        written, acknowledgement = filings.submit(
            command_context(request),
            filing_id,
            expected_version(request),
            data.regime,
            today_in_india(),
        )
        return _accepted(
            written, HTTP_200_OK, status="submitted", acknowledgement_number=acknowledgement
        )

    @post(
        "/{filing_id:uuid}/revisions",
        operation_id="openRevision",
        status_code=HTTP_201_CREATED,
        sync_to_thread=True,
        description="Reopen a submitted return (If-Match: its version) as a revised return "
        "u/s 139(5), or an updated return u/s 139(8A) once the revision window has closed. "
        "It replaces the latest submitted return, whose acknowledgement number and date it "
        "records (see `/history`); change, compute and submit it as before. 422 "
        "`invalid-transition` for a return not submitted, `return-not-allowed` outside every "
        "window or after an updated return; 409 for a stale If-Match.",
    )
    def open_revision(
        self, request: Request[Any, Any, Any], filings: Filings, filing_id: uuid.UUID
    ) -> Response[CommandAccepted]:
        written = filings.open_revision(
            command_context(request), filing_id, expected_version(request), today_in_india()
        )
        response = _accepted(written, HTTP_201_CREATED, status="draft")
        response.headers["Location"] = f"/api/v1/filings/{filing_id}"
        return response

    @post(
        "/{filing_id:uuid}/verification",
        operation_id="eVerifyReturn",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def e_verify(
        self, request: Request[Any, Any, Any], filings: Filings, filing_id: uuid.UUID, data: EVerify
    ) -> Response[CommandAccepted]:
        written = filings.e_verify(
            command_context(request),
            filing_id,
            expected_version(request),
            data.method,
            today_in_india(),
        )
        return _accepted(written, HTTP_200_OK, status="e_verified")
