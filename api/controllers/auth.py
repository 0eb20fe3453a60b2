"""Registration, log in and log out; the session lives in Redis, the cookie holds its id."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.context import services
from api.guards import current_user_id, requires_session
from api.problems import problem
from api.schemas import Credentials, Me
from commands.context import CommandContext
from domain.account import Role


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/register", status_code=HTTP_201_CREATED, operation_id="register", sync_to_thread=True)
    def register(self, request: Request[Any, Any, Any], data: Credentials) -> Me:
        ctx = CommandContext(actor="anonymous")
        account = services(request).accounts.register(ctx, data.email, data.password, Role.TAXPAYER)
        return Me(id=str(account.id), email=account.email, role=account.role.value)

    @post("/login", status_code=HTTP_200_OK, operation_id="login", sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], data: Credentials) -> Me:
        account = services(request).accounts.authenticate(data.email, data.password)
        request.set_session(
            {"uid": str(account.id), "role": account.role.value, "email": account.email}
        )
        return Me(id=str(account.id), email=account.email, role=account.role.value)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="logout",
        guards=[requires_session],
        sync_to_thread=False,
    )
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        request.clear_session()

    @get("/me", operation_id="me", guards=[requires_session], sync_to_thread=False)
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        current_user_id(request)
        session = request.session
        if not isinstance(session, dict):
            raise problem(401, "unauthenticated", "Log in first")
        return Me(
            id=str(session["uid"]),
            email=str(session.get("email", "")),
            role=str(session.get("role", Role.TAXPAYER.value)),
        )
