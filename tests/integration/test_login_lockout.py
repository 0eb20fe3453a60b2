"""The progressive login lockout on the real Redis: thresholds, doubling, reset, and no lost
updates when many threads and processes fail at once."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import redis
from redis.asyncio import Redis

from api.security.config import LockoutPolicy
from api.security.lockout import LockoutDecision, LoginLockout, account_key, ip_key
from tests.servers import ServerUrls

POLICY = LockoutPolicy(
    account_threshold=3, ip_threshold=7, base_seconds=60, max_seconds=600, memory_seconds=3600
)


def _attempts(redis_url: str, policy: LockoutPolicy, email: str, address: str, n: int) -> int:
    """n attempts on a fresh client (in whatever thread or process this runs); how many
    were let through."""

    async def go() -> int:
        client = Redis.from_url(redis_url)
        try:
            lockout = LoginLockout(client, policy)
            return sum([(await lockout.begin(email, address)).allowed for _ in range(n)])
        finally:
            await client.aclose()

    return asyncio.run(go())


def _one(redis_url: str, call: str, email: str, address: str) -> LockoutDecision | None:
    async def go() -> LockoutDecision | None:
        client = Redis.from_url(redis_url)
        try:
            lockout = LoginLockout(client, POLICY)
            if call == "begin":
                return await lockout.begin(email, address)
            await lockout.succeeded(email, address)
            return None
        finally:
            await client.aclose()

    return asyncio.run(go())


def _lock_ms(redis_url: str, key: str) -> int:
    async def go() -> int:
        client = Redis.from_url(redis_url)
        try:
            return (await LoginLockout(client, POLICY).state(key)).locked_for_ms
        finally:
            await client.aclose()

    return asyncio.run(go())


def _expire_lock(sync: redis.Redis, key: str) -> None:
    """What time passing does to a lock, without waiting for it."""
    sync.hset(key, "locked_until", 0)


@pytest.fixture()
def who() -> tuple[str, str]:
    return f"lock-{uuid.uuid4().hex[:10]}@example.com", f"198.51.100.{uuid.uuid4().int % 250}"


@pytest.fixture(scope="module")
def sync_redis(servers: ServerUrls) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(servers.redis_url)
    yield client
    client.close()


def test_threshold_locks_and_each_further_threshold_doubles(
    servers: ServerUrls, sync_redis: redis.Redis, who: tuple[str, str]
) -> None:
    email, _ = who
    url = servers.redis_url
    expected_locks_s = [60, 120, 240, 480, 600, 600]  # doubling, capped at max_seconds
    for level, lock_s in enumerate(expected_locks_s, start=1):
        address = f"203.0.113.{level}"  # a fresh address each round: only the account locks
        assert _attempts(url, POLICY, email, address, POLICY.account_threshold) == 3
        refused = _one(url, "begin", email, "203.0.113.200")
        assert refused is not None and not refused.allowed, f"level {level}"
        assert lock_s - 2 <= refused.retry_after <= lock_s
        assert lock_s * 1000 - 2000 <= _lock_ms(url, account_key(email)) <= lock_s * 1000
        _expire_lock(sync_redis, account_key(email))


def test_success_resets_the_account_but_not_the_address(
    servers: ServerUrls, sync_redis: redis.Redis, who: tuple[str, str]
) -> None:
    email, address = who
    url = servers.redis_url
    assert _attempts(url, POLICY, email, address, 2) == 2  # two wrong passwords
    assert _one(url, "begin", email, address) == LockoutDecision(True)  # the right one
    _one(url, "succeeded", email, address)
    assert not sync_redis.exists(account_key(email))
    assert int(sync_redis.hget(ip_key(address), "failures") or 0) == 2
    # the account starts again from zero: three more failures before it locks
    assert _attempts(url, POLICY, email, address, 3) == 3
    decision = _one(url, "begin", email, address)
    assert decision is not None and not decision.allowed


def test_an_address_spraying_many_accounts_is_locked_for_all_of_them(
    servers: ServerUrls, who: tuple[str, str]
) -> None:
    _, address = who
    url = servers.redis_url
    allowed = sum(
        _attempts(url, POLICY, f"spray-{i}-{uuid.uuid4().hex[:6]}@example.com", address, 1)
        for i in range(POLICY.ip_threshold)
    )
    assert allowed == POLICY.ip_threshold
    decision = _one(url, "begin", f"another-{uuid.uuid4().hex[:6]}@example.com", address)
    assert decision is not None and not decision.allowed


def test_unknown_accounts_lock_like_real_ones(servers: ServerUrls) -> None:
    ghost = f"nobody-{uuid.uuid4().hex}@example.com"
    assert _attempts(servers.redis_url, POLICY, ghost, "192.0.2.77", 10) == 3


def test_concurrent_threads_let_exactly_the_threshold_through(servers: ServerUrls) -> None:
    policy = LockoutPolicy(account_threshold=5, ip_threshold=10_000, base_seconds=600)
    email = f"threads-{uuid.uuid4().hex[:8]}@example.com"
    with ThreadPoolExecutor(8) as pool:
        allowed = sum(
            pool.map(
                lambda i: _attempts(servers.redis_url, policy, email, f"192.0.2.{i}", 25),
                range(8),
            )
        )
    assert allowed == 5  # 200 concurrent attempts, exactly 5 password checks


def test_concurrent_processes_lose_no_update_and_stop_at_the_threshold(
    servers: ServerUrls, sync_redis: redis.Redis
) -> None:
    """Four processes x 40 attempts, each on its own account from one address. With a
    threshold no one reaches the address counter must be exactly 160 (no lost increment);
    with a threshold of 6 exactly 6 attempts get through, whichever process makes them."""
    uncapped = LockoutPolicy(account_threshold=10_000, ip_threshold=10_000, base_seconds=600)
    capped = LockoutPolicy(account_threshold=10_000, ip_threshold=6, base_seconds=600)
    counted, burst = (f"192.0.2.1-{tag}-{uuid.uuid4().hex[:6]}" for tag in ("count", "burst"))
    context = multiprocessing.get_context("fork")  # spawn would re-import the test session
    with ProcessPoolExecutor(4, mp_context=context) as pool:

        def run(policy: LockoutPolicy, address: str) -> int:
            futures = [
                pool.submit(
                    _attempts,
                    servers.redis_url,
                    policy,
                    f"p{i}-{uuid.uuid4().hex}@x.com",
                    address,
                    40,
                )
                for i in range(4)
            ]
            return sum(f.result() for f in futures)

        assert run(uncapped, counted) == 160
        assert int(sync_redis.hget(ip_key(counted), "failures") or 0) == 160
        assert run(capped, burst) == 6
