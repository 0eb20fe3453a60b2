"""Request and response bodies (msgspec), as the OpenAPI schema shows them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from domain.tax.inputs import SUPPORTED_ASSESSMENT_YEARS


class _Body(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Credentials(_Body, frozen=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class Me(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    email: str
    role: str


class StartFiling(_Body, frozen=True):
    assessment_year: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=16,
            examples=list(SUPPORTED_ASSESSMENT_YEARS),
            description="One of " + ", ".join(SUPPORTED_ASSESSMENT_YEARS) + " (2027-28 is "
            "tax year 2026-27 under the Income-tax Act, 2025); any other year is a 422 "
            "`unsupported-assessment-year` problem.",
        ),
    ]
    pan: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{5}[0-9]{4}[A-Z]$", description="AAAAA9999A")]


class SubmitReturn(_Body, frozen=True):
    regime: Literal["old", "new"]


class EVerify(_Body, frozen=True):
    method: Literal[
        "aadhaar_otp", "net_banking", "bank_account_evc", "demat_account_evc", "digital_signature"
    ]


class ReturnTypeView(msgspec.Struct, frozen=True, kw_only=True):
    """Which return the filing would be if filed `on` that day, and why: original u/s
    139(1), belated u/s 139(4), revised u/s 139(5) or updated u/s 139(8A); `return_type` is
    null when no return can be filed then (`reason` names every window)."""

    on: dt.date
    return_type: Literal["original", "belated", "revised", "updated"] | None
    section: str | None
    window_opens: dt.date | None = None
    window_closes: dt.date | None = None
    reason: str
    revision: int
    """0 for the first return; n for the n-th revision opened."""
    revises: dict[str, Any] | None
    """The submitted return the open revision replaces (acknowledgement, filed_on, ...)."""
    submissions: int


class CommandAccepted(msgspec.Struct, frozen=True, kw_only=True):
    """What a command changed: pass `version` back as If-Match, `position` to read your write."""

    id: str
    version: int
    position: int
    status: str | None = None
    acknowledgement_number: str | None = None


class Liveness(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    checks: dict[str, str]
