"""Request and response bodies (msgspec), as the OpenAPI schema shows them."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from domain.tax.inputs import AssessmentYear


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
    assessment_year: AssessmentYear
    pan: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{5}[0-9]{4}[A-Z]$", description="AAAAA9999A")]


class SubmitReturn(_Body, frozen=True):
    regime: Literal["old", "new"]


class EVerify(_Body, frozen=True):
    method: Literal[
        "aadhaar_otp", "net_banking", "bank_account_evc", "demat_account_evc", "digital_signature"
    ]


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
