"""The security layer's parts, built once per application from `SecurityConfig`."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.middleware import ASGIMiddleware
from redis.asyncio import Redis

from api.security.config import SecurityConfig
from api.security.edge import EdgeMiddleware
from api.security.lockout import LoginLockout
from api.security.rate_limits import RateLimitMiddleware, RequestLimiter
from api.security.session_middleware import ReadAheadPlanner, SessionMiddleware
from api.security.sessions import SessionStore
from api.security.status import SecurityStatus


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


def build_security(config: SecurityConfig, redis_url: str, client: Redis) -> SecurityServices:
    """`client`: the process's asyncio Redis client, built by the composition root (its pool
    sized by `config.redis_max_connections`); `redis_url` is for `limits`' own storage."""
    status = SecurityStatus(breaker_seconds=config.breaker_seconds)
    return SecurityServices(
        config=config,
        redis=client,
        sessions=SessionStore(client, config.session_idle_seconds, config.session_max_age),
        lockout=LoginLockout(client, config.lockout),
        limiter=RequestLimiter(redis_url, client, config.rate_limits, status),
        status=status,
    )
