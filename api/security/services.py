"""The security layer's parts, built once per application from `SecurityConfig`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.middleware import ASGIMiddleware
from redis.asyncio import Redis

from api.security.client_address import ClientAddressMiddleware
from api.security.config import SecurityConfig
from api.security.lockout import LoginLockout
from api.security.rate_limits import RateLimitMiddleware, RequestLimiter
from api.security.session_middleware import SessionMiddleware
from api.security.sessions import SessionStore
from api.security.status import SecurityStatus

STATE_KEY = "security"


@dataclass
class SecurityServices:
    config: SecurityConfig
    redis: Redis
    sessions: SessionStore
    lockout: LoginLockout
    limiter: RequestLimiter
    status: SecurityStatus

    def middleware(self) -> list[ASGIMiddleware]:
        """Outermost first: who is calling, then their session (and CSRF), then limits."""
        return [
            ClientAddressMiddleware(self.config.trusted_proxies),
            SessionMiddleware(self.sessions, self.config, self.status, self.limiter),
            RateLimitMiddleware(self.limiter),
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


def security(request: Request[Any, Any, Any]) -> SecurityServices:
    svc = request.app.state[STATE_KEY]
    assert isinstance(svc, SecurityServices)
    return svc
