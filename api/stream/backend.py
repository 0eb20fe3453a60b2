"""Litestar's Redis pub/sub channels backend, made to survive a Redis restart.

Upstream (Litestar issue 5008), the plugin's subscribing task reads from one `PubSub`; the
first connection error ends the task and the instance never hears a message again. Here
`stream_events` never raises: it reconnects with backoff, subscribes to every channel still
wanted, and then hands each of those channels a CATCH_UP marker, because whatever was
published while it was away is lost to it. Sockets answer the marker by reading what they
missed from the stream table (projections/read_models/stream/table.py), so nothing is lost,
only late.

redis-py's own reconnect-and-resubscribe is switched off (no retries on this client): it would
reconnect silently, and the sockets would never know they had missed something.

`subscribe` returns once Redis has confirmed the subscription (bounded wait): a socket reads
the table only after that, so a message committed after its read is always delivered live.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import structlog
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from projections.read_models.stream.messages import CATCH_UP

log = structlog.get_logger(__name__)

READ_TIMEOUT = 1.0
"""Seconds one read waits for a message: the loop's heartbeat (readiness) beats this often."""
STALE_AFTER = 5.0
CONFIRM_TIMEOUT = 2.0


def pubsub_client(redis_url: str) -> Redis:
    return Redis.from_url(
        redis_url,
        socket_connect_timeout=2,
        health_check_interval=10,  # PING an idle subscription: a dead peer is noticed
        retry=Retry(NoBackoff(), 0),
    )


class ResilientPubSubBackend(RedisChannelsPubSubBackend):
    def __init__(
        self,
        redis: Redis,
        permanent: tuple[str, ...] = (),
        first_delay: float = 0.1,
        max_delay: float = 2.0,
    ) -> None:
        super().__init__(redis=redis)
        # The plugin unsubscribes a channel when its last subscriber leaves, declared or not;
        # `permanent` channels stay subscribed, so the reader always has one and stays
        # connected (readiness means something with no socket open).
        self._permanent = frozenset(permanent)
        self._wanted: set[str] = set(permanent)
        self._confirmed: dict[str, asyncio.Event] = {}
        self._pubsub: PubSub | None = None
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._wanted_any: asyncio.Event | None = None
        self.connected = False
        self.last_error = ""
        self.reconnects = 0
        self._beat = time.monotonic()

    # The plugin calls these -------------------------------------------------------------

    async def on_startup(self) -> None:
        self._beat = time.monotonic()

    async def on_shutdown(self) -> None:
        await self._drop()
        await self._redis.aclose()

    async def subscribe(self, channels: Iterable[str]) -> None:
        new = [c for c in channels if c not in self._wanted or c not in self._confirmed]
        if not new:
            return
        self._wanted.update(new)
        for c in new:
            self._confirmed[c] = asyncio.Event()
        self._wanted_event().set()
        if self._pubsub is not None:
            try:
                await self._pubsub.subscribe(*new)
            except (RedisError, OSError) as exc:
                # The reading loop meets the same dead connection and reconnects.
                self._failed(exc)
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(self._confirmed[c].wait() for c in new)), CONFIRM_TIMEOUT
            )

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        gone = [c for c in channels if c in self._wanted and c not in self._permanent]
        self._wanted.difference_update(gone)
        for c in gone:
            self._confirmed.pop(c, None)
        if self._pubsub is not None and gone:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(*gone)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = self._first_delay
        first = True
        while True:
            self._beat = time.monotonic()
            if self._pubsub is None:
                while not self._wanted:  # SUBSCRIBE needs a channel
                    self._wanted_event().clear()
                    await self._wanted_event().wait()
                try:
                    await self._connect()
                except (RedisError, OSError) as exc:
                    delay = await self._lost(exc, delay)
                    continue
                if not first:
                    self.reconnects += 1
                    log.info("stream.pubsub_reconnected", channels=len(self._wanted))
                    for channel in list(self._wanted):
                        yield channel, CATCH_UP
                first = False
            pubsub = self._pubsub
            assert pubsub is not None
            try:
                message = await pubsub.get_message(timeout=READ_TIMEOUT)
            except (RedisError, OSError) as exc:
                delay = await self._lost(exc, delay)
                continue
            delay = self._first_delay  # a read worked: connected again
            if message is None:
                continue
            kind = message["type"]
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            if kind == "subscribe":
                event = self._confirmed.get(channel)
                if event is not None:
                    event.set()
            elif kind == "message" and channel in self._wanted:
                yield channel, message["data"]

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        raise NotImplementedError("the stream's history is the stream table")

    # Readiness ----------------------------------------------------------------------------

    def health(self) -> str:
        """ "ok", or why this instance cannot deliver live messages right now."""
        if not self.connected:
            return f"failed: pub/sub disconnected ({self.last_error or 'not connected yet'})"
        if time.monotonic() - self._beat > STALE_AFTER:
            return "failed: pub/sub reader stopped"
        return "ok"

    # ---------------------------------------------------------------------------------------

    def _wanted_event(self) -> asyncio.Event:
        if self._wanted_any is None:  # created inside the running loop
            self._wanted_any = asyncio.Event()
        return self._wanted_any

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub()
        self._pubsub = pubsub
        for event in self._confirmed.values():
            event.clear()
        await pubsub.subscribe(*self._wanted)
        self.connected = True

    async def _lost(self, exc: BaseException, delay: float) -> float:
        """The connection failed: note it, drop it, wait `delay`; the next, doubled delay."""
        self._failed(exc)
        await self._drop()
        await asyncio.sleep(delay)
        return min(delay * 2, self._max_delay)

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self.connected = False
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _failed(self, exc: BaseException) -> None:
        if self.connected or not self.last_error:
            log.warning("stream.pubsub_lost", error=f"{type(exc).__name__}: {exc}")
        self.last_error = type(exc).__name__
        self.connected = False
