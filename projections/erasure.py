"""An erased taxpayer's rows in the read models are redacted.

Their filings' rows stay, with what auditors and the counts need (status, assessment year,
versions, times): the personal fields (PAN shape, income, deductions, computation,
acknowledgement, tax) were sealed with the destroyed key and are set to NULL here too (rows
written before sealing held them in clear), and the rows are marked `redacted`. Their events
can no longer be read, so a rebuild carries these rows over as they are
(projections/read_models/filings/redacted_rows.py). The documents' rows (display name,
fields read, problems) go: no auditor view or count uses them. Their cached reads go from
Redis too. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import redis
from psycopg_pool import ConnectionPool

from domain.erasure import REDACTED
from projections.redis_keys import owner_cache_patterns
from projections.schema import ensure_schema

# The counts by year and status are left as they are: the rows keep both.
REDACT_OWNER_SQL = (
    "UPDATE owner_filing SET redacted = true, acknowledgement = NULL, total_tax = NULL, "
    "totals = NULL WHERE owner_id = %s RETURNING filing_id"
)
REDACT_SUMMARY_SQL = (
    "UPDATE filing_summary SET redacted = true, pan_masked = %s, income = NULL, "
    "deductions = NULL, computation = NULL, acknowledgement = NULL, total_tax = NULL, "
    "personal = NULL, totals = NULL WHERE filing_id = ANY(%s)"
)


@dataclass(frozen=True)
class Forgotten:
    filings: int
    documents: int
    cached: int


def forget_owner(conn: psycopg.Connection[Any], owner_id: str) -> tuple[int, int]:
    """Redacts the owner's filing rows and deletes their documents' rows; (filings redacted,
    documents deleted)."""
    with conn.transaction():
        # Through the indexed owner list, not a scan: owner_filing has every filing of theirs.
        filing_ids = [row[0] for row in conn.execute(REDACT_OWNER_SQL, (owner_id,)).fetchall()]
        redacted = conn.execute(REDACT_SUMMARY_SQL, (REDACTED, filing_ids)).rowcount
        documents = conn.execute(
            "DELETE FROM document_status WHERE filing_id = ANY(%s)", (filing_ids,)
        ).rowcount
    return redacted, documents


def forget_cached(client: redis.Redis, owner_id: str) -> int:
    """Drops the owner's cached reads (every read-model version), and their documents'
    progress entries are keyed by document, expiring on their own."""
    removed = 0
    for pattern in owner_cache_patterns(owner_id):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            removed += int(client.delete(*keys))
    return removed


def forget(conn: psycopg.Connection[Any], client: redis.Redis, owner_id: str) -> Forgotten:
    ensure_schema(conn)  # erasing before any projector ran: the tables are still to be made
    filings, documents = forget_owner(conn, owner_id)
    return Forgotten(filings, documents, forget_cached(client, owner_id))


class ReadModelEraser:
    """`forget` on the API's pool and Redis client (the erasure endpoint's)."""

    def __init__(self, pool: ConnectionPool[Any], client: redis.Redis) -> None:
        self._pool = pool
        self._client = client

    def forget(self, owner_id: str) -> Forgotten:
        with self._pool.connection() as conn:
            return forget(conn, self._client, owner_id)
