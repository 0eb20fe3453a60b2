"""How reads answer: conditional GETs (ETag, If-None-Match, 304) and read-your-writes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.params import Parameter
from litestar.types import Scope

from api.guards import current_user_id
from api.preconditions import etag, matches_if_none_match
from api.problems import problem
from api.security.session_middleware import ReadAhead, ReadAheadPlanner
from projections.cache.read_cache import CachedView, use_read_ahead
from projections.consistency import PositionWaiter, ProjectionNotCaughtUp, TooManyWaiting
from projections.read_models.filings.queries import FilingReads

MAX_WAITS_PER_USER = 4
READ_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
JSON = "application/json"

MinPosition = Annotated[
    int | None,
    Parameter(
        query="min_position",
        ge=1,
        required=False,
        description="Answer only once the read model includes this event position "
        "(from a command's response); the X-Min-Position header works too.",
    ),
]


def conditional(
    request: Request[Any, Any, Any], view: CachedView, weak: bool = False
) -> Response[bytes]:
    tag = ("W/" if weak else "") + etag(view.version)
    headers = {**READ_HEADERS, "ETag": tag}
    if matches_if_none_match(request, tag.removeprefix("W/")):
        return Response(b"", status_code=304, headers=headers)
    return Response(view.body, media_type=JSON, headers=headers)


class Reading:
    """The read side as the cached reads use it: the query service, and read-your-writes.
    One object, so that such a handler takes one dependency (api/dependencies.py says why)."""

    def __init__(self, reads: FilingReads, positions: PositionWaiter, timeout: float) -> None:
        self.reads = reads
        self._positions = positions
        self._timeout = timeout

    async def read_your_writes(
        self, request: Request[Any, Any, Any], min_position: int | None
    ) -> None:
        """Holds the read until the read model includes the position the client asked for
        (`min_position` or X-Min-Position), for at most `timeout` seconds."""
        if min_position is None:
            header = request.headers.get("x-min-position")
            if header is None:
                return
            if not header.isdigit() or len(header) > 18:
                raise problem(
                    400,
                    "validation",
                    "X-Min-Position is not a position",
                    "X-Min-Position must be a command's `position`",
                    field="X-Min-Position",
                )
            min_position = int(header)
        if await self._positions.reached() >= min_position:
            return
        head = await self.reads.log_head()
        if min_position > head:  # no command gave this position: do not wait for it
            raise problem(
                400,
                "position-beyond-log",
                "No event has this position",
                f"the log ends at {head}; pass a command's `position`",
                field="min_position",
                head=head,
            )
        try:
            await self._positions.wait_for(
                min_position,
                self._timeout,
                waiter=current_user_id(request),
                max_waiting=MAX_WAITS_PER_USER,
            )
        except TooManyWaiting as exc:
            raise problem(
                429,
                "too-many-waits",
                "Too many reads are waiting for your writes",
                str(exc),
                headers={"Retry-After": "1"},
            ) from None
        except ProjectionNotCaughtUp as exc:
            raise problem(
                503,
                "not-caught-up",
                "The read model has not caught up yet",
                str(exc),
                headers={"Retry-After": "1"},
                position=exc.position,
                reached=exc.reached,
            ) from None


def read_ahead_planner(reads: FilingReads) -> ReadAheadPlanner:
    """Which cache entries a route will read for the caller, so the session's round trip reads
    them too (api/security/session_middleware.py): a filing's summary and the first page of
    the list, when nothing could make the handler read later or elsewhere (a query string, an
    `X-Min-Position` to wait for)."""

    def plan(scope: Scope) -> ReadAhead | None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "GET" or scope["query_string"]:
            return None
        handler = scope.get("route_handler")
        operation = getattr(handler, "operation_id", None)
        filing_id: object = scope["path_params"].get("filing_id")
        if operation == "getFiling" and isinstance(filing_id, uuid.UUID):
            parts: tuple[str, ...] = reads.summary_read_ahead(filing_id)
        elif operation == "listFilings":
            parts = reads.list_read_ahead()
        else:
            return None
        if any(name == b"x-min-position" for name, _ in scope["headers"]):
            return None
        return ReadAhead(parts, use_read_ahead)

    return plan
