"""Rate limits shared by every instance: `limits`' sliding-window counter on Redis.

Each route belongs to a class (route `opt["rate_limit"]`: standard, expensive, auth or
exempt). A logged-in caller is counted per user, anyone else per client address. The window
is kept by Redis itself (key TTLs inside one Lua script), so instances with skewed clocks
still share one count. Responses carry `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (IETF draft) and `RateLimit-Policy`; a refusal is a 429 problem with
`Retry-After`.

When Redis cannot be reached, the `auth` class fails closed (503: no unlimited password
guessing) and the others fail open (served without a limit), counted in metrics and shown
in readiness.

One request costs one Redis round trip: `limits` takes an entry (one script) and reads the
window for the headers (another); `ACQUIRE_AND_READ` runs `limits`' own two scripts, unchanged,
in one EVALSHA on the same keys, so counts stay those of `limits` on every instance. The
session middleware folds even that into its own read of the session (`SESSION_AND_LIMIT`,
`RequestLimiter.with_session`): a request with a cookie costs one round trip for both.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.bridge import RedisBridge
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.problems import problem
from api.security.client_address import client_ip, rate_key
from api.security.config import RATE_LIMIT_OPT
from api.security.metrics import RATE_LIMIT_DECISIONS
from api.security.rejections import send_problem
from api.security.status import SecurityStatus
from projections.redis_keys import RATE_LIMIT_PREFIX as KEY_PREFIX

log = structlog.get_logger(__name__)


def limits_storage_uri(redis_url: str) -> str:
    """`limits`' async URI for a redis-py URL (`unix://` sockets included)."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window_seconds}",
        }

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """`headers()` as ASGI header pairs, ready to append to a response."""
        return [(k.lower().encode(), v.encode()) for k, v in self.headers().items()]


class StoreUnavailable(Exception):
    """The rate-limit store could not be asked."""


async def run_script(
    client: Redis, script: AsyncScript, keys: Sequence[Any], args: Sequence[Any]
) -> Any:
    """One EVALSHA on a pooled connection, as `script(keys=..., args=...)` would send it, without
    redis-py's per-command layers (`execute_command`'s retry wrapper and timing, `evalsha`'s
    argument handling): every request runs one of these scripts, and those layers were about
    a tenth of a cached read's CPU (py-spy, issue 16). Anything unusual takes the ordinary path,
    which retries: a script Redis does not know yet (NOSCRIPT: it loads it), a connection that
    broke or timed out (dropped here first). Waiting for a pooled connection fails as the
    ordinary path would (`PoolExhausted` from the API's pool: no second wait)."""
    pool = client.connection_pool
    conn = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        await conn.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return await conn.read_response()
    except NoScriptError:
        pass
    except (RedisConnectionError, RedisTimeoutError, OSError):
        await conn.disconnect(nowait=True)
    except BaseException:
        # Cancelled, or an error reply: the connection may still owe a reply. Dropped, so the
        # next request does not read this one's answer.
        await conn.disconnect(nowait=True)
        raise
    finally:
        await pool.release(conn)
    return await script(keys=keys, args=args)


def _as_function(name: str, script: bytes | str) -> str:
    # KEYS and ARGV become the function's own parameters, so each script reads its arguments
    # exactly as it does when run alone.
    text = script.decode() if isinstance(script, bytes) else script
    return f"local function {name}(KEYS, ARGV)\n{text}\nend\n"


# KEYS: previous window, current window; ARGV: limit, expiry seconds, amount.
# Returns {taken (1/0), previous count, previous TTL ms, current count, current TTL ms}.
ACQUIRE_AND_READ = (
    _as_function("acquire", RedisBridge.SCRIPT_ACQUIRE_SLIDING_WINDOW)
    + _as_function("window", RedisBridge.SCRIPT_SLIDING_WINDOW)
    + """
local taken = acquire(KEYS, ARGV) and 1 or 0
local w = window(KEYS, {ARGV[2]})
return {taken, w[1], w[2], w[3], w[4]}
"""
)


def window_keys(item: RateLimitItem, *identifiers: str) -> tuple[str, str]:
    """`limits`' Redis keys (previous, current) of the sliding window for these identifiers."""
    current = f"{KEY_PREFIX}:{{{item.key_for(*identifiers)}}}"
    return f"{current}/-1", current


def _left_in_period(expires_in: float, period: float) -> float:
    """`expires_in % period`, except that a TTL read in the same script that set it (exactly
    2 x expiry) means a whole period left, not none: limits, reading a moment later, sees
    2 x expiry - ε and so a reset of almost the whole window."""
    left = expires_in % period
    return period if left == 0 and expires_in > 0 else left


def window_decision(item: RateLimitItem, allowed: bool, raw: list[Any]) -> Decision:
    """The headers' numbers from the window as `SlidingWindowCounterRateLimiter.
    get_window_stats` computes them (same arithmetic, on the values read after the hit)."""
    previous_count = int(raw[0] or 0)
    previous_expires_in = max(0.0, float(raw[1] or 0)) / 1000
    current_count = int(raw[2] or 0)
    current_expires_in = max(0.0, float(raw[3] or 0)) / 1000
    expiry = item.get_expiry()
    weighted = previous_count * previous_expires_in / expiry + current_count
    remaining = max(0, item.amount - math.floor(weighted))
    reset_in = 0.0
    if previous_count or current_count:
        previous_reset_in, current_reset_in = math.inf, math.inf
        if previous_count:
            previous_reset_in = _left_in_period(previous_expires_in, expiry / previous_count)
        if current_count:
            current_reset_in = _left_in_period(current_expires_in, expiry)
        reset_in = min(previous_reset_in, current_reset_in)
    # limits reports the reset as a time (now + reset_in); the header wants the seconds
    return Decision(allowed, item.amount, remaining, max(0, math.ceil(reset_in)), expiry)


# KEYS[1]: the caller's session key, if any. ARGV: session idle seconds, window key head and
# tail around the identity, identity without a session (the client address), then
# ACQUIRE_AND_READ's limit, expiry, amount. The identity is `user:<uid>` when the session
# exists (its uid read from the stored JSON), as `_identity` would have it after loading the
# session. The window keys are built here, not declared: fine on one Redis, not on a Cluster.
# Returns {session value or false, taken, previous count, previous TTL ms, current count,
# current TTL ms}, then, when the session names a user and ARGV[8] asks for it, the user's
# cache entries read ahead for the handler (`ReadAhead`), as key, value pairs: ARGV[8] 'key'
# reads ARGV[9] .. uid .. ARGV[10]; 'list' reads a list's generation (ARGV[9] .. uid ..
# ARGV[10]) and then its page (ARGV[11] .. uid .. ARGV[12] .. generation .. ARGV[13]), as
# projections/cache/read_cache.py's READ_LIST does. The keys are built from the uid stored
# in the session itself, so a caller only ever reads ahead their own entries.
SESSION_AND_LIMIT = (
    _as_function("acquire", RedisBridge.SCRIPT_ACQUIRE_SLIDING_WINDOW)
    + _as_function("window", RedisBridge.SCRIPT_SLIDING_WINDOW)
    + """
local raw = false
if KEYS[1] then raw = redis.call('GETEX', KEYS[1], 'EX', ARGV[1]) end
local identity = ARGV[4]
if raw then
  local ok, doc = pcall(cjson.decode, raw)
  if ok and type(doc) == 'table' and type(doc['uid']) == 'string' then
    identity = 'user:' .. doc['uid']
  end
end
local current = ARGV[2] .. identity .. ARGV[3]
local keys = {current .. '/-1', current}
local taken = acquire(keys, {ARGV[5], ARGV[6], ARGV[7]}) and 1 or 0
local w = window(keys, {ARGV[6]})
local out = {raw, taken, w[1], w[2], w[3], w[4]}
if identity ~= ARGV[4] then
  local uid = string.sub(identity, 6)
  if ARGV[8] == 'key' then
    local k = ARGV[9] .. uid .. ARGV[10]
    out[7], out[8] = k, redis.call('GET', k)
  elseif ARGV[8] == 'list' then
    local g = ARGV[9] .. uid .. ARGV[10]
    local generation = redis.call('GET', g)
    local k = ARGV[11] .. uid .. ARGV[12] .. (generation or '0') .. ARGV[13]
    out[7], out[8], out[9], out[10] = g, generation, k, redis.call('GET', k)
  end
end
return out
"""
)
_MARK = "\x00identity\x00"
_READ_AHEAD_KIND = {2: "key", 5: "list"}

LIMIT_DECISION = "bb.rate_limit_decision"
"""Scope state: (limit class, Decision) taken with the session's read (session middleware)."""


class RequestLimiter:
    def __init__(
        self, redis_url: str, client: Redis, limits: dict[str, str], status: SecurityStatus
    ) -> None:
        self._storage = RedisStorage(
            limits_storage_uri(redis_url),
            implementation="redispy",
            key_prefix=KEY_PREFIX,
            wrap_exceptions=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        self._client = client
        self._acquire_and_read = client.register_script(ACQUIRE_AND_READ)
        self._session_and_limit = client.register_script(SESSION_AND_LIMIT)
        self.items: dict[str, RateLimitItem] = {name: parse(spec) for name, spec in limits.items()}
        self.status = status

    async def hit(self, limit_class: str, identity: str) -> Decision:
        item = self.items[limit_class]
        if self.status.breaker_open:
            raise StoreUnavailable("recent failure")
        try:
            raw = await run_script(
                self._client,
                self._acquire_and_read,
                window_keys(item, limit_class, identity),
                [item.amount, item.get_expiry(), 1],
            )
        except (StorageError, RedisError, OSError) as exc:
            self.status.failed("rate_limits", exc)
            # once per breaker period, not per request
            log.warning("rate_limit.store_unavailable", error=type(exc).__name__)
            raise StoreUnavailable(type(exc).__name__) from exc
        self.status.succeeded()
        return window_decision(item, bool(raw[0]), raw[1:])

    async def with_session(
        self,
        session_key: str | None,
        idle_seconds: int,
        limit_class: str,
        anonymous: str,
        read_ahead: tuple[str, ...] = (),
    ) -> tuple[bytes | None, Decision, dict[str, bytes | None]]:
        """Reads the session (renewing its idle time) and takes the caller's entry, in one
        round trip: (stored session or None, decision, entries read ahead). `anonymous`: the
        identity without a session (`ip:...`); `read_ahead`: key parts around the session's
        uid (2: one key; 5: a list's generation and page; see SESSION_AND_LIMIT)."""
        item = self.items[limit_class]
        if self.status.breaker_open:
            raise StoreUnavailable("recent failure")
        head, tail = f"{KEY_PREFIX}:{{{item.key_for(limit_class, _MARK)}}}".split(_MARK)
        try:
            raw = await run_script(
                self._client,
                self._session_and_limit,
                [session_key] if session_key else [],
                [
                    idle_seconds,
                    head,
                    tail,
                    anonymous,
                    item.amount,
                    item.get_expiry(),
                    1,
                    _READ_AHEAD_KIND.get(len(read_ahead), ""),
                    *read_ahead,
                ],
            )
        except (StorageError, RedisError, OSError) as exc:
            self.status.failed("rate_limits", exc)
            raise StoreUnavailable(type(exc).__name__) from exc
        self.status.succeeded()
        session = raw[0] if isinstance(raw[0], bytes) else None
        ahead: dict[str, bytes | None] = {}
        for i in range(6, len(raw) - 1, 2):
            key = raw[i]
            ahead[key.decode() if isinstance(key, bytes) else str(key)] = raw[i + 1]
        return session, window_decision(item, bool(raw[1]), raw[2:6]), ahead

    async def reset(self, limit_class: str, identity: str) -> None:
        await self._limiter.clear(self.items[limit_class], limit_class, identity)


def _identity(scope: Scope) -> str:
    session = scope.get("session")
    uid = session.get("uid") if isinstance(session, dict) else None
    return f"user:{uid}" if uid else anonymous_identity(scope)


def anonymous_identity(scope: Scope) -> str:
    return f"ip:{rate_key(client_ip(scope))}"


def limited(scope: Scope) -> bool:
    """Whether the rate-limit middleware counts this request."""
    return (
        scope["type"] == ScopeType.HTTP
        and not unlimited_path(scope)
        and limit_class_of(scope) != "exempt"
    )


def unlimited_path(scope: Scope) -> bool:
    """Probes and metrics scrapes are never limited."""
    return scope["path"].startswith(("/health/", "/metrics"))


def limit_class_of(scope: Scope) -> str:
    handler = scope.get("route_handler")
    opt: dict[str, Any] = getattr(handler, "opt", None) or {}
    return str(opt.get(RATE_LIMIT_OPT, "standard"))


@functools.cache
def _counted(limit_class: str, decision: str) -> Any:
    """The decision counter's child, looked up once (`labels()` takes a lock per call)."""
    return RATE_LIMIT_DECISIONS.labels(limit_class, decision)


class RateLimitMiddleware(ASGIMiddleware):
    """Runs inside the session middleware, so it knows who is logged in."""

    should_bypass_for_scope = staticmethod(unlimited_path)

    def __init__(self, limiter: RequestLimiter) -> None:
        self.limiter = limiter

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limit_class = limit_class_of(scope)
        if scope["type"] != ScopeType.HTTP or limit_class == "exempt":
            await next_app(scope, receive, send)
            return
        taken = scope.get("state", {}).pop(LIMIT_DECISION, None)
        try:
            if taken is not None and taken[0] == limit_class:
                decision = taken[1]  # taken with the session's read
            else:
                decision = await self.limiter.hit(limit_class, _identity(scope))
        except StoreUnavailable:
            if limit_class == "auth":
                _counted(limit_class, "fail_closed").inc()
                refusal = problem(
                    503,
                    "auth-unavailable",
                    "Logging in is unavailable right now",
                    "the service that protects logins is unreachable; try again shortly",
                    headers={"Retry-After": "5"},
                )
                await send_problem(scope, receive, send, refusal)
                return
            _counted(limit_class, "fail_open").inc()
            await next_app(scope, receive, send)
            return
        if not decision.allowed:
            _counted(limit_class, "limited").inc()
            retry_after = str(max(1, decision.reset_seconds))
            refusal = problem(
                429,
                "rate-limited",
                "Too many requests",
                f"the {limit_class} limit is {decision.limit} requests per "
                f"{decision.window_seconds} s; retry after {retry_after} s",
                headers={**decision.headers(), "Retry-After": retry_after},
                limit_class=limit_class,
            )
            await send_problem(scope, receive, send, refusal)
            return
        _counted(limit_class, "allowed").inc()
        headers = decision.raw_headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await next_app(scope, receive, send_with_headers)
