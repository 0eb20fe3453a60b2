"""How reads answer: conditional GETs (ETag, If-None-Match, 304) and read-your-writes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response
from litestar.params import Parameter

from api.context import services
from api.preconditions import etag, matches_if_none_match
from api.problems import problem
from projections.cache import CachedView
from projections.consistency import ProjectionNotCaughtUp

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
    try:
        await svc.positions.wait_for(min_position, svc.read_your_writes_timeout)
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
