"""Read-your-writes: wait until a projection has reached a position, woken by the projector's
Redis publication (not by polling the database), for a bounded time."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from projections.redis_keys import position_channel, position_key, waits_key


class ProjectionNotCaughtUp(Exception):
    def __init__(self, position: int, reached: int) -> None:
        super().__init__(f"the read model is at position {reached}, not yet {position}")
        self.position = position
        self.reached = reached


class TooManyWaiting(Exception):
    """This waiter already has as many reads waiting as it may."""


class PositionWaiter:
    def __init__(self, client: Redis, projection: str = "filing_summary") -> None:
        self._redis = client
        self._key = position_key(projection)
        self._channel = position_channel(projection)

    async def reached(self) -> int:
        raw = await self._redis.get(self._key)
        return int(raw) if raw is not None else 0

    async def wait_for(
        self,
        position: int,
        timeout: float,
        waiter: str | None = None,
        max_waiting: int = 4,
    ) -> None:
        """Returns once the projection has reached `position`; ProjectionNotCaughtUp after
        `timeout`. A `waiter` (a user) may have at most `max_waiting` waits at once across
        every instance: each holds a Redis connection for up to `timeout`."""
        if await self.reached() >= position:
            return
        if waiter is None:
            await self._wait(position, timeout)
            return
        key = waits_key(waiter)
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, int(timeout) + 10)  # a crashed instance's counts do not linger
        waiting, _ = await pipe.execute()
        try:
            if int(waiting) > max_waiting:
                raise TooManyWaiting(f"at most {max_waiting} reads may wait at once")
            await self._wait(position, timeout)
        finally:
            await self._redis.decr(key)

    async def _wait(self, position: int, timeout: float) -> None:
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
