"""Prometheus metrics of the stream (exposed at /metrics with the others)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SOCKETS_OPEN = Gauge(
    "burnblack_stream_sockets",
    "Open stream WebSockets on this instance",
    multiprocess_mode="livesum",
)
SOCKETS_CLOSED = Counter(
    "burnblack_stream_sockets_closed",
    "Stream WebSockets closed, by reason: client, too slow, no pong, session ended, error",
    ["reason"],
)
SOCKETS_REFUSED = Counter(
    "burnblack_stream_sockets_refused",
    "Stream upgrades refused, by HTTP status",
    ["status"],
)
