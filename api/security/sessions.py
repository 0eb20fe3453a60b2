"""Server-side sessions in Redis, shared by every API instance.

The cookie holds a random id (256 bits); Redis holds the session under the id's SHA-256, so a
copy of Redis' keys cannot be replayed as cookies. Each user has an index (a set of those
hashes) so that "log out everywhere", an admin's revocation and a role change end all of a
user's sessions at once. A session expires when idle (`session_idle_seconds`, renewed on
use) and, regardless of use, `session_max_age` after login. Nothing is ever stored for an
anonymous visitor: sessions are created only by logging in, always under a fresh id.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis

from projections.redis_keys import SESSION_PREFIX
from projections.redis_keys import USER_SESSIONS_PREFIX as INDEX_PREFIX

_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
RESERVED = frozenset({"uid", "role", "email"})

# KEYS: session key, user index; ARGV: data, idle seconds, index ttl, member, session prefix.
# Prunes index members whose sessions expired, so the index stays as small as the live set.
_CREATE = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[5] .. member) == 0 then
    redis.call('SREM', KEYS[2], member)
  end
end
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return 1
"""

# KEYS: user index; ARGV: session prefix. Returns how many live sessions were ended.
_REVOKE_ALL = """
local ended = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  ended = ended + redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
return ended
"""


class SessionRecord(msgspec.Struct, kw_only=True):
    uid: str
    role: str
    email: str
    csrf: str
    created_at: float
    extra: dict[str, Any] = {}

    def as_scope(self) -> dict[str, Any]:
        """What handlers see as `request.session`."""
        return {**self.extra, "uid": self.uid, "role": self.role, "email": self.email}


@dataclass(frozen=True)
class IssuedSession:
    id: str
    record: SessionRecord


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def well_formed(session_id: str) -> bool:
    return bool(_ID_SHAPE.fullmatch(session_id))


class SessionStore:
    def __init__(self, redis: Redis, idle_seconds: int, max_age: int) -> None:
        self._redis = redis
        self.idle_seconds = idle_seconds
        self.max_age = max_age
        self._create = redis.register_script(_CREATE)
        self._revoke_all = redis.register_script(_REVOKE_ALL)
        self._encode = msgspec.json.Encoder().encode
        self._decode = msgspec.json.Decoder(SessionRecord).decode

    async def create(self, uid: str, role: str, email: str) -> IssuedSession:
        session_id = secrets.token_urlsafe(32)
        record = SessionRecord(
            uid=uid, role=role, email=email, csrf=secrets.token_urlsafe(32), created_at=time.time()
        )
        member = _hash(session_id)
        await self._create(
            keys=[SESSION_PREFIX + member, INDEX_PREFIX + uid],
            args=[
                self._encode(record),
                min(self.idle_seconds, self.max_age),
                self.max_age,
                member,
                SESSION_PREFIX,
            ],
        )
        return IssuedSession(session_id, record)

    async def load(self, session_id: str) -> SessionRecord | None:
        """The live session for this cookie value (renewing its idle time), else None."""
        key = self.key_of(session_id)
        if key is None:
            return None
        return await self.accept(session_id, await self._redis.getex(key, ex=self.idle_seconds))

    def key_of(self, session_id: str) -> str | None:
        """The Redis key of this cookie value's session; None for a value no session has."""
        return SESSION_PREFIX + _hash(session_id) if well_formed(session_id) else None

    async def accept(self, session_id: str, raw: bytes | str | None) -> SessionRecord | None:
        """The session from its stored value, read (with its idle time renewed, GETEX) by
        `load` or, in the same round trip as the rate limit, by the session middleware."""
        key = self.key_of(session_id)
        if raw is None or key is None:
            return None
        try:
            record = self._decode(raw)
        except msgspec.DecodeError:
            await self._redis.delete(key)
            return None
        left = record.created_at + self.max_age - time.time()
        if left <= 0:
            await self.delete(session_id, record.uid)
            return None
        if left < self.idle_seconds:
            await self._redis.expire(key, max(1, int(left)))
        return record

    async def is_live(self, session_id: str) -> bool:
        """Whether the session still exists, without renewing it: an open WebSocket asks this
        now and then, and must not keep an otherwise idle session alive."""
        if not well_formed(session_id):
            return False
        return bool(await self._redis.exists(SESSION_PREFIX + _hash(session_id)))

    async def save(self, session_id: str, record: SessionRecord) -> None:
        """Store changed `extra` data under the same id, keeping its expiry."""
        if well_formed(session_id):
            await self._redis.set(
                SESSION_PREFIX + _hash(session_id), self._encode(record), keepttl=True, xx=True
            )

    async def delete(self, session_id: str, uid: str | None = None) -> None:
        if not well_formed(session_id):
            return
        member = _hash(session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(SESSION_PREFIX + member)
            if uid:
                pipe.srem(INDEX_PREFIX + uid, member)
            await pipe.execute()

    async def revoke_user(self, uid: str) -> int:
        """End every session of this user, on every instance; returns how many were live."""
        return int(await self._revoke_all(keys=[INDEX_PREFIX + uid], args=[SESSION_PREFIX]))

    async def live_count(self, uid: str) -> int:
        members = await self._redis.smembers(INDEX_PREFIX + uid)
        if not members:
            return 0
        keys = [SESSION_PREFIX + (m.decode() if isinstance(m, bytes) else str(m)) for m in members]
        return int(await self._redis.exists(*keys))
