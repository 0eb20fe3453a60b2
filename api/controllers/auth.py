"""Registration, log in and log out; the session lives in Redis, the cookie holds its id.

Logging in always issues a new session id and deletes the one the request came with (no
fixation), after the lockout (`api.security.lockout`) has counted the attempt. The response
sets the session cookie and the CSRF cookie and also returns the CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from redis.exceptions import RedisError

from api.dependencies import Accounts, Security
from api.guards import current_user_id, requires_session
from api.idempotency import IDEMPOTENCY_OPT
from api.problems import problem
from api.schemas import Credentials, Me
from api.security.client_address import client_ip, rate_key
from api.security.config import CREDENTIAL_ENDPOINT
from api.security.cookies import cleared_cookies, session_cookies
from api.security.metrics import LOGIN_ATTEMPTS, SESSIONS_REVOKED
from api.security.services import SecurityServices
from api.security.session_middleware import current_session, mark_session_handled
from commands.context import CommandContext
from commands.errors import InvalidCredentials
from domain.account import Role


def _unavailable(sec: SecurityServices, exc: Exception) -> Exception:
    sec.status.failed("auth", exc)
    LOGIN_ATTEMPTS.labels("unavailable").inc()
    return problem(
        503,
        "auth-unavailable",
        "Logging in is unavailable right now",
        "the service that protects logins is unreachable; try again shortly",
        headers={"Retry-After": "5"},
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    opt = {IDEMPOTENCY_OPT: False}  # logging in and out is not replayed

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        operation_id="register",
        sync_to_thread=True,
        opt=CREDENTIAL_ENDPOINT,
    )
    def register(
        self, request: Request[Any, Any, Any], accounts: Accounts, data: Credentials
    ) -> Me:
        ctx = CommandContext(actor="anonymous")
        account = accounts.register(ctx, data.email, data.password, Role.TAXPAYER)
        return Me(id=str(account.id), email=account.email, role=account.role.value)

    @post("/login", status_code=HTTP_200_OK, operation_id="login", opt=CREDENTIAL_ENDPOINT)
    async def login(
        self,
        request: Request[Any, Any, Any],
        accounts: Accounts,
        security: Security,
        data: Credentials,
    ) -> Response[Me]:
        address = rate_key(client_ip(request.scope))
        try:
            decision = await security.lockout.begin(data.email, address)
        except (RedisError, OSError) as exc:
            raise _unavailable(security, exc) from exc
        if not decision.allowed:
            LOGIN_ATTEMPTS.labels("locked").inc()
            raise problem(
                429,
                "login-locked",
                "Too many failed logins",
                f"logging in is locked for this account or address; retry in "
                f"{decision.retry_after} s",
                headers={"Retry-After": str(decision.retry_after)},
                retry_after=decision.retry_after,
            )
        try:
            account = await anyio.to_thread.run_sync(
                accounts.authenticate, data.email, data.password
            )
        except InvalidCredentials:
            LOGIN_ATTEMPTS.labels("failure").inc()
            raise
        presented = request.cookies.get(security.config.session_cookie)
        current = current_session(request.scope)
        try:
            await security.lockout.succeeded(data.email, address)
            if presented:  # rotate: the id the request came with never becomes a login
                await security.sessions.delete(presented, current[1].uid if current else None)
            issued = await security.sessions.create(
                str(account.id), account.role.value, account.email
            )
        except (RedisError, OSError) as exc:
            raise _unavailable(security, exc) from exc
        LOGIN_ATTEMPTS.labels("success").inc()
        mark_session_handled(request.scope)
        return Response(
            Me(id=str(account.id), email=account.email, role=account.role.value),
            headers={security.config.csrf_header: issued.record.csrf},
            cookies=session_cookies(security.config, issued.id, issued.record.csrf),
        )

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="logout",
        guards=[requires_session],
        description="End this session.",
    )
    async def logout(self, request: Request[Any, Any, Any], security: Security) -> Response[None]:
        current = current_session(request.scope)
        if current is not None:
            await security.sessions.delete(current[0], current[1].uid)
        mark_session_handled(request.scope)
        return Response(
            None, status_code=HTTP_204_NO_CONTENT, cookies=cleared_cookies(security.config)
        )

    @post(
        "/logout-everywhere",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="logoutEverywhere",
        guards=[requires_session],
        description="End every session of this account, on every device.",
    )
    async def logout_everywhere(
        self, request: Request[Any, Any, Any], security: Security
    ) -> Response[None]:
        ended = await security.sessions.revoke_user(current_user_id(request))
        SESSIONS_REVOKED.labels("logout_everywhere").inc(ended)
        mark_session_handled(request.scope)
        return Response(
            None, status_code=HTTP_204_NO_CONTENT, cookies=cleared_cookies(security.config)
        )

    @get("/me", operation_id="me", guards=[requires_session])
    async def me(self, request: Request[Any, Any, Any], security: Security) -> Response[Me]:
        current = current_session(request.scope)
        if current is None:
            raise problem(401, "unauthenticated", "Log in first")
        record = current[1]
        return Response(
            Me(id=record.uid, email=record.email, role=record.role),
            headers={security.config.csrf_header: record.csrf},
        )
