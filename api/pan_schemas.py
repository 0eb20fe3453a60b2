"""Bodies of the admin's PAN transfer (`api.controllers.pan_admin`)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec


class PanTransferRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pan: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{5}[0-9]{4}[A-Z]$", description="AAAAA9999A")]
    to_user_id: uuid.UUID
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=500,
            description="Why (the dispute's reference): kept in the audit trail",
        ),
    ]


class PanTransferView(msgspec.Struct, frozen=True, kw_only=True):
    claim_id: str  # the PAN's claim (a keyed index: it does not reveal the PAN)
    from_user_id: str | None  # null: nobody had claimed the PAN
    to_user_id: str
    transferred: bool  # false: it already belonged to that account, nothing changed
    withdrawn_filing_ids: Annotated[
        list[str],
        msgspec.Meta(
            description="Returns other accounts had started on the PAN and not submitted: "
            "withdrawn (status `withdrawn`, closed for good), their years free for the new "
            "holder to start afresh. Submitted returns are not moved."
        ),
    ]
