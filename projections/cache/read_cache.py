"""Redis read-through cache for read models (its keys: projections/redis_keys.py).

Keys carry the read model's version (bumped when a rebuild switches tables) and the user, so
a user is only ever served entries built for them, and a rebuilt model never serves the old
one's entries. The projector deletes the entries it changed (`invalidation.py`); a TTL bounds
staleness if it dies between commit and delete. Concurrent misses on one key load once: the
first takes a short lock, the others wait for its value. Entries are b"<version>|<json>" so
the ETag is read without decoding the body. The projector writes the new value after a
change (projections/cache/warming.py), so a read after a write hits too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import Counter
from redis.asyncio import Redis

from projections.redis_keys import (
    MODEL_VERSION_KEY,
    filing_key,
    list_generation_key,
    list_key,
    list_key_prefix,
    list_key_suffix,
    loading_key,
)

CACHE_REQUESTS = Counter(
    "burnblack_read_cache_requests", "Read-model cache lookups by result", ["result"]
)
_HITS = CACHE_REQUESTS.labels("hit")
_MISSES = CACHE_REQUESTS.labels("miss")
_COALESCED = CACHE_REQUESTS.labels("coalesced")

_VERSION_MEMO_SECONDS = 1.0
_LOCK_MS = 2000
_WAIT_FOR_PEER_SECONDS = 0.5


# KEYS[1]: the entry; ARGV: position, value, TTL (s). Reads only the position prefix.
STORE_IF_NOT_OLDER = """
local head = redis.call('GETRANGE', KEYS[1], 0, 24)
local current = tonumber(string.match(head, '^(%d+)|'))
if current and current > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
"""


# KEYS[1]: an owner's list generation; ARGV: the list key's prefix and suffix around the
# generation. One round trip for what was two dependent GETs (generation, then page).
# The page key is built here, not declared: fine on one Redis, not on a Redis Cluster.
READ_LIST = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ARGV[2])}
"""

# KEYS[1]: an owner's list generation; ARGV: prefix, suffix, the new first page, TTL (s).
# The projector's: a new generation (older pages are never read again) with its first page
# already in place, so the next read of the list hits.
WARM_LIST = """
local generation = redis.call('INCR', KEYS[1])
redis.call('SET', ARGV[1] .. generation .. ARGV[2], ARGV[3], 'EX', tonumber(ARGV[4]))
return generation
"""


@dataclass(frozen=True)
class CachedView:
    """A read model's answer: `version` is its ETag, `position` the log position it was
    loaded at (a filing's last event; 0 where a key of its own guards freshness)."""

    version: int
    body: bytes
    position: int = 0

    def encode(self) -> bytes:
        return b"%d|%d|" % (self.position, self.version) + self.body

    @classmethod
    def decode(cls, raw: bytes) -> CachedView | None:
        """None for a tombstone (an entry the projector invalidated)."""
        parts = raw.split(b"|", 2)
        if len(parts) < 3:
            return None
        return cls(int(parts[1]), parts[2], int(parts[0]))


def tombstone(position: int) -> bytes:
    return b"%d|" % position


class ReadCache:
    def __init__(self, client: Redis, ttl_seconds: int = 300) -> None:
        self._redis = client
        self._ttl = ttl_seconds
        self._version: tuple[float, int] = (0.0, 1)
        self._store = client.register_script(STORE_IF_NOT_OLDER)
        self._read_list = client.register_script(READ_LIST)

    async def model_version(self) -> int:
        """The live read model's version; re-read from Redis at most once a second."""
        at, version = self._version
        now = time.monotonic()
        if now - at > _VERSION_MEMO_SECONDS:
            raw = await self._redis.get(MODEL_VERSION_KEY)
            version = int(raw) if raw is not None else 1
            self._version = (now, version)
        return version

    async def filing_key(self, owner_id: str, filing_id: uuid.UUID) -> str:
        return filing_key(await self.model_version(), owner_id, filing_id)

    async def read_list(
        self, owner_id: str, page: str, load: Callable[[], Awaitable[CachedView | None]]
    ) -> CachedView | None:
        """An owner's list page: generation and page in one round trip (READ_LIST)."""
        version = await self.model_version()
        generation, raw = await self._read_list(
            keys=[list_generation_key(version, owner_id)],
            args=[list_key_prefix(version, owner_id), list_key_suffix(page)],
        )
        key = list_key(version, owner_id, int(generation), page)
        return await self._through(key, raw, load)

    async def read_through(
        self, key: str, load: Callable[[], Awaitable[CachedView | None]]
    ) -> CachedView | None:
        return await self._through(key, await self._redis.get(key), load)

    async def _through(
        self, key: str, raw: object, load: Callable[[], Awaitable[CachedView | None]]
    ) -> CachedView | None:
        cached = CachedView.decode(raw) if isinstance(raw, bytes) else None
        if cached is not None:
            _HITS.inc()
            return cached
        lock = loading_key(key)
        if not await self._redis.set(lock, b"1", nx=True, px=_LOCK_MS):
            # Someone else is loading this key: wait briefly for their value.
            deadline = time.monotonic() + _WAIT_FOR_PEER_SECONDS
            while time.monotonic() < deadline:
                await asyncio.sleep(0.01)
                raw = await self._redis.get(key)
                cached = CachedView.decode(raw) if isinstance(raw, bytes) else None
                if cached is not None:
                    _COALESCED.inc()
                    return cached
        _MISSES.inc()
        try:
            view = await load()
            if view is not None:
                await self.store(key, view)
            return view
        finally:
            await self._redis.delete(lock)

    async def store(self, key: str, view: CachedView) -> bool:
        """Stores `view` unless the entry holds a newer value or tombstone; True if stored."""
        stored = await self._store(keys=[key], args=[view.position, view.encode(), self._ttl])
        return bool(stored)
