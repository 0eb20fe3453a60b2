"""Whether the security store (Redis) failed recently: for readiness and the circuit breaker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from redis.exceptions import ConnectionError as RedisConnectionError

from api.security.metrics import SECURITY_STORE_ERRORS


class PoolExhausted(RedisConnectionError):
    """Every connection in this process's Redis pool stayed in use for the whole wait
    (`BURNBLACK_REDIS_POOL_TIMEOUT`): the process is overloaded, Redis itself answered. Raised
    by the API's pool (burnblack/bootstrap/wiring.py) instead of redis-py's plain
    `ConnectionError("No connection available.")`, so that the two can be told apart."""


@dataclass
class SecurityStatus:
    breaker_seconds: float = 2.0
    remember_seconds: float = 30.0
    _last_failure: float = field(default=0.0)
    _last_error: str = field(default="")

    def failed(self, component: str, exc: BaseException) -> None:
        SECURITY_STORE_ERRORS.labels(component).inc()
        if isinstance(exc, PoolExhausted):
            # Overload, not an outage: the request that waited too long answers 503, but the
            # breaker stays closed (it would refuse every login and skip every limit for
            # `breaker_seconds`, turning a brief burst into seconds of failures), and
            # readiness stays ok (the load balancer must not drop an instance for being busy).
            return
        self._last_failure = time.monotonic()
        self._last_error = type(exc).__name__

    def succeeded(self) -> None:
        if self._last_failure:
            self._last_failure = 0.0

    @property
    def breaker_open(self) -> bool:
        """Skip Redis for a moment after a failure instead of waiting on every request."""
        return bool(self._last_failure) and (
            time.monotonic() - self._last_failure < self.breaker_seconds
        )

    def readiness(self) -> str:
        if self._last_failure and time.monotonic() - self._last_failure < self.remember_seconds:
            return f"degraded: rate limits failing open, logins refused ({self._last_error})"
        return "ok"
