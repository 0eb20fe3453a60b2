"""Admins erase a taxpayer: the data key goes, and with it every readable trace of them.

The same as `burnblack users erase EMAIL --yes`. The account's events, returns, documents
and files stay stored but can no longer be decrypted (crypto-shredding, docs/security.md);
their read-model rows are redacted (status and year stay, personal fields read as null),
their cached reads dropped and their sessions ended. The erasure is
itself recorded in the audit trail (by account id, never by email).
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK

from api.context import command_context
from api.controllers.audiences import AdminController
from api.dependencies import Accounts, Eraser, Security
from api.erasure_schemas import ErasureDone
from api.security.metrics import SESSIONS_REVOKED
from commands.erasure import erase_account


class ErasureController(AdminController):
    path = "/api/v1/admin/users"

    @post(
        "/{user_id:uuid}/erasure",
        operation_id="eraseUser",
        status_code=HTTP_200_OK,
        description=(
            "Erase a taxpayer for good: destroy their data key (their events, returns, "
            "documents and files can no longer be read; the history's structure stays), redact "
            "their read-model rows (kept for the counts and auditors, `redacted: true`, "
            "personal fields null) and end their sessions. Idempotent. Audited."
        ),
        responses={409: ResponseSpec(None, description="admin-not-erasable: demote first")},
    )
    async def erase(
        self,
        request: Request[Any, Any, Any],
        accounts: Accounts,
        eraser: Eraser,
        security: Security,
        user_id: uuid.UUID,
    ) -> ErasureDone:
        ctx = command_context(request)
        erased = await anyio.to_thread.run_sync(erase_account, accounts, ctx, user_id)

        forgotten = await anyio.to_thread.run_sync(eraser.forget, str(user_id))
        filings, documents = forgotten.filings, forgotten.documents
        ended = await security.sessions.revoke_user(str(user_id))
        SESSIONS_REVOKED.labels("erased").inc(ended)
        return ErasureDone(
            user_id=str(user_id),
            erased_at=erased.erased_at,
            already_erased=erased.already,
            filings_redacted=filings,
            documents_removed=documents,
            sessions_ended=ended,
        )
