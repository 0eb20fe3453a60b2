"""Whether the security store (Redis) failed recently: for readiness and the circuit breaker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from api.security.metrics import SECURITY_STORE_ERRORS


@dataclass
class SecurityStatus:
    breaker_seconds: float = 2.0
    remember_seconds: float = 30.0
    _last_failure: float = field(default=0.0)
    _last_error: str = field(default="")

    def failed(self, component: str, exc: BaseException) -> None:
        self._last_failure = time.monotonic()
        self._last_error = type(exc).__name__
        SECURITY_STORE_ERRORS.labels(component).inc()

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
