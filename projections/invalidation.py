"""What the projector does after a batch commits: invalidate the cache entries it changed and
tell waiting readers (read-your-writes) how far the projection has got."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from projections.cache import (
    MODEL_VERSION_KEY,
    STORE_IF_NOT_OLDER,
    filing_key,
    list_generation_key,
    tombstone,
)
from projections.filing_summary import Touched

POSITION_KEY = "bb:projection-position:{name}"
POSITION_CHANNEL = "bb:projection-position:{name}"


class CacheInvalidator:
    def __init__(self, client: redis.Redis, projection: str, ttl_seconds: int = 300) -> None:
        self._redis = client
        self._position_key = POSITION_KEY.format(name=projection)
        self._channel = POSITION_CHANNEL.format(name=projection)
        self._ttl = ttl_seconds
        self._store = client.register_script(STORE_IF_NOT_OLDER)

    def after_commit(self, touched: Iterable[Touched], position: int) -> None:
        raw = self._redis.get(MODEL_VERSION_KEY)
        version = int(raw) if isinstance(raw, bytes) else 1
        # During a switch readers may still use the previous version for a second: drop both.
        versions = {version, max(1, version - 1)}
        pipe = self._redis.pipeline(transaction=False)
        for t in touched:
            for v in versions:
                # A tombstone at the row's new position, not a DEL: a reader that loaded the
                # row before this commit cannot store its older value over it.
                self._store(
                    keys=[filing_key(v, t.owner_id, t.filing_id)],
                    args=[t.position, tombstone(t.position), self._ttl],
                    client=pipe,
                )
                pipe.incr(list_generation_key(v, t.owner_id))
        pipe.set(self._position_key, position)
        pipe.publish(self._channel, position)
        pipe.execute()
