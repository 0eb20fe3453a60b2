"""The rate limiter's scripts run as one EVALSHA on a pooled connection (`run_script`,
api/security/rate_limits.py), without redis-py's per-command layers, and fall back to the
ordinary path (which loads scripts and retries) for anything unusual."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from api.security.rate_limits import run_script
from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from tests.servers import ServerUrls


def _client(servers: ServerUrls) -> Redis:
    return wiring.async_redis_client(
        Settings.from_env({"DATABASE_URL": "postgresql://unused", "REDIS_URL": servers.redis_url})
    )


def test_a_script_runs_without_execute_command(servers: ServerUrls) -> None:
    async def scenario() -> None:
        client = _client(servers)
        calls: list[object] = []
        original = client.execute_command

        async def counted(*args: object, **options: object) -> object:
            calls.append(args[0])
            return await original(*args, **options)

        client.execute_command = counted  # type: ignore[method-assign]
        try:
            # Unknown to Redis at first (a body of its own): NOSCRIPT, loaded by the ordinary
            # path, then sent directly.
            script = client.register_script(f"return {{KEYS[1], ARGV[1]}} -- {uuid.uuid4()}")
            assert await run_script(client, script, ["k"], ["v"]) == [b"k", b"v"]
            assert calls  # the fallback: EVALSHA, then SCRIPT LOAD, through redis-py
            calls.clear()
            for i in range(3):
                assert await run_script(client, script, ["k"], [str(i)]) == [b"k", str(i).encode()]
            assert calls == []
            pool = client.connection_pool
            assert not pool._in_use_connections  # every connection handed back
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_a_broken_connection_falls_back_to_the_retrying_path(servers: ServerUrls) -> None:
    async def scenario() -> None:
        client = _client(servers)
        other = _client(servers)
        try:
            script = client.register_script("return ARGV[1]")
            assert await run_script(client, script, [], ["1"]) == b"1"
            # The pooled connection is killed by the server: the next call finds it broken.
            pool = client.connection_pool
            conn = await pool.get_connection()
            await conn.send_command("CLIENT", "ID")
            conn_id = await conn.read_response()
            await pool.release(conn)
            assert await other.execute_command("CLIENT", "KILL", "ID", conn_id) == 1
            assert await run_script(client, script, [], ["2"]) == b"2"
            assert await run_script(client, script, [], ["3"]) == b"3"
        finally:
            await client.aclose()
            await other.aclose()

    asyncio.run(scenario())
