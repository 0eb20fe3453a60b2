"""Server-side sessions on the real Redis: hashed ids, idle and absolute expiry, revocation."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import msgspec
import pytest
import redis
from redis.asyncio import Redis

from api.security.sessions import INDEX_PREFIX, SESSION_PREFIX, SessionRecord, SessionStore
from tests.servers import ServerUrls

T = TypeVar("T")
IDLE, MAX_AGE = 600, 3600


@pytest.fixture(scope="module")
def sync_redis(servers: ServerUrls) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(servers.redis_url)
    yield client
    client.close()


@pytest.fixture()
def run(servers: ServerUrls) -> Callable[[Callable[[SessionStore], Awaitable[T]]], T]:
    def runner(body: Callable[[SessionStore], Awaitable[T]]) -> T:
        async def go() -> T:
            client = Redis.from_url(servers.redis_url)
            try:
                return await body(SessionStore(client, IDLE, MAX_AGE))
            finally:
                await client.aclose()

        return asyncio.run(go())

    return runner


def _session_keys(sync_redis: redis.Redis) -> set[bytes]:
    return set(sync_redis.scan_iter(match=SESSION_PREFIX + "*"))


def test_a_session_is_stored_under_the_ids_hash_with_the_idle_ttl(
    run: Callable[..., object], sync_redis: redis.Redis
) -> None:
    uid = str(uuid.uuid4())

    async def body(store: SessionStore) -> tuple[str, SessionRecord | None]:
        issued = await store.create(uid, "taxpayer", "a@example.com")
        return issued.id, await store.load(issued.id)

    session_id, loaded = run(body)  # type: ignore[misc]
    assert loaded is not None and loaded.uid == uid and loaded.role == "taxpayer"
    keys = _session_keys(sync_redis)
    assert not any(session_id.encode() in k for k in keys), "the raw id must not be a key"
    assert sync_redis.scard(INDEX_PREFIX + uid) == 1
    (member,) = sync_redis.smembers(INDEX_PREFIX + uid)
    assert IDLE - 5 <= sync_redis.ttl(SESSION_PREFIX + member.decode()) <= IDLE


def test_use_renews_the_idle_time(run: Callable[..., object], sync_redis: redis.Redis) -> None:
    uid = str(uuid.uuid4())

    async def create(store: SessionStore) -> str:
        return (await store.create(uid, "taxpayer", "a@example.com")).id

    session_id = run(create)
    (member,) = sync_redis.smembers(INDEX_PREFIX + uid)
    key = SESSION_PREFIX + member.decode()
    sync_redis.expire(key, 30)  # as if it had sat unused for most of its idle time

    async def load(store: SessionStore) -> SessionRecord | None:
        return await store.load(session_id)  # type: ignore[arg-type]

    assert run(load) is not None
    assert sync_redis.ttl(key) > 30


def test_idle_and_absolute_expiry_end_the_session(
    run: Callable[..., object], sync_redis: redis.Redis
) -> None:
    uid = str(uuid.uuid4())

    async def create_two(store: SessionStore) -> tuple[str, str]:
        a = await store.create(uid, "taxpayer", "a@example.com")
        b = await store.create(uid, "taxpayer", "a@example.com")
        return a.id, b.id

    idle_id, old_id = run(create_two)  # type: ignore[misc]
    idle_key, old_key = (
        SESSION_PREFIX + hashlib.sha256(i.encode()).hexdigest() for i in (idle_id, old_id)
    )
    # Idle: Redis drops the key when its TTL runs out.
    sync_redis.delete(idle_key)
    # Absolute: logged in longer ago than the maximum age, though used a moment ago.
    old = msgspec.json.decode(sync_redis.get(old_key), type=SessionRecord)
    old.created_at = time.time() - MAX_AGE - 1
    sync_redis.set(old_key, msgspec.json.encode(old), keepttl=True)

    async def load_both(store: SessionStore) -> list[SessionRecord | None]:
        return [await store.load(idle_id), await store.load(old_id)]

    assert run(load_both) == [None, None]
    assert not sync_redis.exists(old_key)
    assert sync_redis.scard(INDEX_PREFIX + uid) == 1  # the idle one is pruned at the next login


def test_garbage_ids_are_refused_without_a_lookup(run: Callable[..., object]) -> None:
    async def body(store: SessionStore) -> list[SessionRecord | None]:
        return [await store.load(x) for x in ("", "x" * 43 + "!", "../../etc", "a" * 500)]

    assert run(body) == [None, None, None, None]


def test_revoking_a_user_ends_all_their_sessions_and_only_theirs(
    run: Callable[..., object], sync_redis: redis.Redis
) -> None:
    uid, other = str(uuid.uuid4()), str(uuid.uuid4())

    async def body(store: SessionStore) -> tuple[int, list[bool], bool, int]:
        mine = [await store.create(uid, "taxpayer", "a@example.com") for _ in range(3)]
        theirs = await store.create(other, "taxpayer", "b@example.com")
        ended = await store.revoke_user(uid)
        alive = [await store.load(s.id) is not None for s in mine]
        return ended, alive, await store.load(theirs.id) is not None, await store.live_count(uid)

    assert run(body) == (3, [False, False, False], True, 0)
    assert not sync_redis.exists(INDEX_PREFIX + uid)


def test_the_index_forgets_expired_sessions_on_the_next_login(
    run: Callable[..., object], sync_redis: redis.Redis
) -> None:
    uid = str(uuid.uuid4())

    async def three(store: SessionStore) -> None:
        for _ in range(3):
            await store.create(uid, "taxpayer", "a@example.com")

    run(three)
    for member in list(sync_redis.smembers(INDEX_PREFIX + uid))[:2]:
        sync_redis.delete(SESSION_PREFIX + member.decode())  # expired
    run(lambda store: store.create(uid, "taxpayer", "a@example.com"))
    assert sync_redis.scard(INDEX_PREFIX + uid) == 2
