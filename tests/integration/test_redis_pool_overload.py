"""The API's asyncio Redis pool under overload (issue 16): a request waits, bounded, for a
pooled connection; running out of the wait is `PoolExhausted`, a 503 that leaves the security
breaker closed, while a Redis that is really unreachable still opens it."""

from __future__ import annotations

import asyncio
import socket

import pytest

from api.security.status import PoolExhausted, SecurityStatus
from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from tests.servers import ServerUrls


def _settings(redis_url: str, connections: int, wait: float) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": "postgresql://unused",
            "REDIS_URL": redis_url,
            "BURNBLACK_REDIS_MAX_CONNECTIONS": str(connections),
            "BURNBLACK_REDIS_POOL_TIMEOUT": str(wait),
        }
    )


def test_the_default_wait_is_bounded_and_longer_than_a_burst() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://x", "REDIS_URL": "redis://x"})
    assert settings.security.redis_pool_timeout == 5.0


def test_a_request_waits_for_a_connection_then_fails_as_overload(servers: ServerUrls) -> None:
    async def scenario() -> None:
        client = wiring.async_redis_client(_settings(servers.redis_url, 1, 0.3))
        pool = client.connection_pool
        try:
            held = await pool.get_connection()
            # Released while the next command waits: it gets the connection.
            waiting = asyncio.create_task(client.ping())
            await asyncio.sleep(0.1)
            await pool.release(held)
            assert await waiting is True
            # Held for longer than the wait: overload, told apart from an outage.
            held = await pool.get_connection()
            with pytest.raises(PoolExhausted):
                await client.ping()
            await pool.release(held)
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_overload_leaves_the_breaker_closed_and_an_outage_opens_it() -> None:
    status = SecurityStatus(breaker_seconds=30)
    status.failed("sessions", PoolExhausted("no pooled Redis connection"))
    assert not status.breaker_open
    assert status.readiness() == "ok"

    with socket.socket() as s:  # a port nothing listens on: Redis is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def outage() -> BaseException:
        client = wiring.async_redis_client(_settings(f"redis://127.0.0.1:{port}/0", 4, 5))
        try:
            with pytest.raises(Exception) as caught:
                await client.ping()
            return caught.value
        finally:
            await client.aclose()

    error = asyncio.run(outage())
    assert not isinstance(error, PoolExhausted)  # at once, not after the pool's wait
    status.failed("sessions", error)
    assert status.breaker_open
