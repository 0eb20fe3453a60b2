"""Settings, read once from the environment here and passed to everything else."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from api.security.config import SecurityConfig
from api.stream.config import StreamConfig
from burnblack.budget import DEFAULT_DEPLOYMENT
from burnblack.document_settings import DocumentSettings, document_settings_from_env
from burnblack.index_key import resolve_index_key
from burnblack.keys import resolve_cipher_key
from burnblack.security_settings import security_config_from_env
from burnblack.stream_settings import stream_config_from_env, stream_retention_seconds


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "y", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".data")
    secure_cookies: bool = False
    session_max_age: int = 8 * 3600
    # Connection pools, each sized for its role (docs/load.md, "Connection budget"); the
    # event stores' and the read pool's default to multiples of `db_pool_size`.
    db_pool_size: int = 4  # the API's sync pool (health, documents), rebuilds
    db_read_pool_size: int = 16  # the API's async read pool: every cache miss and RYW check
    eventstore_pool_size: int = 8  # the API's event stores (filings, accounts), opened lazily
    deployment: str = DEFAULT_DEPLOYMENT  # processes per role, for the connection budget
    projector_batch_size: int = 500
    reconcile_after: float = 30.0
    reconcile_interval: float = 10.0
    audit_seal_interval: float = 600.0  # seconds between the projector's daily-seal checks; 0: off
    reconnect_first_delay: float = 0.5
    reconnect_max_delay: float = 10.0
    cache_ttl_seconds: int = 300
    read_your_writes_timeout: float = 5.0
    metrics_port: int | None = None  # worker and projector: serve /metrics on this port
    metrics_host: str = "127.0.0.1"  # ... on this address (0.0.0.0 for a scraper elsewhere)
    environment: str = "development"
    cipher_key: str | None = None
    cipher_key_file: Path | None = None
    # Master keys being rotated out: still unwrap data keys until `burnblack keys rotate`.
    old_cipher_keys: tuple[str, ...] = ()
    index_key: str | None = None  # blind indexes of PANs and emails (burnblack/index_key.py)
    index_key_file: Path | None = None
    security: SecurityConfig = field(default_factory=SecurityConfig)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    stream: StreamConfig = field(default_factory=StreamConfig)
    stream_retention_seconds: float = 7 * 24 * 3600

    @property
    def has_external_services(self) -> bool:
        return bool(self.database_url and self.redis_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        environment = e.get("BURNBLACK_ENV", "development")
        base_pool = int(e.get("BURNBLACK_DB_POOL_SIZE") or "4")
        settings = cls(
            database_url=e.get("DATABASE_URL") or None,
            redis_url=e.get("REDIS_URL") or None,
            data_dir=Path(e.get("BURNBLACK_DATA_DIR", ".data")),
            secure_cookies=_bool(e.get("BURNBLACK_SECURE_COOKIES"), environment == "production"),
            session_max_age=int(e.get("BURNBLACK_SESSION_MAX_AGE", str(8 * 3600))),
            db_pool_size=base_pool,
            db_read_pool_size=int(e.get("BURNBLACK_DB_READ_POOL_SIZE") or 4 * base_pool),
            eventstore_pool_size=int(e.get("BURNBLACK_EVENTSTORE_POOL_SIZE") or 2 * base_pool),
            deployment=e.get("BURNBLACK_DEPLOYMENT") or DEFAULT_DEPLOYMENT,
            projector_batch_size=int(e.get("BURNBLACK_PROJECTOR_BATCH_SIZE", "500")),
            reconcile_after=float(e.get("BURNBLACK_RECONCILE_AFTER", "30")),
            reconcile_interval=float(e.get("BURNBLACK_RECONCILE_INTERVAL", "10")),
            audit_seal_interval=float(e.get("BURNBLACK_AUDIT_SEAL_INTERVAL", "600")),
            reconnect_first_delay=float(e.get("BURNBLACK_RECONNECT_FIRST_DELAY", "0.5")),
            reconnect_max_delay=float(e.get("BURNBLACK_RECONNECT_MAX_DELAY", "10")),
            cache_ttl_seconds=int(e.get("BURNBLACK_CACHE_TTL", "300")),
            read_your_writes_timeout=float(e.get("BURNBLACK_READ_YOUR_WRITES_TIMEOUT", "5")),
            metrics_port=int(e["BURNBLACK_METRICS_PORT"])
            if e.get("BURNBLACK_METRICS_PORT")
            else None,
            metrics_host=e.get("BURNBLACK_METRICS_HOST", "127.0.0.1"),
            environment=environment,
            cipher_key=e.get("BURNBLACK_CIPHER_KEY") or None,
            cipher_key_file=Path(e["BURNBLACK_CIPHER_KEY_FILE"])
            if e.get("BURNBLACK_CIPHER_KEY_FILE")
            else None,
            old_cipher_keys=tuple(
                k.strip() for k in e.get("BURNBLACK_OLD_CIPHER_KEYS", "").split(",") if k.strip()
            ),
            index_key=e.get("BURNBLACK_INDEX_KEY") or None,
            index_key_file=Path(e["BURNBLACK_INDEX_KEY_FILE"])
            if e.get("BURNBLACK_INDEX_KEY_FILE")
            else None,
        )
        return dataclasses.replace(
            settings,
            security=security_config_from_env(e, settings.secure_cookies, settings.session_max_age),
            documents=document_settings_from_env(e, settings.data_dir),
            stream=stream_config_from_env(e),
            stream_retention_seconds=stream_retention_seconds(e),
        )

    def require_cipher_key(self) -> str:
        """The event-store cipher key (burnblack/keys.py: env, key file, or dev data dir)."""
        return resolve_cipher_key(
            self.cipher_key, self.cipher_key_file, self.data_dir, self.environment == "production"
        )

    def require_index_key(self) -> bytes:
        """The blind indexes' key (burnblack/index_key.py: env, key file, or dev derivation)."""
        return resolve_index_key(
            self.index_key,
            self.index_key_file,
            self.require_cipher_key(),
            self.environment == "production",
        )

    def require_urls(self) -> tuple[str, str]:
        if not self.database_url or not self.redis_url:
            raise SystemExit(
                "DATABASE_URL and REDIS_URL must be set (or use `burnblack up`, which starts "
                "embedded PostgreSQL and Redis when they are not)"
            )
        return self.database_url, self.redis_url
