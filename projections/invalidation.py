"""What the projector does after a batch commits: drop the cache entries it changed and tell
waiting readers (read-your-writes) how far the projection has got."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from projections.cache import MODEL_VERSION_KEY, filing_key, list_generation_key
from projections.filing_summary import Touched

POSITION_KEY = "bb:projection-position:{name}"
POSITION_CHANNEL = "bb:projection-position:{name}"


class CacheInvalidator:
    def __init__(self, client: redis.Redis, projection: str) -> None:
        self._redis = client
        self._position_key = POSITION_KEY.format(name=projection)
        self._channel = POSITION_CHANNEL.format(name=projection)

    def after_commit(self, touched: Iterable[Touched], position: int) -> None:
        raw = self._redis.get(MODEL_VERSION_KEY)
        version = int(raw) if isinstance(raw, bytes) else 1
        # During a switch readers may still use the previous version for a second: drop both.
        versions = {version, max(1, version - 1)}
        pipe = self._redis.pipeline(transaction=False)
        for t in touched:
            for v in versions:
                pipe.delete(filing_key(v, t.owner_id, t.filing_id))
                pipe.incr(list_generation_key(v, t.owner_id))
        pipe.set(self._position_key, position)
        pipe.publish(self._channel, position)
        pipe.execute()
