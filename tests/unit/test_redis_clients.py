"""Every Redis client connects without `CLIENT SETINFO`: Redis before 7.2 refuses it, and
under load its refusal surfaced as the reply to a request's own command (503s, issue 16)."""

from __future__ import annotations

import asyncio

from api.security.config import SecurityConfig
from api.security.services import build_security
from burnblack.bootstrap import wiring
from burnblack.settings import Settings

URL = "redis://127.0.0.1:6379/15"  # nothing connects: the clients are only built


def test_no_client_sends_setinfo() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://x", "REDIS_URL": URL})
    sync = wiring.redis_client(settings)
    assert sync.connection_pool.connection_kwargs["driver_info"] is None

    async def built() -> list[object]:
        client = wiring.async_redis_client(settings)
        # The security layer uses the process's one asyncio client (built by the root).
        assert build_security(SecurityConfig(), URL, client).redis is client
        found = [client.connection_pool.connection_kwargs["driver_info"]]
        await client.aclose()
        return found

    assert asyncio.run(built()) == [None]
    sync.close()
