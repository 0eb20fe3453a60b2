"""The stream's settings, read from the environment (see docs/stream.md).

| variable | default | meaning |
|---|---|---|
| `BURNBLACK_STREAM_ORIGINS` | none | origins allowed besides the API's own, comma-separated |
| `BURNBLACK_STREAM_MAX_PER_USER` | 5 | open sockets per user across every instance |
| `BURNBLACK_STREAM_PING_SECONDS` | 25 | idle time before a `ping`; silent clients go at twice it |
| `BURNBLACK_STREAM_BACKLOG` | 256 | messages waiting for one socket before it is dropped |
| `BURNBLACK_STREAM_SEND_TIMEOUT` | 10 | seconds one send may take before the socket is dropped |
| `BURNBLACK_STREAM_RETENTION_HOURS` | 168 | how long messages stay replayable (projector) |
"""

from __future__ import annotations

from collections.abc import Mapping

from api.stream.config import StreamConfig


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def _origin(raw: str) -> str:
    origin = raw.strip().rstrip("/").lower()
    if not origin.startswith(("http://", "https://")) or "/" in origin.split("://", 1)[1]:
        raise SystemExit(f"BURNBLACK_STREAM_ORIGINS: {raw!r} is not scheme://host[:port]")
    return origin


def stream_config_from_env(env: Mapping[str, str]) -> StreamConfig:
    origins = tuple(_origin(o) for o in env.get("BURNBLACK_STREAM_ORIGINS", "").split(",") if o)
    return StreamConfig(
        allowed_origins=origins,
        max_connections_per_user=int(_number(env, "BURNBLACK_STREAM_MAX_PER_USER", 5, 1)),
        ping_seconds=_number(env, "BURNBLACK_STREAM_PING_SECONDS", 25, 0.1),
        backlog=int(_number(env, "BURNBLACK_STREAM_BACKLOG", 256, 1)),
        send_timeout=_number(env, "BURNBLACK_STREAM_SEND_TIMEOUT", 10, 0.1),
    )


def stream_retention_seconds(env: Mapping[str, str]) -> float:
    return _number(env, "BURNBLACK_STREAM_RETENTION_HOURS", 168, 0.001) * 3600
