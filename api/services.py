"""What the API needs from the rest of the system, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from psycopg_pool import ConnectionPool

from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from projections.queries import FilingQueries, ProjectionStatus


@dataclass
class ApiServices:
    filings: FilingsApplication
    accounts: AccountsApplication
    queries: FilingQueries
    projection_status: ProjectionStatus
    pool: ConnectionPool[Any]
    redis: redis.Redis
    redis_url: str
    event_head: Callable[[], int]
    secure_cookies: bool = False
    session_max_age: int = 8 * 3600
    ready_max_projector_lag: int = 10_000
