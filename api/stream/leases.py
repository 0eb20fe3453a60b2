"""The per-user connection cap, shared by every API instance: each open socket holds a lease
(a member of a sorted set in Redis, scored by when it lapses) that the socket renews while it
lives. A crashed instance's leases lapse on their own, so they never lock a user out."""

from __future__ import annotations

from redis.asyncio import Redis

from projections.redis_keys import stream_sockets_key

# Drop lapsed leases, then take one if fewer than ARGV[2] are held. Redis' own clock: every
# instance agrees on "now".
_TAKE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""
# Renewing re-adds a lease that is gone (Redis restarted empty): the socket is still open.
_RENEW = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


class SocketLeases:
    def __init__(self, client: Redis, cap: int, lease_seconds: float) -> None:
        self._redis = client
        self._cap = cap
        self._lease_ms = max(1000, int(lease_seconds * 1000))
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)

    async def take(self, user: str, socket_id: str) -> bool:
        key = stream_sockets_key(user)
        took = await self._take(keys=[key], args=[socket_id, self._cap, self._lease_ms])
        return bool(took)

    async def renew(self, user: str, socket_id: str) -> None:
        await self._renew(keys=[stream_sockets_key(user)], args=[socket_id, self._lease_ms])

    async def release(self, user: str, socket_id: str) -> None:
        await self._redis.zrem(stream_sockets_key(user), socket_id)
