"""Queries the API answers from read models: one SQL statement per request, through the cache."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from psycopg_pool import ConnectionPool

from projections.cache import CachedView, ReadCache
from projections.tracking import positions

_SUMMARY_SQL = (
    "SELECT filing_id, assessment_year, pan_masked, status, version, income, deductions, "
    "computation, computation_error, recommended_regime, regime, acknowledgement, position, "
    "created_at, updated_at "
    "FROM filing_summary WHERE filing_id = %s AND owner_id = %s"
)
_LIST_SQL = (
    "SELECT filing_id, assessment_year, status, version, total_tax, recommended_regime, "
    "acknowledgement, started_position, created_at, updated_at FROM owner_filing "
    "WHERE owner_id = %s AND started_position < %s ORDER BY started_position DESC LIMIT %s"
)
_NO_CURSOR = 2**63 - 1


def _summary(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        filing_id,
        ay,
        pan,
        status,
        version,
        income,
        deductions,
        computation,
        computation_error,
        recommended,
        regime,
        ack,
        position,
        created,
        updated,
    ) = row
    return {
        "id": str(filing_id),
        "assessment_year": ay,
        "pan": pan,
        "status": status,
        "version": version,
        "income": income,
        "deductions": deductions,
        "computation": computation,
        "computation_error": computation_error,
        "recommended_regime": recommended,
        "regime": regime,
        "acknowledgement_number": ack,
        "position": position,
        "created_at": created,
        "updated_at": updated,
    }


class FilingQueries:
    def __init__(self, pool: ConnectionPool[Any], cache: ReadCache) -> None:
        self._pool = pool
        self._cache = cache

    def summary(self, owner_id: str, filing_id: uuid.UUID) -> CachedView | None:
        def load() -> CachedView | None:
            with self._pool.connection() as conn:
                row = conn.execute(_SUMMARY_SQL, (filing_id, owner_id)).fetchone()
            if row is None:
                return None
            doc = _summary(row)
            return CachedView(doc["version"], msgspec.json.encode(doc))

        return self._cache.read_through(self._cache.filing_key(owner_id, filing_id), load)

    def list_for_owner(self, owner_id: str, limit: int, before: int | None) -> CachedView:
        key = self._cache.list_key(owner_id, f"{before or ''}:{limit}")

        def load() -> CachedView:
            with self._pool.connection() as conn:
                rows = conn.execute(
                    _LIST_SQL, (owner_id, before or _NO_CURSOR, limit + 1)
                ).fetchall()
            items = [
                {
                    "id": str(r[0]),
                    "assessment_year": r[1],
                    "status": r[2],
                    "version": r[3],
                    "total_tax": r[4],
                    "recommended_regime": r[5],
                    "acknowledgement_number": r[6],
                    "created_at": r[8],
                    "updated_at": r[9],
                }
                for r in rows[:limit]
            ]
            next_cursor = rows[limit - 1][7] if len(rows) > limit else None
            body = msgspec.json.encode({"items": items, "next_cursor": next_cursor})
            return CachedView(0, body)

        view = self._cache.read_through(key, load)
        assert view is not None
        return view


class ProjectionStatus:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def lag(self, head: int) -> dict[str, int]:
        with self._pool.connection() as conn:
            return {name: max(0, head - pos) for name, pos in positions(conn).items()}
