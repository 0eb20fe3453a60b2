"""The command context of a request: who asks, and the correlation id."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request

from api.guards import current_user_id
from commands.context import CommandContext


def command_context(request: Request[Any, Any, Any]) -> CommandContext:
    correlation = request.headers.get("x-correlation-id", "")
    if not (0 < len(correlation) <= 64) or not correlation.replace("-", "").isalnum():
        correlation = str(uuid.uuid4())
    return CommandContext(actor=current_user_id(request), correlation_id=correlation)
