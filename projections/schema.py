"""Read-model tables, created idempotently by whichever process starts first.

The same DDL builds shadow copies (a suffix on every table and index name) for zero-downtime
rebuilds: a rebuild fills the shadow tables and renames them into place.
"""

from __future__ import annotations

from typing import Any

import psycopg

from projections.document_status import DDL as DOCUMENT_STATUS_DDL

# One advisory lock key for DDL, so concurrent starters do not race on CREATE ... IF NOT EXISTS.
_DDL_LOCK = 0x6275726E  # "burn"

READ_MODEL_TABLES = ("filing_summary", "owner_filing", "filing_counts")

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

READ_MODEL_DDL = """
CREATE TABLE filing_summary{x} (
    filing_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    pan_masked text NOT NULL,
    assessment_year text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    income json,
    deductions json NOT NULL,
    computation json,  -- kept as written: read whole, never queried inside
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
-- Auditors list every filing newest first, optionally by status and/or year and a date range.
CREATE INDEX filing_summary{x}_by_created
    ON filing_summary{x} (created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_status
    ON filing_summary{x} (status, created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_year
    ON filing_summary{x} (assessment_year, created_at DESC, filing_id DESC);
CREATE INDEX filing_summary{x}_by_year_status
    ON filing_summary{x} (assessment_year, status, created_at DESC, filing_id DESC);

CREATE TABLE owner_filing{x} (
    owner_id text NOT NULL,
    started_position bigint NOT NULL,
    filing_id uuid NOT NULL UNIQUE,
    assessment_year text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    total_tax bigint,
    recommended_regime text,
    acknowledgement text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (owner_id, started_position)
);

CREATE TABLE filing_counts{x} (
    assessment_year text NOT NULL,
    status text NOT NULL,
    filings bigint NOT NULL,
    PRIMARY KEY (assessment_year, status)
);
"""


def read_model_ddl(suffix: str = "") -> str:
    return READ_MODEL_DDL.format(x=suffix)


def ensure_schema(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
        conn.execute(TRACKING_DDL)
        conn.execute(DOCUMENT_STATUS_DDL.encode())  # documents' own read model (not rebuilt here)
        exists = conn.execute("SELECT to_regclass('filing_summary') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            conn.execute(read_model_ddl().encode())
            conn.execute(
                "INSERT INTO read_model_version (name, version) VALUES ('filing_summary', 1) "
                "ON CONFLICT (name) DO NOTHING"
            )


def create_shadow(conn: psycopg.Connection[Any], suffix: str) -> None:
    with conn.transaction():
        for table in READ_MODEL_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}".encode())
        conn.execute(read_model_ddl(suffix).encode())
