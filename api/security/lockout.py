"""Progressive lockout for failed logins, per account and per client address.

One Lua script decides and counts atomically in Redis, so any number of API instances
share the counts with no lost updates. Every attempt is counted as a failure *before* the
password is checked and forgiven on success: concurrent guesses therefore cannot slip past
the threshold while their passwords are being verified; exactly `threshold` guesses are
evaluated, the rest are refused. Time is Redis' own clock (`TIME`), one for all instances.

For each key (account, address): `failures` counts attempts since the last success; at
every multiple of the threshold the key is locked for base * 2^(n-1) seconds (n = how many
thresholds), capped at the maximum. A success deletes the account's counter; the address's
counter only forgets that one attempt (an attacker logging into their own account must not
reset the count for the accounts they are guessing).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from api.security.config import LockoutPolicy
from projections.redis_keys import LOCKOUT_ACCOUNT_PREFIX as ACCOUNT_PREFIX
from projections.redis_keys import LOCKOUT_IP_PREFIX as IP_PREFIX

# KEYS: account key, address key. ARGV: account threshold, address threshold, base ms,
# max ms, memory ms. Returns {allowed (1/0), wait ms}.
_BEGIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for _, key in ipairs(KEYS) do
  local locked_until = tonumber(redis.call('HGET', key, 'locked_until') or '0')
  if locked_until - now > wait then wait = locked_until - now end
end
if wait > 0 then return {0, wait} end
local base, max, memory = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
for i, key in ipairs(KEYS) do
  local threshold = tonumber(ARGV[i])
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  if failures % threshold == 0 then
    local level = failures / threshold
    local lock = math.min(base * 2 ^ math.min(level - 1, 40), max)
    redis.call('HSET', key, 'locked_until', now + lock)
  end
  redis.call('PEXPIRE', key, memory)
end
return {1, 0}
"""

# KEYS: account key, address key. Forget the account's failures and this one attempt.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
local failures = tonumber(redis.call('HGET', KEYS[2], 'failures') or '0')
if failures > 0 then redis.call('HINCRBY', KEYS[2], 'failures', -1) end
return 1
"""


@dataclass(frozen=True)
class LockoutDecision:
    allowed: bool
    retry_after: int = 0


@dataclass(frozen=True)
class LockState:
    failures: int
    locked_for_ms: int


def account_key(email: str) -> str:
    """Keyed on what was typed, hashed: unknown emails lock too (no account enumeration)."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:40]
    return ACCOUNT_PREFIX + digest


def ip_key(address: str) -> str:
    return IP_PREFIX + address


class LoginLockout:
    def __init__(self, redis: Redis, policy: LockoutPolicy) -> None:
        self._redis = redis
        self.policy = policy
        self._begin = redis.register_script(_BEGIN)
        self._succeeded = redis.register_script(_SUCCEEDED)

    async def begin(self, email: str, address: str) -> LockoutDecision:
        """Count this attempt (as a failure until `succeeded`), or refuse it while locked."""
        p = self.policy
        allowed, wait_ms = await self._begin(
            keys=[account_key(email), ip_key(address)],
            args=[
                p.account_threshold,
                p.ip_threshold,
                p.base_seconds * 1000,
                p.max_seconds * 1000,
                max(p.memory_seconds, p.max_seconds) * 1000,
            ],
        )
        if int(allowed):
            return LockoutDecision(True)
        return LockoutDecision(False, max(1, math.ceil(int(wait_ms) / 1000)))

    async def succeeded(self, email: str, address: str) -> None:
        await self._succeeded(keys=[account_key(email), ip_key(address)], args=[])

    async def state(self, key: str) -> LockState:
        """For operators and tests: the counter and how long the key stays locked."""
        failures, locked_until = await self._redis.hmget(key, ["failures", "locked_until"])
        seconds, micros = await self._redis.time()
        now = int(seconds) * 1000 + int(micros) // 1000
        left = int(locked_until or 0) - now
        return LockState(int(failures or 0), max(0, left))
