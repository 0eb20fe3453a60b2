"""How reads answer: conditional GETs (ETag, If-None-Match, 304) and read-your-writes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response
from litestar.params import Parameter

from api.context import services
from api.guards import current_user_id
from api.preconditions import etag, matches_if_none_match
from api.problems import problem
from projections.cache.read_cache import CachedView
from projections.consistency import ProjectionNotCaughtUp, TooManyWaiting

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


async def read_your_writes(request: Request[Any, Any, Any], min_position: int | None) -> None:
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
    svc = services(request)
    if await svc.positions.reached() >= min_position:
        return
    head = await svc.reads.log_head()
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
        await svc.positions.wait_for(
            min_position,
            svc.read_your_writes_timeout,
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
