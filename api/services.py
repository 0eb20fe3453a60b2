"""What the API needs from the rest of the system, handed in by the composition root
(burnblack/bootstrap/api.py) and injected into handlers by name (api/dependencies.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from redis.asyncio import Redis as AsyncRedis

from api.document_services import DocumentApi
from api.security.config import SecurityConfig
from api.stream.config import StreamConfig
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from commands.inspection import FilingInspection
from projections.consistency import PositionWaiter
from projections.erasure import ReadModelEraser
from projections.eventlog.chain_queries import ChainQueries
from projections.filing_history import FilingHistories
from projections.projector.status import OperationsQueries
from projections.read_models.filings.queries import FilingReads
from projections.read_models.stream.queries import StreamReplay


class RebuildRunning(Exception):
    """A rebuild of this projection is queued or running already."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"rebuild {job_id} is running")
        self.job_id = job_id


class Rebuilds(Protocol):
    """Projection rebuilds as jobs (the composition root's JobQueues)."""

    def rebuild(self, name: str) -> str:
        """Queue a rebuild; its job id. RebuildRunning if one is queued or running."""
        ...

    def rebuild_status(self, job_id: str) -> dict[str, Any] | None:
        """Status, progress, report and error; None if there is no such rebuild."""
        ...


@dataclass
class ApiServices:
    filings: FilingsApplication
    accounts: AccountsApplication
    reads: FilingReads
    positions: PositionWaiter
    pool: ConnectionPool[Any]
    async_pool: AsyncConnectionPool[Any]
    redis: redis.Redis
    """For the sync handlers (run in threads)."""
    async_redis: AsyncRedis
    """The process's one asyncio client: reads' cache, read-your-writes, sessions, limits,
    lockout, idempotency, stream leases."""
    redis_url: str
    event_head: Callable[[], int]
    inspection: FilingInspection
    histories: FilingHistories
    operations: OperationsQueries
    rebuilds: Rebuilds
    chains: ChainQueries
    eraser: ReadModelEraser
    read_your_writes_timeout: float = 5.0
    security: SecurityConfig = field(default_factory=SecurityConfig)
    documents: DocumentApi | None = None  # uploads, OCR status, acceptance (issue 6)
    stream: StreamConfig = field(default_factory=StreamConfig)

    @property
    def stream_replay(self) -> StreamReplay:
        return StreamReplay(self.async_pool)
