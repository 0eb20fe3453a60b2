"""Route guards: who may reach a handler.

Guards are `async def` although they do no I/O: Litestar runs a plain `def` guard in a worker
thread (`sync_to_thread`), a thread hop on every guarded request."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.problems import problem
from api.security.session_middleware import session_unavailable


def current_user_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    session = connection.scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    if not uid and session_unavailable(connection.scope):
        raise problem(
            503,
            "sessions-unavailable",
            "Sessions are unavailable right now",
            "the session store is unreachable; try again shortly",
            headers={"Retry-After": "5"},
        )
    if not uid:
        raise problem(
            401,
            "unauthenticated",
            "Log in first",
            "this endpoint needs a session; POST /api/v1/auth/login",
        )
    return str(uid)


async def requires_session(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    current_user_id(connection)


def current_role(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    current_user_id(connection)
    session = connection.scope.get("session")
    role = session.get("role") if isinstance(session, dict) else None
    return str(role or "")  # no role: no access (fail closed)


def requires_role(*roles: str) -> Any:
    """A guard admitting only sessions whose role is one of `roles` (403 otherwise)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        role = current_role(connection)
        if role not in roles:
            raise problem(
                403,
                "forbidden",
                "Your role may not do this",
                f"this needs one of: {', '.join(roles)}",
            )

    guard.__name__ = f"requires_role_{'_'.join(roles)}"
    return guard
