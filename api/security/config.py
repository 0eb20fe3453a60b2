"""What the security layer is configured with; the composition root fills it from settings."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

LimitClass = Literal["standard", "expensive", "auth"]
LIMIT_CLASSES: tuple[LimitClass, ...] = ("standard", "expensive", "auth")

# Route `opt` keys read by the middlewares (set them on a handler or controller):
RATE_LIMIT_OPT = "rate_limit"
"""`"standard"` (default), `"expensive"` (computations, uploads), `"auth"`, or `"exempt"`."""
CREDENTIALS_OPT = "credentials"
"""True on endpoints that take a password: JSON bodies only (no cross-site form posts)."""

CREDENTIAL_ENDPOINT = {RATE_LIMIT_OPT: "auth", CREDENTIALS_OPT: True}
EXPENSIVE = {RATE_LIMIT_OPT: "expensive"}


def default_rate_limits() -> dict[str, str]:
    return {"standard": "600/minute", "expensive": "60/minute", "auth": "30/minute"}


@dataclass(frozen=True)
class LockoutPolicy:
    """Failed logins: `account_threshold` failures lock the account (from anywhere) and
    `ip_threshold` lock the address (for every account); each further threshold doubles
    the lock, from `base_seconds` up to `max_seconds`. `memory_seconds` after the last
    attempt the counters are forgotten."""

    account_threshold: int = 5
    ip_threshold: int = 20
    base_seconds: int = 60
    max_seconds: int = 3600
    memory_seconds: int = 24 * 3600


@dataclass(frozen=True)
class SecurityConfig:
    secure_cookies: bool = False
    session_cookie: str = "bb_session"
    csrf_cookie: str = "bb_csrf"
    csrf_header: str = "X-CSRF-Token"
    session_idle_seconds: int = 30 * 60
    session_max_age: int = 8 * 3600
    trusted_proxies: tuple[IPNetwork, ...] = ()
    rate_limits: dict[str, str] = field(default_factory=default_rate_limits)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    breaker_seconds: float = 2.0
    """After a Redis failure, skip Redis for this long (fail open, or closed for auth)."""
    redis_max_connections: int = 256
    """Connections per process in each Redis client's pool."""
    redis_pool_timeout: float = 5.0
    """When every connection is in use, wait this long for one (not MaxConnectionsError at
    once). Under a brief overload a request is better late than failed: at 2,000 users on
    2 cores, waits past the former 1 s were 0.9 % of requests, all 503s (issue 16). Running
    out of it raises `PoolExhausted`, a 503 that leaves the breaker closed; a Redis that is
    down fails at once (refused or timed-out connections), not after this wait."""


def parse_networks(raw: str) -> tuple[IPNetwork, ...]:
    """`"10.0.0.0/8, 127.0.0.1"` → networks; a bare address is a /32 (or /128)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
    )
