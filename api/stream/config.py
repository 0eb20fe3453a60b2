"""What the stream endpoint is configured with; the composition root fills it from settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamConfig:
    allowed_origins: tuple[str, ...] = ()
    """Origins (scheme://host[:port]) allowed besides the API's own (same host)."""
    max_connections_per_user: int = 5
    """Open sockets per user, across every API instance."""
    ping_seconds: float = 25.0
    """A `ping` after this long with nothing sent; a client silent for twice as long (no
    `pong`, no other message) is closed."""
    backlog: int = 256
    """Messages waiting for one socket; beyond this the client is too slow and is closed."""
    send_timeout: float = 10.0
    """A send that takes longer (the client's buffers full) closes the socket."""
    replay_page: int = 500
