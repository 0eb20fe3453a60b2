"""The memory baseline for benchmarks/stream.py: a Litestar WebSocket under the same Granian
that only accepts and waits, with none of the stream's work (no session, subscription, replay
or pings). Started with `granian --factory benchmarks._bare_ws:create_app`."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, WebSocket, websocket


@websocket("/ws")
async def idle(socket: WebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    while (await socket.receive())["type"] != "websocket.disconnect":
        pass


def create_app() -> Litestar:
    return Litestar(route_handlers=[idle])
