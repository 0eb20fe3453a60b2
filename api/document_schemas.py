"""Request and response bodies of the document endpoints (msgspec), as OpenAPI shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile


@dataclass
class DocumentUpload:
    """multipart/form-data with one part, `file`: a PNG, JPEG, TIFF or PDF."""

    file: UploadFile


class DocumentUploaded(msgspec.Struct, frozen=True, kw_only=True):
    """The document is stored; a worker reads it. Poll `GET /api/v1/documents/{id}`."""

    id: str
    filing_id: str
    sha256: str
    media_type: str
    pages: int
    duplicate: bool  # the same file was already on this return: this is that document
    position: int | None = None  # the upload event's position in the log (None for duplicates)


class DocumentField(msgspec.Struct, frozen=True, kw_only=True):
    value: int | str  # amounts in whole rupees; dates ISO; TAN as printed; PANs masked
    confidence: float  # 0..1; below 0.9 a person must confirm it before it is used
    page: int  # where it was read (0 when derived from the form's arithmetic)
    line: int
    text: str  # what was read, before repairs
    note: str | None = None


class DocumentProgress(msgspec.Struct, frozen=True, kw_only=True):
    stage: str
    percent: int
    updated_at: str | None = None


class DocumentView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    filing_id: str
    status: str  # uploaded | parsed | failed | accepted
    progress: DocumentProgress | None
    media_type: str
    size: int
    filename: str
    pages: int
    sha256: str
    form: str | None  # "16" when a Form 16 was found
    fields: dict[str, DocumentField]
    problems: list[str]
    error: str | None
    text_source: str | None  # text-layer | ocr | mixed
    accepted_filing_versions: list[int]
    version: int
    uploaded_at: dt.datetime
    updated_at: dt.datetime


class DocumentList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DocumentView]


Amount = Annotated[int, msgspec.Meta(ge=0, le=10**13)]


class AcceptDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Optional confirmations: `{"corrections": {"gross_salary": 1250000}}` replaces a field
    that was not read, or read with low confidence (only amounts; never the PAN or year)."""

    corrections: dict[str, Amount] = {}


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    event: str
    at: str
    actor: str | None
    correlation_id: str | None
    assessment_year: str | None = None
    income: dict[str, Any] | None = None
    deductions: dict[str, Any] | None = None
    source: dict[str, Any] | None = None  # for income and deductions: where the numbers came from
    requested_on: str | None = None
    requested_version: int | None = None
    reason: str | None = None
    regime: str | None = None
    acknowledgement: str | None = None
    submitted_on: str | None = None
    method: str | None = None
    verified_on: str | None = None
    # RevisionOpened: the chain of returns for the year.
    revision: int | None = None
    return_type: str | None = None
    """The type the opening date allowed: revised (s.139(5)) or updated (s.139(8A))."""
    opened_on: str | None = None
    revises: dict[str, Any] | None = None
    """The return replaced: acknowledgement, filed_on and the figures it declared."""
    original: dict[str, Any] | None = None
    """The year's first return: acknowledgement and submitted_on."""


class FilingHistory(msgspec.Struct, frozen=True, kw_only=True):
    """The taxpayer's view of their return's changes: who made each and where figures came from."""

    items: list[HistoryEntry]
