"""Settings, read once from the environment here and passed to everything else."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "y", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".data")
    host: str = "127.0.0.1"
    port: int = 8000
    api_workers: int = 1
    secure_cookies: bool = False
    session_max_age: int = 8 * 3600
    db_pool_size: int = 10
    projector_batch_size: int = 500
    ready_max_projector_lag: int = 10_000
    cache_ttl_seconds: int = 300
    environment: str = "development"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_external_services(self) -> bool:
        return bool(self.database_url and self.redis_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        environment = e.get("BURNBLACK_ENV", "development")
        return cls(
            database_url=e.get("DATABASE_URL") or None,
            redis_url=e.get("REDIS_URL") or None,
            data_dir=Path(e.get("BURNBLACK_DATA_DIR", ".data")),
            host=e.get("BURNBLACK_HOST", "127.0.0.1"),
            port=int(e.get("BURNBLACK_PORT", "8000")),
            api_workers=int(e.get("BURNBLACK_API_WORKERS", "1")),
            secure_cookies=_bool(e.get("BURNBLACK_SECURE_COOKIES"), environment == "production"),
            session_max_age=int(e.get("BURNBLACK_SESSION_MAX_AGE", str(8 * 3600))),
            db_pool_size=int(e.get("BURNBLACK_DB_POOL_SIZE", "10")),
            projector_batch_size=int(e.get("BURNBLACK_PROJECTOR_BATCH_SIZE", "500")),
            ready_max_projector_lag=int(e.get("BURNBLACK_READY_MAX_PROJECTOR_LAG", "10000")),
            cache_ttl_seconds=int(e.get("BURNBLACK_CACHE_TTL", "300")),
            environment=environment,
        )

    def require_urls(self) -> tuple[str, str]:
        if not self.database_url or not self.redis_url:
            raise SystemExit(
                "DATABASE_URL and REDIS_URL must be set (or use `burnblack up`, which starts "
                "embedded PostgreSQL and Redis when they are not)"
            )
        return self.database_url, self.redis_url
