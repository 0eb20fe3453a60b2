"""Request counts, durations, errors and requests in progress, for /metrics.

The series are those of Litestar's Prometheus middleware as it was configured here (prefix
`burnblack`, `group_path=True`, app name `burnblack`, default buckets): the same names and
labels (`method`, `path` as the route's template, `status_code`, `app_name`), so alerts and
dashboards read them unchanged. That middleware cost about a tenth of a cached read's CPU
(issue 16): it built a `Request`, a label dict and a wrapped `send` on every request and
looked up four metric children, each under a lock. Here a request's children are looked up
once per (method, route, status) and kept.
"""

from __future__ import annotations

import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Gauge, Histogram

APP_NAME = "burnblack"
LABELS = ("method", "path", "status_code", "app_name")

REQUESTS = Counter("burnblack_requests", "Total requests", LABELS)
DURATION = Histogram("burnblack_request_duration_seconds", "Request duration, in seconds", LABELS)
ERRORS = Counter("burnblack_requests_error", "Total errors in requests", LABELS)
IN_PROGRESS = Gauge(
    "burnblack_requests_in_progress",
    "Total requests currently in progress",
    LABELS,
    multiprocess_mode="livesum",
)

_Done = tuple[Counter, Histogram, Counter | None]


class RequestMetrics:
    """The children of the request metrics, looked up once per method, route and status."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str, int], _Done] = {}
        self._running: dict[tuple[str, str], Gauge] = {}

    def _finished(self, method: str, path: str, status: int) -> _Done:
        key = (method, path, status)
        found = self._done.get(key)
        if found is None:
            values = (method, path, str(status), APP_NAME)
            found = (
                REQUESTS.labels(*values),
                DURATION.labels(*values),
                ERRORS.labels(*values) if status >= 500 else None,
            )
            self._done[key] = found
        return found

    def _in_progress(self, method: str, path: str) -> Gauge:
        key = (method, path)
        found = self._running.get(key)
        if found is None:
            # Litestar's gauge carried the status label too, always "200".
            found = self._running[key] = IN_PROGRESS.labels(method, path, "200", APP_NAME)
        return found

    async def measure(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        method = scope["method"] if scope["type"] == ScopeType.HTTP else "websocket"
        path = scope.get("path_template") or scope["path"]
        running = self._in_progress(method, path)
        status = 200
        started = time.perf_counter()

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        running.inc()
        try:
            await app(scope, receive, send_seen)
        except BaseException:
            status = 500
            raise
        finally:
            running.dec()
            count, duration, errors = self._finished(method, path, status)
            if errors is not None:
                errors.inc()
            count.inc()
            duration.observe(time.perf_counter() - started)
