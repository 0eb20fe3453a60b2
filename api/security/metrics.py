"""Prometheus counters for the security layer (exposed at /metrics with the request metrics)."""

from __future__ import annotations

from prometheus_client import Counter

RATE_LIMIT_DECISIONS = Counter(
    "burnblack_rate_limit_decisions",
    "Rate-limit decisions: allowed, limited, fail_open (Redis down, let through), "
    "fail_closed (Redis down, authentication refused)",
    ["limit_class", "decision"],
)
SECURITY_STORE_ERRORS = Counter(
    "burnblack_security_store_errors",
    "Redis failures met by the security layer",
    ["component"],
)
LOGIN_ATTEMPTS = Counter(
    "burnblack_login_attempts",
    "Login attempts by outcome: success, failure, locked, unavailable",
    ["outcome"],
)
SESSIONS_REVOKED = Counter(
    "burnblack_sessions_revoked",
    "Sessions ended other than by their own logout",
    ["reason"],
)
CSRF_REJECTIONS = Counter("burnblack_csrf_rejections", "Unsafe requests refused for CSRF")
