"""What the API needs from the rest of the system, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from api.document_services import DocumentApi
from api.security.config import SecurityConfig
from api.stream.config import StreamConfig
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from projections.consistency import PositionWaiter
from projections.read_models.filings.queries import FilingReads
from projections.read_models.stream.queries import StreamReplay


@dataclass
class ApiServices:
    filings: FilingsApplication
    accounts: AccountsApplication
    reads: FilingReads
    positions: PositionWaiter
    pool: ConnectionPool[Any]
    async_pool: AsyncConnectionPool[Any]
    redis: redis.Redis
    redis_url: str
    event_head: Callable[[], int]
    secure_cookies: bool = False
    session_max_age: int = 8 * 3600
    read_your_writes_timeout: float = 5.0
    security: SecurityConfig = field(default_factory=SecurityConfig)
    documents: DocumentApi | None = None  # uploads, OCR status, acceptance (issue 6)
    stream: StreamConfig = field(default_factory=StreamConfig)

    @property
    def stream_replay(self) -> StreamReplay:
        return StreamReplay(self.async_pool)
