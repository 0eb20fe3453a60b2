"""Route guards: who may reach a handler."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.problems import problem


def current_user_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    session = connection.scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    if not uid:
        raise problem(
            401,
            "unauthenticated",
            "Log in first",
            "this endpoint needs a session; POST /api/v1/auth/login",
        )
    return str(uid)


def requires_session(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current_user_id(connection)
