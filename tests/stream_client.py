"""A stream client as a web page would be: the session cookie on the upgrade, an Origin, and a
`pong` for every `ping` (unless told to stay silent)."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

Message = dict[str, Any]


def ws_url(base_url: str, after: int | None = None) -> str:
    url = base_url.replace("http://", "ws://", 1) + "/api/v1/stream"
    return url if after is None else f"{url}?after={after}"


def cookie_header(client: httpx.Client | None) -> dict[str, str]:
    if client is None:
        return {}
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)}


def refused(
    base_url: str,
    client: httpx.Client | None,
    origin: str | None = None,
    query: str = "",
) -> tuple[int, dict[str, Any], str]:
    """Try an upgrade that must be refused: (HTTP status, problem document, content type)."""
    url = ws_url(base_url) + query
    try:
        ws = connect(
            url,
            additional_headers=cookie_header(client),
            origin=origin,  # type: ignore[arg-type]
            open_timeout=30,
        )
    except InvalidStatus as exc:
        response = exc.response
        return (
            response.status_code,
            json.loads(response.body or b"{}"),
            response.headers.get("content-type", ""),
        )
    ws.close()
    raise AssertionError(f"{url}: the upgrade was accepted")


class StreamClient:
    def __init__(
        self,
        base_url: str,
        client: httpx.Client,
        after: int | None = None,
        origin: str | None = None,
        answer_pings: bool = True,
    ) -> None:
        self.origin = origin or base_url
        # Entered by hand (not `with`): the socket lives as long as this object.
        self.ws: ClientConnection = connect(
            ws_url(base_url, after),
            additional_headers=cookie_header(client),
            origin=self.origin,  # type: ignore[arg-type]
            open_timeout=30,
        ).__enter__()
        self.answer_pings = answer_pings
        self.pings = 0
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.close_code: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        self.ws.send('{"type":"pong"}')
                    continue
                self.messages.put(message)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.messages.put(None)

    def next(self, timeout: float = 30) -> Message | None:
        """The next message; None once the socket closed."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no stream message within {timeout}s") from None

    def until(self, done: Callable[[Message], bool], timeout: float = 30) -> list[Message]:
        """Messages up to and including the first for which `done` is true."""
        got: list[Message] = []
        deadline = time.monotonic() + timeout
        while True:
            m = self.next(max(0.0, deadline - time.monotonic()))
            if m is None:
                raise AssertionError(f"closed ({self.close_code}) after {got}")
            got.append(m)
            if done(m):
                return got

    def ready(self, timeout: float = 30) -> tuple[list[Message], int]:
        """Replayed messages and the position in `ready`."""
        got = self.until(lambda m: m["type"] == "ready", timeout)
        return got[:-1], int(got[-1]["position"])

    def drain(self) -> list[Message]:
        """Whatever has arrived, without waiting."""
        got = []
        while True:
            try:
                m = self.messages.get_nowait()
            except queue.Empty:
                return got
            if m is not None:
                got.append(m)

    def wait_closed(self, timeout: float = 30) -> int | None:
        self._reader.join(timeout)
        return self.close_code

    def close(self) -> None:
        self.ws.close()
        self._reader.join(10)
