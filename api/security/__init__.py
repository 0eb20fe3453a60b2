"""Security shared by every API instance through Redis.

| module | holds |
|---|---|
| `config` | `SecurityConfig`: cookies, session lifetimes, limits, lockout, trusted proxies |
| `client_address` | who is calling: the peer, or `X-Forwarded-For` from a trusted proxy |
| `sessions` | server-side sessions in Redis with a per-user index (rotation, revocation) |
| `session_middleware` | loads the session, enforces CSRF, clears forged or expired cookies |
| `cookies` | the Set-Cookie headers for the session and CSRF cookies |
| `rate_limits` | sliding-window limits per user or IP, by route class, with RateLimit headers |
| `lockout` | progressive login lockout per account and per IP (one Lua script) |
| `metrics` | Prometheus counters for decisions and Redis failures |
| `status` | whether the security store recently failed (readiness) |
| `services` | `SecurityServices`: the above, built once per application |
"""
