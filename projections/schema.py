"""Read-model tables, created idempotently by whichever process starts first: the
projector's own (positions, read-model versions) and every read model's
(projections/read_models/*/).
"""

from __future__ import annotations

from typing import Any

import psycopg

from projections.read_models.documents.table import DDL as DOCUMENT_STATUS_DDL
from projections.read_models.filings.table import read_model_ddl, toast_compression
from projections.read_models.stream.table import DDL as STREAM_DDL

# One advisory lock key for DDL, so concurrent starters do not race on CREATE ... IF NOT EXISTS.
_DDL_LOCK = 0x6275726E  # "burn"

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS read_model_version (
    name text PRIMARY KEY,
    version integer NOT NULL,
    switched_at timestamptz NOT NULL DEFAULT now()
);
"""


def ensure_schema(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
        conn.execute(TRACKING_DDL)
        conn.execute(DOCUMENT_STATUS_DDL.encode())  # documents' own read model (not rebuilt here)
        conn.execute(STREAM_DDL.encode())  # the taxpayers' change streams
        exists = conn.execute("SELECT to_regclass('filing_summary') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            conn.execute(read_model_ddl(compression=toast_compression(conn)).encode())
            conn.execute(
                "INSERT INTO read_model_version (name, version) VALUES ('filing_summary', 1) "
                "ON CONFLICT (name) DO NOTHING"
            )
