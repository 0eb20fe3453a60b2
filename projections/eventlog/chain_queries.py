"""An auditor's check of one filing's hash chain, on the API's pool: its links and anchors
(projections/chain_days.py) and its head, from hashes only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from psycopg_pool import ConnectionPool

from projections.eventlog.chain import Report, head
from projections.eventlog.chain_days import verify


@dataclass(frozen=True)
class ChainCheck:
    report: Report
    head: tuple[int, bytes] | None
    """The last version and its link, None if the filing has no stored events."""


class ChainQueries:
    def __init__(self, pool: ConnectionPool[Any], events_table: str) -> None:
        self._pool = pool
        self._table = events_table

    def check(self, filing_id: uuid.UUID) -> ChainCheck:
        with self._pool.connection() as conn:
            report = verify(conn, self._table, filing_id)
            last = head(conn, self._table, filing_id)
        return ChainCheck(report, last)
