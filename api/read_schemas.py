"""Response bodies of the read routes, as the OpenAPI document shows them.

The taxpayer's reads answer straight from the cache's JSON bytes (no decode and re-encode),
so these types document those bytes (`ResponseSpec` on the route); schemathesis checks every
response against them (tests/e2e/test_openapi_contract.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

REDACTED_DOC = (
    "true once the taxpayer was erased: the personal fields (pan, income, deductions, "
    "computation, acknowledgement_number, total_tax) were sealed with their destroyed key "
    'and read as null (`pan`: "[erased]"); status, year, versions and times remain'
)


class FilingView(msgspec.Struct, frozen=True, kw_only=True):
    """A return as the read model has it: `version` is its ETag, `position` the log position
    of its last change. `redacted`: see the field."""

    id: str
    assessment_year: str
    pan: str
    status: str
    version: int
    income: dict[str, Any] | None
    deductions: dict[str, Any] | None
    computation: dict[str, Any] | None
    computation_error: str | None
    recommended_regime: str | None
    regime: str | None
    acknowledgement_number: str | None
    total_tax: int | None
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
    redacted: Annotated[bool, msgspec.Meta(description=REDACTED_DOC)]


class FilingListItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    assessment_year: str
    status: str
    version: int
    total_tax: int | None
    recommended_regime: str | None
    acknowledgement_number: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    redacted: Annotated[bool, msgspec.Meta(description=REDACTED_DOC)]


class FilingList(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first; pass `next_cursor` back as `cursor` (null: the last page)."""

    items: list[FilingListItem]
    next_cursor: int | None


class AuditFilingItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    owner_id: str
    assessment_year: str
    pan: str
    status: str
    version: int
    total_tax: int | None
    acknowledgement_number: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    redacted: Annotated[bool, msgspec.Meta(description=REDACTED_DOC)]


class AuditFilingList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AuditFilingItem]
    next_cursor: str | None


class FollowerStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    position: int
    lag: int
    updated_at: str


class ReadModelVersion(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    switched_at: str | None


class ProjectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    head: int
    followers: list[FollowerStatus]
    read_models: dict[str, ReadModelVersion]


class RebuildQueued(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    status: str


class RebuildStatus(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    status: str
    progress: dict[str, Any] | None
    report: dict[str, Any] | None
    error: str | None


class FilingCount(msgspec.Struct, frozen=True, kw_only=True):
    assessment_year: str
    status: str
    filings: int


class FilingCounts(msgspec.Struct, frozen=True, kw_only=True):
    counts: list[FilingCount]
