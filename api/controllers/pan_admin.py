"""Admins settle PAN disputes: move a PAN's claim to the account that proved it is theirs.

The PAN travels in the body, never in the path (paths end up in logs and metrics). The
transfer is recorded in the audit trail before it happens, with the admin as the actor.
Returns other accounts started on the PAN and never submitted are withdrawn, their years
freed for the new holder (commands/pan_claims.py: `transfer_pan` says why).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK

from api.context import command_context
from api.controllers.audiences import AdminController
from api.dependencies import Accounts, Filings
from api.pan_schemas import PanTransferRequest, PanTransferView
from commands.pan_claims import transfer_pan


class PanAdminController(AdminController):
    path = "/api/v1/admin/pan-transfers"

    @post(
        "/",
        operation_id="transferPan",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
        description="Move a PAN to another account after a dispute: from then on only that "
        "account may start returns on it (others get 409 `pan-unavailable`). Returns other "
        "accounts started on it and never submitted are withdrawn (closed; the new holder "
        "starts afresh); submitted ones stay. Audited. 404 for an unknown account; moving "
        "it to its holder changes nothing.",
        responses={404: ResponseSpec(None, description="no account has this id")},
    )
    def transfer(
        self,
        request: Request[Any, Any, Any],
        filings: Filings,
        accounts: Accounts,
        data: PanTransferRequest,
    ) -> PanTransferView:
        done = transfer_pan(
            filings,
            accounts,
            command_context(request),
            data.pan,
            data.to_user_id,
            data.reason,
        )
        return PanTransferView(
            claim_id=str(done.claim_id),
            from_user_id=done.from_user_id,
            to_user_id=done.to_user_id,
            transferred=done.transferred,
            withdrawn_filing_ids=list(done.withdrawn),
        )
