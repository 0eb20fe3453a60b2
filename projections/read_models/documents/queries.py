"""What `GET /documents/{id}` answers: the read-model row (one primary-key lookup) and, while
a worker reads the document, its live progress from Redis.

Not cached: a document is polled while it is processed, and its row is one indexed lookup.
"""

from __future__ import annotations

import uuid
from typing import Any

import redis
from psycopg_pool import ConnectionPool

from projections.read_models.documents.personal import open_row
from projections.read_models.documents.table import STORED_COLUMNS as COLUMNS
from projections.read_models.pooled import sync_fetch_all, sync_fetch_one
from projections.read_models.sealing import FieldSeal
from projections.redis_keys import progress_key

_BY_ID = (
    f"SELECT {', '.join(COLUMNS)} FROM document_status WHERE document_id = %s AND owner_id = %s"
)
_BY_FILING = (
    f"SELECT {', '.join(COLUMNS)} FROM document_status WHERE filing_id = %s AND owner_id = %s "
    "ORDER BY uploaded_at, document_id"
)


def view(row: dict[str, Any], progress: dict[str, Any] | None) -> dict[str, Any]:
    done = row["status"] != "uploaded"
    return {
        "id": str(row["document_id"]),
        "filing_id": str(row["filing_id"]),
        "status": row["status"],
        "progress": {"stage": "done", "percent": 100} if done else progress,
        "media_type": row["media_type"],
        "size": row["size_bytes"],
        "filename": row["filename"],
        "pages": row["pages"],
        "sha256": row["sha256"],
        "form": row["form"],
        "fields": row["fields"] or {},
        "problems": row["problems"] or [],
        "error": row["failure"],
        "text_source": row["text_source"],
        "accepted_filing_versions": row["accepted_filing_versions"] or [],
        "version": row["version"],
        "uploaded_at": row["uploaded_at"],
        "updated_at": row["updated_at"],
    }


def decode_progress(raw: dict[Any, Any]) -> dict[str, Any] | None:
    if not raw:
        return None
    data = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in raw.items()
    }
    try:
        percent = int(data.get("percent", "0"))
    except ValueError:
        percent = 0
    return {
        "stage": data.get("stage", ""),
        "percent": percent,
        "updated_at": data.get("updated_at"),
    }


class DocumentQueries:
    def __init__(self, pool: ConnectionPool[Any], client: redis.Redis, seal: FieldSeal) -> None:
        self._pool = pool
        self._redis = client
        self._seal = seal

    def progress(self, document_id: uuid.UUID) -> dict[str, Any] | None:
        raw = self._redis.hgetall(progress_key(document_id))
        return decode_progress(raw) if isinstance(raw, dict) else None

    def document(self, owner_id: str, document_id: uuid.UUID) -> dict[str, Any] | None:
        values = sync_fetch_one(self._pool, _BY_ID, (document_id, owner_id))
        if values is None:
            return None
        row = open_row(dict(zip(COLUMNS, values, strict=True)), self._seal)
        progress = self.progress(document_id) if row["status"] == "uploaded" else None
        return view(row, progress)

    def for_filing(self, owner_id: str, filing_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = sync_fetch_all(self._pool, _BY_FILING, (filing_id, owner_id))
        seal = self._seal
        return [view(open_row(dict(zip(COLUMNS, r, strict=True)), seal), None) for r in rows]
