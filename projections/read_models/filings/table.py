"""The filing read models' tables: one row per filing (`filing_summary`), one per owner's
filing (`owner_filing`, the taxpayer's list) and the counts by year and status
(`filing_counts`).

The same DDL builds shadow copies (a suffix on every table and index name) for zero-downtime
rebuilds (projections/projector/rebuild.py): a rebuild fills the shadow tables and renames
them into place.
"""

from __future__ import annotations

from typing import Any

import psycopg

READ_MODEL_TABLES = ("filing_summary", "owner_filing", "filing_counts")

READ_MODEL_TABLES_DDL = """
CREATE TABLE filing_summary{x} (
    filing_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    pan_masked text NOT NULL,
    assessment_year text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    income json COMPRESSION {z},
    deductions json COMPRESSION {z} NOT NULL,
    computation json COMPRESSION {z},  -- kept as written: read whole, never queried inside
    recommended_regime text,
    regime text,
    acknowledgement text,
    inputs_version integer NOT NULL,
    requested_version integer,
    computed_inputs_version integer,
    computation_error text,
    total_tax bigint,
    started_position bigint NOT NULL,
    position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE owner_filing{x} (
    owner_id text NOT NULL,
    started_position bigint NOT NULL,
    filing_id uuid NOT NULL,
    assessment_year text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    total_tax bigint,
    recommended_regime text,
    acknowledgement text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE filing_counts{x} (
    assessment_year text NOT NULL,
    status text NOT NULL,
    filings bigint NOT NULL,
    PRIMARY KEY (assessment_year, status)
);
"""

# Indexes and owner_filing's keys. A rebuild creates them after its bulk load: one sorted
# build per index instead of a B-tree insert per row.
READ_MODEL_INDEXES_DDL = """
ALTER TABLE owner_filing{x}
    ADD PRIMARY KEY (owner_id, started_position),
    ADD UNIQUE (filing_id);
-- Auditors list every filing newest first, optionally by status and/or year and a date range.
CREATE INDEX filing_summary{x}_by_created
    ON filing_summary{x} (created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_status
    ON filing_summary{x} (status, created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_year
    ON filing_summary{x} (assessment_year, created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_year_status
    ON filing_summary{x} (assessment_year, status, created_at DESC, filing_id DESC);
"""


def toast_compression(conn: psycopg.Connection[Any]) -> str:
    """lz4 where the server was built with it (several times cheaper than pglz on the 5 KB
    computation documents), else pglz: the embedded PostgreSQL has no lz4."""
    row = conn.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).fetchone()
    return "lz4" if row and row[0] else "pglz"


def read_model_ddl(suffix: str = "", compression: str = "pglz", indexes: bool = True) -> str:
    tables = READ_MODEL_TABLES_DDL.format(x=suffix, z=compression)
    return tables + READ_MODEL_INDEXES_DDL.format(x=suffix) if indexes else tables


def create_shadow(conn: psycopg.Connection[Any], suffix: str) -> None:
    """Empty shadow tables with their keys; `index_shadow` adds the rest once they are full."""
    with conn.transaction():
        for table in READ_MODEL_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}".encode())
        ddl = read_model_ddl(suffix, toast_compression(conn), indexes=False)
        conn.execute(ddl.encode())


def index_shadow(conn: psycopg.Connection[Any], suffix: str) -> None:
    with conn.transaction():
        conn.execute(READ_MODEL_INDEXES_DDL.format(x=suffix).encode())
