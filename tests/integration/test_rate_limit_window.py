"""The rate limiter's single round trip (`limits`' two sliding-window scripts in one EVALSHA)
on the real Redis: the same keys, counts and header numbers as `limits` itself."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from limits import parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from api.security.rate_limits import (
    KEY_PREFIX,
    Decision,
    RequestLimiter,
    StoreUnavailable,
    limits_storage_uri,
    window_keys,
)
from api.security.status import SecurityStatus
from tests.servers import ServerUrls

T = TypeVar("T")
Body = Callable[[RequestLimiter, SlidingWindowCounterRateLimiter], Awaitable[T]]


def _run(redis_url: str, limit: str, body: Body[T], instances: int = 1) -> T:
    async def go() -> T:
        clients = [Redis.from_url(redis_url) for _ in range(instances)]
        limiters = [
            RequestLimiter(redis_url, c, {"standard": limit}, SecurityStatus()) for c in clients
        ]
        reference = SlidingWindowCounterRateLimiter(
            RedisStorage(
                limits_storage_uri(redis_url), implementation="redispy", key_prefix=KEY_PREFIX
            )
        )
        try:
            if instances == 1:
                return await body(limiters[0], reference)
            return await body(limiters, reference)  # type: ignore[arg-type]
        finally:
            for c in clients:
                await c.aclose()

    return asyncio.run(go())


def test_it_admits_exactly_the_limit_with_limits_own_numbers(servers: ServerUrls) -> None:
    who = f"user:{uuid.uuid4()}"
    item = parse("5/hour")

    async def body(
        limiter: RequestLimiter, reference: SlidingWindowCounterRateLimiter
    ) -> list[tuple[Decision, int, int]]:
        seen = []
        for _ in range(7):
            decision = await limiter.hit("standard", who)
            stats = await reference.get_window_stats(item, "standard", who)
            seen.append((decision, stats.remaining, max(0, int(stats.reset_time - time.time()))))
        return seen

    seen = _run(servers.redis_url, "5/hour", body)
    assert [d.allowed for d, _, _ in seen] == [True] * 5 + [False] * 2
    assert [d.remaining for d, _, _ in seen] == [4, 3, 2, 1, 0, 0, 0]
    # the same remaining count and reset as limits' own get_window_stats, on the same keys
    assert [d.remaining for d, _, _ in seen] == [remaining for _, remaining, _ in seen]
    for decision, _, reset in seen:
        assert reset <= decision.reset_seconds <= reset + 1
        assert 0 < decision.reset_seconds <= 3600
        assert decision.headers()["RateLimit-Policy"] == "5;w=3600"
        assert decision.headers()["RateLimit-Limit"] == "5"
        raw = {name.decode(): value.decode() for name, value in decision.raw_headers()}
        assert raw == {name.lower(): value for name, value in decision.headers().items()}


def test_it_shares_limits_keys_so_limits_sees_and_clears_the_count(servers: ServerUrls) -> None:
    who = f"ip:{uuid.uuid4()}"
    item = parse("3/hour")

    async def body(
        limiter: RequestLimiter, reference: SlidingWindowCounterRateLimiter
    ) -> tuple[bool, bool, bool]:
        for _ in range(3):
            assert (await limiter.hit("standard", who)).allowed
        refused_by_limits = not await reference.hit(item, "standard", who)
        await limiter.reset("standard", who)
        allowed_after_reset = (await limiter.hit("standard", who)).allowed
        counted_by_limits = (await reference.get_window_stats(item, "standard", who)).remaining
        return refused_by_limits, allowed_after_reset, counted_by_limits == 2

    assert _run(servers.redis_url, "3/hour", body) == (True, True, True)
    previous, current = window_keys(item, "standard", who)
    assert current == f"{KEY_PREFIX}:{{{item.key_for('standard', who)}}}"
    assert previous == current + "/-1"


def test_the_previous_window_still_counts_by_its_remaining_share(servers: ServerUrls) -> None:
    """4 per 2 s: just after the window rolls, the previous 4 still weigh by the share of the
    window they overlap (limits' weighting), so fewer than 4 more are admitted, but some are.
    (How many depends on how soon after the roll the hits land: a busy machine admits more.)"""
    who = f"user:{uuid.uuid4()}"

    async def body(
        limiter: RequestLimiter, _: SlidingWindowCounterRateLimiter
    ) -> tuple[list[bool], int]:
        first = [(await limiter.hit("standard", who)).allowed for _ in range(5)]
        await asyncio.sleep(2.1)
        admitted = 0
        while admitted < 5 and (await limiter.hit("standard", who)).allowed:
            admitted += 1
        return first, admitted

    first, admitted = _run(servers.redis_url, "4/2second", body)
    assert first == [True] * 4 + [False]
    assert 1 <= admitted < 4


def test_instances_share_one_exact_count(servers: ServerUrls) -> None:
    who = f"user:{uuid.uuid4()}"

    async def body(
        limiters: list[RequestLimiter], _: SlidingWindowCounterRateLimiter
    ) -> list[Decision]:
        calls = [limiters[i % len(limiters)].hit("standard", who) for i in range(60)]
        return list(await asyncio.gather(*calls))

    decisions = _run(servers.redis_url, "25/hour", body, instances=3)  # type: ignore[arg-type]
    assert sum(d.allowed for d in decisions) == 25
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(25))


def test_an_unreachable_store_is_reported_not_hung() -> None:
    async def go() -> None:
        client = Redis.from_url("redis://127.0.0.1:1/0", socket_timeout=2, socket_connect_timeout=2)
        limiter = RequestLimiter(
            "redis://127.0.0.1:1/0", client, {"standard": "5/hour"}, SecurityStatus()
        )
        with pytest.raises(StoreUnavailable):
            await limiter.hit("standard", "ip:x")
        # the breaker then answers without asking Redis (its reason says so)
        with pytest.raises(StoreUnavailable, match="recent failure"):
            await limiter.hit("standard", "ip:x")
        await client.aclose()

    asyncio.run(go())  # a hang would be stopped by pytest-timeout
