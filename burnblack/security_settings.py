"""The security layer's settings, read from the environment (see docs/security.md).

| variable | default | meaning |
|---|---|---|
| `BURNBLACK_SESSION_IDLE_TIMEOUT` | 1800 | seconds a session lives unused |
| `BURNBLACK_SESSION_MAX_AGE` | 28800 | seconds a session lives at most after login |
| `BURNBLACK_SECURE_COOKIES` | on in production | cookies only over HTTPS |
| `BURNBLACK_TRUSTED_PROXIES` | none | addresses/CIDRs whose `X-Forwarded-For` is believed |
| `BURNBLACK_RATE_LIMIT_STANDARD` | 600/minute | per user, or per address when anonymous |
| `BURNBLACK_RATE_LIMIT_EXPENSIVE` | 60/minute | computations, the calculator, uploads |
| `BURNBLACK_RATE_LIMIT_AUTH` | 30/minute | register and login, per address |
| `BURNBLACK_LOCKOUT_ACCOUNT_THRESHOLD` | 5 | failed logins that lock an account |
| `BURNBLACK_LOCKOUT_IP_THRESHOLD` | 20 | failed logins that lock an address |
| `BURNBLACK_LOCKOUT_BASE_SECONDS` | 60 | first lock; each further one doubles |
| `BURNBLACK_LOCKOUT_MAX_SECONDS` | 3600 | longest lock |
| `BURNBLACK_REDIS_MAX_CONNECTIONS` | 256 | connections per Redis client pool and process |
| `BURNBLACK_REDIS_POOL_TIMEOUT` | 5 | seconds a request waits for a pooled Redis connection |
"""

from __future__ import annotations

from collections.abc import Mapping

from limits import parse

from api.security.config import (
    LIMIT_CLASSES,
    LockoutPolicy,
    SecurityConfig,
    default_rate_limits,
    parse_networks,
)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise SystemExit(f"{name} must be more than 0")
    return value


def security_config_from_env(
    env: Mapping[str, str], secure_cookies: bool, session_max_age: int
) -> SecurityConfig:
    limits = default_rate_limits()
    for name in LIMIT_CLASSES:
        variable = f"BURNBLACK_RATE_LIMIT_{name.upper()}"
        spec = env.get(variable, "").strip() or limits[name]
        try:
            parse(spec)
        except ValueError:
            raise SystemExit(f"{variable} must look like '30/minute', not {spec!r}") from None
        limits[name] = spec
    try:
        proxies = parse_networks(env.get("BURNBLACK_TRUSTED_PROXIES", ""))
    except ValueError as exc:
        raise SystemExit(f"BURNBLACK_TRUSTED_PROXIES: {exc}") from None
    # `__Host-` cookies cannot be set by a sibling subdomain (no cookie tossing); browsers
    # accept them only with Secure, so only when cookies are secure.
    prefix = "__Host-" if secure_cookies else ""
    return SecurityConfig(
        secure_cookies=secure_cookies,
        session_cookie=f"{prefix}bb_session",
        csrf_cookie=f"{prefix}bb_csrf",
        session_idle_seconds=_int(env, "BURNBLACK_SESSION_IDLE_TIMEOUT", 30 * 60),
        session_max_age=session_max_age,
        trusted_proxies=proxies,
        rate_limits=limits,
        redis_max_connections=_int(env, "BURNBLACK_REDIS_MAX_CONNECTIONS", 256),
        redis_pool_timeout=_float(env, "BURNBLACK_REDIS_POOL_TIMEOUT", 5.0),
        lockout=LockoutPolicy(
            account_threshold=_int(env, "BURNBLACK_LOCKOUT_ACCOUNT_THRESHOLD", 5),
            ip_threshold=_int(env, "BURNBLACK_LOCKOUT_IP_THRESHOLD", 20),
            base_seconds=_int(env, "BURNBLACK_LOCKOUT_BASE_SECONDS", 60),
            max_seconds=_int(env, "BURNBLACK_LOCKOUT_MAX_SECONDS", 3600),
        ),
    )
