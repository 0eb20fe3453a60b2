"""Read-your-writes: wait until a projection has reached a position, woken by the projector's
Redis publication (not by polling the database), for a bounded time."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from projections.invalidation import POSITION_CHANNEL, POSITION_KEY


class ProjectionNotCaughtUp(Exception):
    def __init__(self, position: int, reached: int) -> None:
        super().__init__(f"the read model is at position {reached}, not yet {position}")
        self.position = position
        self.reached = reached


class PositionWaiter:
    def __init__(self, client: Redis, projection: str = "filing_summary") -> None:
        self._redis = client
        self._key = POSITION_KEY.format(name=projection)
        self._channel = POSITION_CHANNEL.format(name=projection)

    async def reached(self) -> int:
        raw = await self._redis.get(self._key)
        return int(raw) if raw is not None else 0

    async def wait_for(self, position: int, timeout: float) -> None:
        reached = await self.reached()
        if reached >= position:
            return
        deadline = time.monotonic() + timeout
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self._channel)
            # Re-read after subscribing: a publication between the two reads is not missed.
            reached = await self.reached()
            while reached < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProjectionNotCaughtUp(position, reached)
                try:
                    message = await asyncio.wait_for(
                        pubsub.get_message(timeout=remaining), timeout=remaining + 0.1
                    )
                except TimeoutError:
                    message = None
                if message is not None:
                    reached = max(reached, int(message["data"]))
