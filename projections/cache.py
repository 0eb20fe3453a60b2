"""Redis read-through cache for read models.

Keys carry the read-model version and the user, so a user can only ever be served entries
built for them, and a rebuilt read model never serves the old one's entries. The projector
deletes the entries it changed; a TTL bounds staleness if it dies between commit and delete.
Entries are stored as b"<version>|<json>" so the ETag is read without decoding the body.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis

from projections.filing_summary import Touched
from projections.schema import READ_MODEL_VERSION


@dataclass(frozen=True)
class CachedView:
    version: int
    body: bytes

    def encode(self) -> bytes:
        return b"%d|" % self.version + self.body

    @classmethod
    def decode(cls, raw: bytes) -> CachedView:
        version, _, body = raw.partition(b"|")
        return cls(int(version), body)


class ReadCache:
    def __init__(
        self, client: redis.Redis, ttl_seconds: int = 300, model_version: int = READ_MODEL_VERSION
    ) -> None:
        self._redis = client
        self._ttl = ttl_seconds
        self._prefix = f"bb:rm{model_version}"

    def filing_key(self, owner_id: str, filing_id: uuid.UUID) -> str:
        return f"{self._prefix}:filing:{owner_id}:{filing_id}"

    def _list_generation_key(self, owner_id: str) -> str:
        return f"{self._prefix}:filings-gen:{owner_id}"

    def list_key(self, owner_id: str, suffix: str) -> str:
        raw = self._redis.get(self._list_generation_key(owner_id))
        generation = int(raw) if raw is not None else 0
        return f"{self._prefix}:filings:{owner_id}:{generation}:{suffix}"

    def read_through(self, key: str, load: Callable[[], CachedView | None]) -> CachedView | None:
        raw = self._redis.get(key)
        if isinstance(raw, bytes):
            return CachedView.decode(raw)
        view = load()
        if view is not None:
            self._redis.set(key, view.encode(), ex=self._ttl)
        return view

    def invalidate(self, touched: Iterable[Touched]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for t in touched:
            pipe.delete(self.filing_key(t.owner_id, t.filing_id))
            pipe.incr(self._list_generation_key(t.owner_id))
        pipe.execute()
