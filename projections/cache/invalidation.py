"""What the projector does after a batch commits: replace the cache entries it changed (with
their new values when it has them, projections/cache/warming.py; else with tombstones) and tell
waiting readers (read-your-writes) how far the projection has got."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from projections.cache.read_cache import STORE_IF_NOT_OLDER, WARM_LIST, tombstone
from projections.cache.warming import Warmed
from projections.read_models.filings.projection import Touched
from projections.read_models.filings.queries import FIRST_PAGE_LIMIT, page_name
from projections.redis_keys import (
    MODEL_VERSION_KEY,
    filing_key,
    list_generation_key,
    list_key_prefix,
    list_key_suffix,
    position_channel,
    position_key,
)


class CacheInvalidator:
    def __init__(self, client: redis.Redis, projection: str, ttl_seconds: int = 300) -> None:
        self._redis = client
        self._position_key = position_key(projection)
        self._channel = position_channel(projection)
        self._ttl = ttl_seconds
        self._store = client.register_script(STORE_IF_NOT_OLDER)
        self._warm_list = client.register_script(WARM_LIST)

    def after_commit(
        self, touched: Iterable[Touched], position: int, warmed: Warmed | None = None
    ) -> None:
        raw = self._redis.get(MODEL_VERSION_KEY)
        version = int(raw) if isinstance(raw, bytes) else 1
        warmed = warmed or Warmed()
        first_page = list_key_suffix(page_name(None, FIRST_PAGE_LIMIT))
        # During a switch readers may still use the previous version for a second: drop both.
        versions = {version, max(1, version - 1)}
        pipe = self._redis.pipeline(transaction=False)
        owners: set[str] = set()
        for t in touched:
            owners.add(t.owner_id)
            fresh = warmed.summaries.get(t.filing_id)
            for v in versions:
                # Stored only if not older than what is there: a reader that loaded the row
                # before this commit cannot store its older value over it, nor can this
                # value replace a newer one. A tombstone where there is no new value.
                value = fresh.encode() if fresh is not None and v == version else None
                self._store(
                    keys=[filing_key(v, t.owner_id, t.filing_id)],
                    args=[t.position, value or tombstone(t.position), self._ttl],
                    client=pipe,
                )
        for owner in owners:
            for v in versions:
                page = warmed.first_pages.get(owner) if v == version else None
                if page is None:
                    pipe.incr(list_generation_key(v, owner))
                else:
                    self._warm_list(
                        keys=[list_generation_key(v, owner)],
                        args=[list_key_prefix(v, owner), first_page, page.encode(), self._ttl],
                        client=pipe,
                    )
        pipe.set(self._position_key, position)
        pipe.publish(self._channel, position)
        pipe.execute()
