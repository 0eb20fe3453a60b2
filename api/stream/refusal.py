"""What may not open a stream, refused before the upgrade with an RFC 9457 problem response
(the ASGI WebSocket denial response, which Granian supports; a close code 4000 + status
otherwise): a foreign Origin (403), no session (401, or 503 when sessions are unreachable), a
bad or unknown `after` (400), too many open streams (429)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import WebSocket
from litestar.types import WebSocketResponseBodyEvent, WebSocketResponseStartEvent

from api.problems import TYPE_BASE
from api.security.session_middleware import session_unavailable
from api.stream.metrics import SOCKETS_REFUSED

DENIAL_EXTENSION = "websocket.http.response"
MAX_POSITION = 2**63 - 1


class Refused(Exception):
    def __init__(
        self, status: int, code: str, title: str, detail: str, field: str | None = None
    ) -> None:
        super().__init__(title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field

    def body(self) -> bytes:
        doc: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field:
            doc["field"] = self.field
        return msgspec.json.encode(doc)


def check_origin(socket: WebSocket[Any, Any, Any], allowed: tuple[str, ...]) -> None:
    """A browser always sends Origin on a WebSocket upgrade, and a page on another site could
    otherwise open the stream with the user's cookie (cross-site WebSocket hijacking). No
    Origin is not a browser: nothing to protect against there."""
    origin = socket.headers.get("origin")
    if origin is None:
        return
    origin = origin.strip().rstrip("/").lower()
    if origin in allowed:
        return
    scheme, _, netloc = origin.partition("://")
    host = socket.headers.get("host", "").lower()
    if scheme in ("http", "https") and host and netloc == host:
        return
    raise Refused(
        403,
        "origin-refused",
        "Origin not allowed",
        "open the stream from the API's own origin or one in BURNBLACK_STREAM_ORIGINS",
        "Origin",
    )


def user_of(socket: WebSocket[Any, Any, Any]) -> str:
    session = socket.scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    if uid:
        return str(uid)
    if session_unavailable(socket.scope):
        raise Refused(503, "sessions-unavailable", "Sessions are unavailable", "try again shortly")
    raise Refused(401, "unauthenticated", "Log in first", "the stream needs a session cookie")


def parse_after(socket: WebSocket[Any, Any, Any]) -> int | None:
    values = socket.query_params.getall("after", [])
    if not values:
        return None
    raw = values[-1]
    if len(values) > 1 or not raw.isdigit() or int(raw) > MAX_POSITION:
        raise Refused(
            400,
            "bad-request",
            "Bad `after`",
            "`after` is one position: a whole number from a message's `position`",
            "after",
        )
    return int(raw)


async def refuse(socket: WebSocket[Any, Any, Any], refusal: Refused) -> None:
    SOCKETS_REFUSED.labels(str(refusal.status)).inc()
    await socket.receive()  # the upgrade request (websocket.connect)
    if DENIAL_EXTENSION in (socket.scope.get("extensions") or {}):
        body = refusal.body()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if refusal.status == 503:
            headers.append((b"retry-after", b"5"))
        start: WebSocketResponseStartEvent = {
            "type": "websocket.http.response.start",
            "status": refusal.status,
            "headers": headers,
        }
        done: WebSocketResponseBodyEvent = {
            "type": "websocket.http.response.body",
            "body": body,
            "more_body": False,
        }
        await socket.send(start)
        await socket.send(done)
        return
    await socket.close(4000 + refusal.status, refusal.title)
