"""Queries the API answers from the read models: at most one SQL statement per request, each
served by an index, and the taxpayer's reads through the per-user cache."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import msgspec
from psycopg_pool import AsyncConnectionPool

from projections.cache.read_cache import CachedView, ReadCache
from projections.read_models.filings.personal import opened
from projections.read_models.pooled import fetch_all, fetch_one
from projections.read_models.sealing import FieldSeal

SUMMARY_COLUMNS = (
    "filing_id, assessment_year, pan_masked, status, version, income, deductions, "
    "computation, computation_error, recommended_regime, regime, acknowledgement, total_tax, "
    "position, created_at, updated_at, redacted, personal, totals"
)
_SUMMARY_NAMES = tuple(SUMMARY_COLUMNS.split(", "))
SUMMARY_SQL = f"SELECT {SUMMARY_COLUMNS} FROM filing_summary WHERE filing_id = %s AND owner_id = %s"
LIST_COLUMNS = (
    "filing_id, assessment_year, status, version, total_tax, recommended_regime, "
    "acknowledgement, started_position, created_at, updated_at, redacted, totals"
)
OWNER_LIST_SQL = (
    f"SELECT {LIST_COLUMNS} FROM owner_filing "
    "WHERE owner_id = %s AND started_position < %s ORDER BY started_position DESC LIMIT %s"
)
FIRST_PAGE_LIMIT = 20
"""The list's default page size: the page the projector keeps warm
(projections/cache/warming.py)."""

COUNTS_SQL = (
    "SELECT assessment_year, status, filings FROM filing_counts WHERE filings <> 0 "
    "ORDER BY assessment_year, status"
)
_NO_CURSOR = 2**63 - 1


def _summary(row: tuple[Any, ...], seal: FieldSeal) -> dict[str, Any]:
    r = opened(dict(zip(_SUMMARY_NAMES, row, strict=True)), seal)
    return {
        "id": str(r["filing_id"]),
        "assessment_year": r["assessment_year"],
        "pan": r["pan_masked"],
        "status": r["status"],
        "version": r["version"],
        "income": r["income"],
        "deductions": r["deductions"],
        "computation": r["computation"],
        "computation_error": r["computation_error"],
        "recommended_regime": r["recommended_regime"],
        "regime": r["regime"],
        "acknowledgement_number": r["acknowledgement"],
        "total_tax": r["total_tax"],
        "position": r["position"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
        "redacted": r["redacted"],
    }


def _totals(
    ack: Any, total_tax: Any, redacted: bool, totals: Any, seal: FieldSeal
) -> tuple[Any, Any, bool]:
    """(acknowledgement, total_tax, redacted) of a row, its sealed `totals` opened."""
    r = opened(
        {"acknowledgement": ack, "total_tax": total_tax, "redacted": redacted, "totals": totals},
        seal,
    )
    return r["acknowledgement"], r["total_tax"], r["redacted"]


def summary_view(row: tuple[Any, ...], seal: FieldSeal) -> CachedView:
    """A filing's cached answer from its SUMMARY_COLUMNS row (the API on a miss, the
    projector when it warms the cache: both must encode the same bytes). Opening its sealed
    fields may read a data key: call it from a thread, not an event loop."""
    doc = _summary(row, seal)
    return CachedView(doc["version"], msgspec.json.encode(doc), doc["position"])


def list_view(rows: list[tuple[Any, ...]], limit: int, seal: FieldSeal) -> CachedView:
    """A page of an owner's list from up to `limit + 1` LIST_COLUMNS rows, newest first."""
    items = []
    for r in rows[:limit]:
        total_tax, ack, redacted = _list_totals(r, seal)
        items.append(
            {
                "id": str(r[0]),
                "assessment_year": r[1],
                "status": r[2],
                "version": r[3],
                "total_tax": total_tax,
                "recommended_regime": r[5],
                "acknowledgement_number": ack,
                "created_at": r[8],
                "updated_at": r[9],
                "redacted": redacted,
            }
        )
    next_cursor = rows[limit - 1][7] if len(rows) > limit else None
    body = msgspec.json.encode({"items": items, "next_cursor": next_cursor})
    # A list has no version of its own: its ETag is a digest of what it says.
    return CachedView(zlib.crc32(body), body)


def _list_totals(r: tuple[Any, ...], seal: FieldSeal) -> tuple[Any, Any, bool]:
    # LIST_COLUMNS: total_tax at 4, acknowledgement at 6, redacted and totals last.
    ack, total_tax, redacted = _totals(r[6], r[4], r[10], r[11], seal)
    return total_tax, ack, redacted


def page_name(before: int | None, limit: int) -> str:
    """A list page's part of its cache key."""
    return f"{before or ''}:{limit}"


@dataclass(frozen=True)
class AuditFilter:
    status: str | None = None
    assessment_year: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    cursor: tuple[dt.datetime, uuid.UUID] | None = None
    limit: int = 50


def audit_list_sql(f: AuditFilter) -> tuple[str, list[Any]]:
    """Every filing, newest first, filtered; keyset pagination on (created_at, filing_id).

    Only the filters given appear in the SQL, so each combination matches one of the
    filing_summary indexes exactly (see table.py)."""
    given = [
        ("assessment_year = %s", (f.assessment_year,)),
        ("status = %s", (f.status,)),
        ("created_at >= %s", (f.created_from,)),
        ("created_at < %s", (f.created_to,)),
        ("(created_at, filing_id) < (%s, %s)", f.cursor or (None,)),
    ]
    where = [clause for clause, values in given if values[0] is not None]
    params: list[Any] = [v for _, values in given if values[0] is not None for v in values]
    sql = (
        "SELECT filing_id, owner_id, assessment_year, pan_masked, status, version, total_tax, "
        "acknowledgement, created_at, updated_at, redacted, totals FROM filing_summary"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY created_at DESC, filing_id DESC LIMIT %s"
    )
    params.append(f.limit + 1)
    return sql, params


def _audit_items(rows: list[tuple[Any, ...]], seal: FieldSeal) -> list[dict[str, Any]]:
    items = []
    for r in rows:
        ack, total_tax, redacted = _totals(r[7], r[6], r[10], r[11], seal)
        items.append(
            {
                "id": str(r[0]),
                "owner_id": r[1],
                "assessment_year": r[2],
                "pan": r[3],
                "status": r[4],
                "version": r[5],
                "total_tax": total_tax,
                "acknowledgement_number": ack,
                "created_at": r[8],
                "updated_at": r[9],
                "redacted": redacted,
            }
        )
    return items


class FilingReads:
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        cache: ReadCache,
        seal: FieldSeal,
        events_table: str = "filings_events",
    ) -> None:
        self._pool = pool
        self._cache = cache
        self._seal = seal  # opens the rows' personal fields (read_models/sealing.py)
        # The log's head: the primary key's index answers max() with one probe.
        self._head_sql = f"SELECT coalesce(max(notification_id), 0) FROM {events_table}".encode()

    async def log_head(self) -> int:
        """The position of the log's last event (what read-your-writes may wait for)."""
        row = await fetch_one(self._pool, self._head_sql)
        return int(row[0]) if row else 0

    def summary_read_ahead(self, filing_id: uuid.UUID) -> tuple[str, str]:
        """`summary`'s cache key around its owner, to read it ahead (`use_read_ahead`)."""
        return self._cache.summary_read_ahead(filing_id)

    def list_read_ahead(self) -> tuple[str, str, str, str, str]:
        """The first page's keys around the owner and generation (`ReadCache.list_read_ahead`)."""
        return self._cache.list_read_ahead(page_name(None, FIRST_PAGE_LIMIT))

    async def summary(self, owner_id: str, filing_id: uuid.UUID) -> CachedView | None:
        async def load() -> CachedView | None:
            row = await fetch_one(self._pool, SUMMARY_SQL, (filing_id, owner_id))
            return None if row is None else await asyncio.to_thread(summary_view, row, self._seal)

        return await self._cache.read_through(
            await self._cache.filing_key(owner_id, filing_id), load
        )

    async def list_for_owner(self, owner_id: str, limit: int, before: int | None) -> CachedView:
        async def load() -> CachedView:
            rows = await fetch_all(
                self._pool, OWNER_LIST_SQL, (owner_id, before or _NO_CURSOR, limit + 1)
            )
            return await asyncio.to_thread(list_view, rows, limit, self._seal)

        view = await self._cache.read_list(owner_id, page_name(before, limit), load)
        assert view is not None
        return view

    async def audit_list(self, f: AuditFilter) -> dict[str, Any]:
        sql, params = audit_list_sql(f)
        rows = await fetch_all(self._pool, sql.encode(), params)
        items = await asyncio.to_thread(_audit_items, rows[: f.limit], self._seal)
        cursor = None
        if len(rows) > f.limit:
            last = rows[f.limit - 1]
            cursor = f"{last[8].isoformat()}~{last[0]}"
        return {"items": items, "next_cursor": cursor}

    async def counts(self) -> list[dict[str, Any]]:
        rows = await fetch_all(self._pool, COUNTS_SQL)
        return [{"assessment_year": r[0], "status": r[1], "filings": r[2]} for r in rows]
