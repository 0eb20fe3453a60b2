"""Documents on a return: upload a Form 16, watch it being read, accept its fields.

The upload is checked and stored, `DocumentUploaded` recorded, and 202 returned at once: a
worker, started by the projector's reactor from that event, reads the file. The upload's
body limit is the configured upload size plus the multipart envelope, set when the app is
built (`document_controllers`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.context import command_context
from api.controllers.audiences import TaxpayerController
from api.dependencies import Documents, Filings
from api.document_schemas import (
    AcceptDocument,
    DocumentList,
    DocumentUpload,
    DocumentUploaded,
    DocumentView,
)
from api.guards import current_user_id
from api.india_date import today_in_india
from api.preconditions import etag, expected_version
from api.problems import problem, rejection_status
from api.schemas import CommandAccepted
from api.security.config import EXPENSIVE
from commands.adapters.document_files import DocumentRejected
from commands.documents import DocumentNotFound
from domain.documents.errors import FieldsNeedReview

_NO_STORE = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}


def _problems(**descriptions: str) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem documents a route answers with (docs/problems.md)."""
    return {
        int(status.removeprefix("s")): ResponseSpec(
            None, description=text, media_type="application/problem+json"
        )
        for status, text in descriptions.items()
    }


def _not_found(document_id: uuid.UUID) -> Exception:
    return problem(404, "not-found", "No such document", f"no document {document_id}")


class DocumentUploadController(TaxpayerController):
    path = "/api/v1/filings"
    tags = ["documents"]

    @post(
        "/{filing_id:uuid}/documents",
        status_code=HTTP_202_ACCEPTED,
        operation_id="uploadDocument",
        sync_to_thread=True,
        opt=EXPENSIVE,
        summary="Upload a Form 16 (PNG, JPEG, TIFF or PDF)",
        responses=_problems(
            s404="no such return for you",
            s413="document-too-large / too-large",
            s415="unsupported-document-type: the content is not PNG, JPEG, TIFF or PDF",
            s422="document-empty, corrupt-document, document-encrypted, document-too-complex",
        ),
        description="multipart/form-data with a `file` part. The type is decided by content, "
        "not name. 202: stored and queued for reading (`Location` is the document). The same "
        "file uploaded again to the same return is the same document (`duplicate: true`).",
    )
    def upload(
        self,
        request: Request[Any, Any, Any],
        documents: Documents,
        filing_id: uuid.UUID,
        data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[DocumentUploaded]:
        content = data.file.file.read(documents.max_upload_bytes + 1)
        if len(content) > documents.max_upload_bytes:
            raise problem(
                413,
                "document-too-large",
                "The file is too large",
                f"at most {documents.max_upload_bytes} bytes are accepted",
                field="file",
            )
        try:
            uploaded = documents.service.upload(
                command_context(request), filing_id, content, data.file.filename or ""
            )
        except DocumentRejected as exc:
            raise problem(
                rejection_status(exc), exc.code, exc.title, exc.message, field="file"
            ) from None
        body = DocumentUploaded(
            id=str(uploaded.document_id),
            filing_id=str(filing_id),
            sha256=uploaded.sha256,
            media_type=uploaded.facts.media_type,
            pages=uploaded.facts.pages,
            duplicate=uploaded.duplicate,
            position=uploaded.written.position if uploaded.written else None,
        )
        headers = {"Location": f"/api/v1/documents/{uploaded.document_id}"}
        if uploaded.written is not None:
            headers["X-Event-Position"] = str(uploaded.written.position)
        return Response(body, status_code=HTTP_202_ACCEPTED, headers=headers)

    @get(
        "/{filing_id:uuid}/documents",
        operation_id="listDocuments",
        sync_to_thread=True,
        description="The documents uploaded to this return, oldest first.",
    )
    def list_documents(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        documents: Documents,
        filing_id: uuid.UUID,
    ) -> Response[DocumentList]:
        owner = current_user_id(request)
        filings.get_owned_filing(filing_id, owner)  # 404 for anyone else
        items = documents.queries.for_filing(owner, filing_id)
        body = DocumentList(items=[msgspec.convert(i, DocumentView) for i in items])
        return Response(body, headers=_NO_STORE)


class DocumentsController(TaxpayerController):
    path = "/api/v1/documents"
    tags = ["documents"]

    @get(
        "/{document_id:uuid}",
        operation_id="getDocument",
        sync_to_thread=True,
        description="Status (uploaded, parsed, failed, accepted), live `progress` while a "
        "worker reads it, the extracted `fields` (value, confidence, page, line), problems "
        "and errors. Poll it after an upload.",
        responses=_problems(s404="no such document for you"),
    )
    def get(
        self, request: Request[Any, Any, Any], documents: Documents, document_id: uuid.UUID
    ) -> Response[DocumentView]:
        view = documents.view(current_user_id(request), document_id)
        if view is None:
            raise _not_found(document_id)
        return Response(msgspec.convert(view, DocumentView), headers=_NO_STORE)

    @post(
        "/{document_id:uuid}/acceptance",
        operation_id="acceptDocument",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
        opt=EXPENSIVE,  # it starts a computation, like POST /filings/{id}/computations
        description="Put the document's salary and TDS on its return, added to the other "
        "employers' accepted Form 16s (once per document; a later Form 16 with the same "
        "employer TAN supersedes), with the Chapter VI-A amounts the employer allowed (the "
        "largest any Form 16 allowed), sourced to the document, and request a fresh "
        "computation. "
        "If-Match: the filing's version. 422 when the PAN or assessment year differ from the "
        "return's, or when needed fields must be confirmed (send them as `corrections`).",
        responses=_problems(
            s404="no such document for you",
            s409="version-conflict: If-Match is not the filing's current version",
            s422="document-not-parsed, not-a-form16, pan-mismatch, assessment-year-mismatch, "
            "document-needs-review (`fields`), invalid-correction (also: the Form 16s add up "
            "beyond what a return holds), filing-closed",
            s428="precondition-required: If-Match is missing",
        ),
    )
    def accept(
        self,
        request: Request[Any, Any, Any],
        documents: Documents,
        document_id: uuid.UUID,
        data: AcceptDocument | None = None,
    ) -> Response[CommandAccepted]:
        corrections = dict(data.corrections) if data is not None else {}
        try:
            written = documents.service.accept(
                command_context(request),
                document_id,
                expected_version(request),
                today_in_india(),
                corrections,
            )
        except DocumentNotFound:
            raise _not_found(document_id) from None
        except FieldsNeedReview as exc:
            raise problem(
                422,
                exc.code,
                "Some fields need your confirmation",
                exc.message,
                field=exc.field,
                fields=exc.fields,
            ) from None
        body = CommandAccepted(
            id=str(written.aggregate_id),
            version=written.version,
            position=written.position,
            status="computing",
        )
        headers = {
            "ETag": etag(written.version),
            "X-Event-Position": str(written.position),
            "Location": f"/api/v1/filings/{written.aggregate_id}",
        }
        return Response(body, status_code=HTTP_200_OK, headers=headers)


def document_controllers(max_body_bytes: int) -> list[type[Controller]]:
    """The document controllers, the upload's body limit set to what uploads need."""
    upload = type(
        "DocumentUploadController",
        (DocumentUploadController,),
        {"request_max_body_size": max_body_bytes},
    )
    return [upload, DocumentsController]
