"""Read model of documents: one row per document with its status, fields and problems.

Folded from the Document events in the shared log, a batch at a time with one multi-row
upsert, like the filing summary. Live progress while a worker reads the document is not
here (it changes every page): the query joins it from Redis.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
import psycopg
from psycopg.types.json import Jsonb, set_json_loads

from domain.documents.aggregate import DocumentStatus
from domain.pan import mask_pan
from projections.read_models.documents.personal import open_row, seal_row
from projections.read_models.documents.table import STORED_COLUMNS
from projections.read_models.folding import fold
from projections.read_models.sealing import FieldSeal

NAME = "document_status"

_JSON = {"fields", "problems", "accepted_filing_versions"}
MASKED_FIELDS = ("employee_pan", "employer_pan")
"""PANs are kept in full only in the (encrypted) event store; read models show their shape,
as the filing summary does. The acceptance compares the full PAN on the write side."""


def masked(fields: dict[str, Any] | None) -> dict[str, Any] | None:
    if not fields:
        return fields
    out = dict(fields)
    for name in MASKED_FIELDS:
        f = out.get(name)
        if isinstance(f, dict) and isinstance(f.get("value"), str):
            out[name] = {**f, "value": mask_pan(f["value"]), "text": mask_pan(str(f["text"]))}
    return out


def _dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID as the log stores it ({"_type_": "uuid_hex", "_data_": hex}) or as a value."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, dict):
        return uuid.UUID(str(value["_data_"]))
    return uuid.UUID(str(value))


def apply_event(row: dict[str, Any] | None, event: Any, position: int) -> dict[str, Any] | None:
    """Fold one Document event (a projections.eventlog.records.Recorded) into its row."""
    name: str = event.name
    version: int = event.originator_version
    at: dt.datetime | str = event.timestamp
    if name == "DocumentUploaded":
        if row is not None:
            return row
        return {
            "document_id": event.originator_id,
            "filing_id": as_uuid(event.filing_id),
            "owner_id": event.owner_id,
            "sha256": event.sha256,
            "media_type": event.media_type,
            "size_bytes": event.size,
            "filename": event.filename,
            "pages": event.pages,
            "status": DocumentStatus.UPLOADED.value,
            "form": None,
            "fields": None,
            "problems": [],
            "failure": None,
            "text_source": None,
            "parser_version": None,
            "accepted_filing_versions": [],
            "version": version,
            "position": position,
            "uploaded_at": at,
            "updated_at": at,
        }
    if row is None or version <= row["version"]:
        return row  # unknown document, or applied already (a replay after a crash)
    row = dict(row)
    if name == "DocumentParsed":
        row["status"] = DocumentStatus.PARSED.value
        row["form"] = event.form
        row["fields"] = masked(event.fields)
        row["problems"] = list(event.problems)
        row["text_source"] = event.text_source
        row["parser_version"] = event.parser_version
    elif name == "DocumentParsingFailed":
        row["status"] = DocumentStatus.FAILED.value
        row["failure"] = event.reason
    elif name == "DocumentAccepted":
        row["status"] = DocumentStatus.ACCEPTED.value
        row["accepted_filing_versions"] = [*row["accepted_filing_versions"], event.filing_version]
    row["version"] = version
    row["position"] = position
    row["updated_at"] = at
    return row


class DocumentStatusProjection:
    name = NAME

    def __init__(self, seal: FieldSeal) -> None:
        self.seal = seal

    def apply(self, conn: psycopg.Connection[Any], events: Iterable[tuple[int, Any]]) -> int:
        mine = [(p, e) for p, e in events if e.stream == "Document"]
        if not mine:
            return 0
        ids = list({e.originator_id for _, e in mine})
        rows: dict[uuid.UUID, dict[str, Any]] = {}
        with conn.cursor() as cur:
            set_json_loads(msgspec.json.decode, cur)
            cur.execute(
                f"SELECT {', '.join(STORED_COLUMNS)} FROM document_status "
                "WHERE document_id = ANY(%s)",
                (ids,),
            )
            seal = self.seal
            for values in cur.fetchall():
                rows[values[0]] = open_row(dict(zip(STORED_COLUMNS, values, strict=True)), seal)
            upserts = fold(rows, mine, apply_event)
            if not upserts:
                return 0
            stored = [seal_row(r, seal) for r in upserts]
            cur.executemany(
                f"INSERT INTO document_status ({', '.join(STORED_COLUMNS)}) "
                f"VALUES ({', '.join('%s' for _ in STORED_COLUMNS)}) "
                "ON CONFLICT (document_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in STORED_COLUMNS[1:]),
                [
                    tuple(
                        Jsonb(r[c], _dumps) if c in _JSON and r[c] is not None else r[c]
                        for c in STORED_COLUMNS
                    )
                    for r in stored
                ],
            )
        return len(upserts)


class DocumentStatusFollower:
    name = NAME

    def __init__(self, seal: FieldSeal) -> None:
        self._projection = DocumentStatusProjection(seal)

    def wants(self, event: Any) -> bool:
        """Whether `handle` does anything with the event (the runner skips batches without)."""
        return bool(event.stream == "Document")

    def handle(self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]) -> None:
        self._projection.apply(conn, events)
        return None
