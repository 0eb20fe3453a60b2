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
        else:
            add_sealed_columns(conn)


# Tables made before the personal fields were sealed get the columns (once: looked up first,
# so a start does not queue an ALTER's lock behind the readers). Their rows keep their clear
# values, read as they are, until a rebuild (`burnblack projections rebuild --force`: the
# comparison sees the clear rows differ from sealed ones) seals them.
SEALED_COLUMNS_DDL = """
ALTER TABLE filing_summary ALTER COLUMN deductions DROP NOT NULL,
    ADD COLUMN IF NOT EXISTS redacted boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS personal bytea,
    ADD COLUMN IF NOT EXISTS totals bytea;
ALTER TABLE owner_filing ADD COLUMN IF NOT EXISTS redacted boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS totals bytea;
CREATE INDEX IF NOT EXISTS filing_summary_redacted ON filing_summary (filing_id) WHERE redacted;
"""


def add_sealed_columns(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND ((table_name = 'filing_summary' AND column_name = 'totals') "
        "OR (table_name = 'owner_filing' AND column_name = 'totals'))"
    ).fetchone()
    if row is None or row[0] < 2:
        conn.execute(SEALED_COLUMNS_DDL.encode())
