"""An erased taxpayer's rows leave the read models.

Once their data key is destroyed, their events read as redacted and a rebuild makes no row
for them (projections/eventlog/records.py); the live read models are brought to the same state here,
in one transaction: the filing summaries (PAN shape, income, deductions, computation,
acknowledgement), the owner's list, the counts by year and status, and the documents' rows
(display name, fields read, problems). What is left is what a rebuild leaves: nothing of
theirs. Their cached reads go from Redis too. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import redis

from projections.redis_keys import owner_cache_patterns
from projections.schema import ensure_schema


@dataclass(frozen=True)
class Forgotten:
    filings: int
    documents: int
    cached: int


def forget_owner(conn: psycopg.Connection[Any], owner_id: str) -> tuple[int, int]:
    """Deletes the owner's read-model rows; (filings, documents) deleted."""
    with conn.transaction():
        # Through the indexed owner list, not a scan: owner_filing has every filing of theirs.
        filing_ids = [
            row[0]
            for row in conn.execute(
                "DELETE FROM owner_filing WHERE owner_id = %s RETURNING filing_id", (owner_id,)
            ).fetchall()
        ]
        gone = conn.execute(
            "DELETE FROM filing_summary WHERE filing_id = ANY(%s) "
            "RETURNING assessment_year, status",
            (filing_ids,),
        ).fetchall()
        counts: dict[tuple[str, str], int] = {}
        for year, status in gone:
            counts[(year, status)] = counts.get((year, status), 0) + 1
        for (year, status), n in counts.items():
            conn.execute(
                "UPDATE filing_counts SET filings = filings - %s "
                "WHERE assessment_year = %s AND status = %s",
                (n, year, status),
            )
        # No zero rows: the table says the same whichever way it was built (a rebuild).
        conn.execute("DELETE FROM filing_counts WHERE filings <= 0")
        documents = conn.execute(
            "DELETE FROM document_status WHERE filing_id = ANY(%s)", (filing_ids,)
        ).rowcount
    return len(gone), documents


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
