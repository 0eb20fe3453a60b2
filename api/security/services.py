"""The security layer's parts, built once per application from `SecurityConfig`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.middleware import ASGIMiddleware
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from api.security.config import SecurityConfig
from api.security.edge import EdgeMiddleware
from api.security.lockout import LoginLockout
from api.security.rate_limits import RateLimitMiddleware, RequestLimiter
from api.security.session_middleware import ReadAheadPlanner, SessionMiddleware
from api.security.sessions import SessionStore
from api.security.status import SecurityStatus

STATE_KEY = "security"


class _Pool(BlockingConnectionPool):
    """redis-py 8 wraps `get_connection` in a check for deprecated arguments (it inspects
    the call's arguments on every command: a tenth of a cached read's Redis CPU, issue 16).
    Called without arguments, as the client does, it never warns: the function it wraps
    does the same work."""

    get_connection = getattr(
        BlockingConnectionPool.get_connection, "__wrapped__", BlockingConnectionPool.get_connection
    )


@dataclass
class SecurityServices:
    config: SecurityConfig
    redis: Redis
    sessions: SessionStore
    lockout: LoginLockout
    limiter: RequestLimiter
    status: SecurityStatus

    def middleware(
        self,
        idempotency: ASGIMiddleware | None = None,
        read_ahead: ReadAheadPlanner | None = None,
    ) -> list[ASGIMiddleware]:
        """One middleware (api/security/edge.py): request metrics, who is calling, their
        session (and CSRF, and the cache entries `read_ahead` names), limits, then
        `idempotency` for POSTs."""
        return [
            EdgeMiddleware(
                self.config.trusted_proxies,
                SessionMiddleware(
                    self.sessions, self.config, self.status, self.limiter, read_ahead
                ),
                RateLimitMiddleware(self.limiter),
                idempotency,
            )
        ]

    async def close(self) -> None:
        await self.redis.aclose()


def build_security(config: SecurityConfig, redis_url: str) -> SecurityServices:
    # A burst waits for a pooled connection instead of failing at once (issue 16); a restarted
    # Redis or a dropped pooled connection: reconnect and retry (briefly) instead of failing
    # the request; idle connections are pinged before reuse.
    client = Redis(
        connection_pool=_Pool.from_url(
            redis_url,
            max_connections=config.redis_max_connections,
            timeout=config.redis_pool_timeout,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=10,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=[ConnectionError, TimeoutError],
            # No CLIENT SETINFO on connect (burnblack/wiring.py REDIS_CONNECTION says why).
            driver_info=None,
        )
    )
    status = SecurityStatus(breaker_seconds=config.breaker_seconds)
    return SecurityServices(
        config=config,
        redis=client,
        sessions=SessionStore(client, config.session_idle_seconds, config.session_max_age),
        lockout=LoginLockout(client, config.lockout),
        limiter=RequestLimiter(redis_url, client, config.rate_limits, status),
        status=status,
    )


def security(request: Request[Any, Any, Any]) -> SecurityServices:
    svc = request.app.state[STATE_KEY]
    assert isinstance(svc, SecurityServices)
    return svc
