"""Answer a request from a middleware with a problem document, as a handler would.

Sending the response here (instead of raising) lets the outer middlewares, such as the
Prometheus one, see the real status code.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import Receive, Scope, Send


async def send_problem(
    scope: Scope, receive: Receive, send: Send, exc: ProblemDetailsException
) -> None:
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = exc.to_response(request).to_asgi_response(app=None, request=request)
    await response(scope, receive, send)
