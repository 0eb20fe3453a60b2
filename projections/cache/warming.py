"""The projector keeps the read cache warm: after a batch, the new answers of the filings and
owners' lists it changed, read in its own transaction (so exactly what it commits), are
written to the cache in place of the entries they replace.

Deleting them instead (the first design) made every read after a write a miss: in the
taxpayer mix a quarter of all reads, each one a query on the API's read pool, which was
the first queue at 1,000 users (docs/load.md). Here one query per batch answers them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from projections.cache.read_cache import CachedView
from projections.read_models.filings.projection import Touched
from projections.read_models.filings.queries import (
    FIRST_PAGE_LIMIT,
    LIST_COLUMNS,
    SUMMARY_COLUMNS,
    list_view,
    summary_view,
)
from projections.read_models.sealing import FieldSeal

SUMMARIES_SQL = (f"SELECT {SUMMARY_COLUMNS} FROM filing_summary WHERE filing_id = ANY(%s)").encode()
# Each owner's first page, newest first: the owner_filing primary key (owner_id,
# started_position) serves every owner's part.
FIRST_PAGES_SQL = (
    f"SELECT owner_id, {LIST_COLUMNS} FROM ("
    "SELECT *, row_number() OVER (PARTITION BY owner_id ORDER BY started_position DESC) AS n "
    "FROM owner_filing WHERE owner_id = ANY(%s)) AS o "
    "WHERE n <= %s ORDER BY owner_id, started_position DESC"
).encode()


@dataclass(frozen=True)
class Warmed:
    """The new cached answers: summaries by filing id, first list pages by owner."""

    summaries: dict[uuid.UUID, CachedView] = field(default_factory=dict)
    first_pages: dict[str, CachedView] = field(default_factory=dict)


def load_warm(conn: psycopg.Connection[Any], touched: Iterable[Touched], seal: FieldSeal) -> Warmed:
    """Read on the projector's connection before it commits: the rows as this batch left them."""
    touched = list(touched)
    if not touched:
        return Warmed()
    ids = list({t.filing_id for t in touched})
    owners = sorted({t.owner_id for t in touched})
    pages: dict[str, list[tuple[Any, ...]]] = {owner: [] for owner in owners}
    with conn.cursor() as cur:
        cur.execute(SUMMARIES_SQL, (ids,))
        summaries = {row[0]: summary_view(row, seal) for row in cur.fetchall()}
        cur.execute(FIRST_PAGES_SQL, (owners, FIRST_PAGE_LIMIT + 1))
        for row in cur.fetchall():
            pages[row[0]].append(row[1:])
    return Warmed(
        summaries, {owner: list_view(rows, FIRST_PAGE_LIMIT, seal) for owner, rows in pages.items()}
    )
