"""`GET /api/v1/stream`: the WebSocket itself (protocol in docs/stream.md).

Order on connect: refuse what may not connect (an HTTP problem response, not an upgrade);
subscribe (confirmed by Redis); read the table after `?after=` (or note its head); then live
messages, skipping any at or below the last position sent. A message committed after the read
is published after the subscription, and one committed before it is in the read: no gap, and
the position check removes the overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import anyio
import msgspec
import structlog
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import WebSocketDisconnect
from redis.exceptions import RedisError

from api.dependencies import Stream
from api.security.session_middleware import current_session
from api.stream.metrics import SOCKETS_CLOSED, SOCKETS_OPEN
from api.stream.refusal import Refused, check_origin, parse_after, refuse, user_of
from api.stream.runtime import StreamRuntime
from api.stream.subscriber import OVERFLOW, BoundedSubscriber
from projections.read_models.stream.messages import CATCH_UP, decode_position
from projections.redis_keys import STREAM_BROADCAST_CHANNEL as BROADCAST_CHANNEL
from projections.redis_keys import stream_user_channel as user_channel

log = structlog.get_logger(__name__)

PATH = "/api/v1/stream"

# Close codes (4000-4999 are the application's): the client reconnects with ?after=.
CLOSE_SESSION_ENDED = 4401
CLOSE_SILENT = 4408
CLOSE_TOO_SLOW = 4429
CLOSE_TRY_AGAIN = 1013


class _Control(msgspec.Struct):
    type: str
    position: int


_control = msgspec.json.Encoder().encode


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@websocket(PATH, name="stream")
async def stream(
    socket: WebSocket[Any, Any, Any], channels: ChannelsPlugin, stream_runtime: Stream
) -> None:
    rt = stream_runtime
    try:
        check_origin(socket, rt.config.allowed_origins)
        user = user_of(socket)
        after = parse_after(socket)
        if after is not None and after > await anyio.to_thread.run_sync(rt.event_head):
            raise Refused(
                400, "position-unknown", "No such position", "`after` is beyond the log", "after"
            )
        socket_id = uuid.uuid4().hex
        if not await rt.leases.take(user, socket_id):
            raise Refused(
                429,
                "too-many-streams",
                "Too many open streams",
                f"at most {rt.config.max_connections_per_user} per user; close one first",
            )
    except Refused as refusal:
        await refuse(socket, refusal)
        return
    except (RedisError, OSError):
        await refuse(socket, Refused(503, "unavailable", "Try again shortly", "Redis is away"))
        return
    SOCKETS_OPEN.inc()
    reason = "client"
    try:
        await socket.accept()
        async with channels.start_subscription([user_channel(user), BROADCAST_CHANNEL]) as sub:
            assert isinstance(sub, BoundedSubscriber)
            session = current_session(socket.scope)
            await _Session(socket, rt, sub, user, socket_id, session[0] if session else "").run(
                after
            )
    except WebSocketDisconnect:
        pass  # the client went away mid-send
    except _Closed as closed:
        reason = closed.reason
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.close(closed.code, closed.reason), 2)
    except Exception as exc:  # the database or Redis failed mid-way: reconnecting will do
        reason = "error"
        log.warning("stream.failed", error=f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.close(CLOSE_TRY_AGAIN, "try again"), 2)
    finally:
        SOCKETS_OPEN.dec()
        SOCKETS_CLOSED.labels(reason).inc()
        with contextlib.suppress(RedisError, OSError):
            await rt.leases.release(user, socket_id)


@dataclass(eq=False)
class _Session:
    """One connected client: where its stream stands (`cursor`) and when it was last heard."""

    socket: WebSocket[Any, Any, Any]
    rt: StreamRuntime
    sub: BoundedSubscriber
    user: str
    socket_id: str
    session_id: str
    cursor: int = field(default=0, init=False)
    heard: float = field(default_factory=time.monotonic, init=False)

    async def run(self, after: int | None) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            if after is None:
                self.cursor = await self.rt.replay.head()
            else:
                pruned = await self.rt.replay.pruned_through()
                if after < pruned:
                    # Some of what followed `after` is no longer kept: reload over HTTP.
                    await self._send(_control(_Control("resync", pruned)))
                self.cursor = max(after, pruned)  # nothing at or below it is kept
                await self._catch_up()
            await self._send(_control(_Control("ready", self.cursor)))
            await self._live()
        finally:
            listener.cancel()
            with contextlib.suppress(BaseException):
                await listener

    async def _listen(self) -> None:
        """Anything the client sends counts as a pong; a disconnect ends the live loop."""
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                self.sub.put_nowait(None)
                return
            self.heard = time.monotonic()

    async def _live(self) -> None:
        ping = self.rt.config.ping_seconds
        next_ping = time.monotonic() + ping
        while True:
            item = await self.sub.next(max(0.0, next_ping - time.monotonic()))
            if item is None:
                return  # the client went away
            if item == OVERFLOW:
                raise _Closed(CLOSE_TOO_SLOW, "too slow")
            if item == CATCH_UP:
                await self._catch_up()
            elif item:
                position = decode_position(item).position
                if position > self.cursor:
                    await self._send(item)
                    self.cursor = position
            if time.monotonic() >= next_ping:
                await self._ping(ping)
                next_ping = time.monotonic() + ping

    async def _ping(self, ping: float) -> None:
        if time.monotonic() - self.heard > 2 * ping:
            raise _Closed(CLOSE_SILENT, "no pong")
        if self.session_id and not await self.rt.sessions.is_live(self.session_id):
            raise _Closed(CLOSE_SESSION_ENDED, "session ended")
        await self.rt.leases.renew(self.user, self.socket_id)
        await self._send(_control(_Control("ping", self.cursor)))

    async def _catch_up(self) -> None:
        page = self.rt.config.replay_page
        while True:
            rows = await self.rt.replay.after(self.user, self.cursor, page)
            for position, message in rows:
                await self._send(message.encode())
                self.cursor = position
            if len(rows) < page:
                return

    async def _send(self, data: bytes) -> None:
        try:
            await asyncio.wait_for(
                self.socket.send_text(data, encoding="utf-8"),
                self.rt.config.send_timeout,
            )
        except TimeoutError:
            raise _Closed(CLOSE_TOO_SLOW, "too slow") from None
