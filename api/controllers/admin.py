"""Admins manage people: find an account, change its role, end its sessions.

Every change is recorded in the audit trail with the acting admin in the event's meta.
A role change ends the account's sessions (before and after the change, so none created
in between survives): the next login carries the new role under a new session id.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from litestar import Request, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK

from api.access_schemas import RoleChange, SessionsEnded
from api.context import command_context
from api.controllers.audiences import AdminController
from api.dependencies import Accounts, Security
from api.problems import problem
from api.schemas import Me
from api.security.metrics import SESSIONS_REVOKED
from domain.account import Account
from domain.audit import AuditAction


def _me(account: Account) -> Me:
    return Me(id=str(account.id), email=account.email, role=account.role.value)


class UserAdminController(AdminController):
    path = "/api/v1/admin/users"

    @get(
        "/",
        operation_id="findUser",
        description="Look an account up by its email.",
        responses={404: ResponseSpec(None, description="no account has this email")},
    )
    async def find(self, request: Request[Any, Any, Any], accounts: Accounts, email: str) -> Me:
        account = await anyio.to_thread.run_sync(accounts.find_by_email, email)
        if account is None:
            raise problem(404, "not-found", "No such account", "no account has this email")
        return _me(account)

    @put("/{user_id:uuid}/role", operation_id="setUserRole", status_code=HTTP_200_OK)
    async def set_role(
        self,
        request: Request[Any, Any, Any],
        accounts: Accounts,
        security: Security,
        user_id: uuid.UUID,
        data: RoleChange,
    ) -> Me:
        sessions = security.sessions
        ctx = command_context(request)
        # A refused change (unknown account, last admin) must not log the account out.
        await anyio.to_thread.run_sync(accounts.check_role_change, user_id, data.role)
        await sessions.revoke_user(str(user_id))
        account = await anyio.to_thread.run_sync(accounts.change_role, ctx, user_id, data.role)
        ended = await sessions.revoke_user(str(user_id))
        SESSIONS_REVOKED.labels("role_changed").inc(ended)
        return _me(account)

    @post(
        "/{user_id:uuid}/session-revocation",
        operation_id="revokeUserSessions",
        status_code=HTTP_200_OK,
        description="End every session of this account on every instance.",
    )
    async def revoke_sessions(
        self,
        request: Request[Any, Any, Any],
        accounts: Accounts,
        security: Security,
        user_id: uuid.UUID,
    ) -> SessionsEnded:
        ctx = command_context(request)

        def record() -> None:
            accounts.get(user_id)  # 404 for an unknown account
            accounts.record_action(ctx, AuditAction.SESSIONS_REVOKED, str(user_id), {})

        await anyio.to_thread.run_sync(record)  # the audit record first: no unrecorded action
        ended = await security.sessions.revoke_user(str(user_id))
        SESSIONS_REVOKED.labels("admin").inc(ended)
        return SessionsEnded(user_id=str(user_id), ended=ended)
