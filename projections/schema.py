"""Read-model tables, created idempotently by whichever process starts first."""

from __future__ import annotations

import psycopg

# One advisory lock key for DDL, so concurrent starters do not race on CREATE ... IF NOT EXISTS.
_DDL_LOCK = 0x6275726E  # "burn"

READ_MODEL_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS filing_summary (
    filing_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    pan_masked text NOT NULL,
    assessment_year text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    income jsonb,
    deductions jsonb NOT NULL,
    computation jsonb,
    recommended_regime text,
    regime text,
    acknowledgement text,
    inputs_version integer NOT NULL,
    requested_version integer,
    computed_inputs_version integer,
    computation_error text,
    started_position bigint NOT NULL,
    position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS owner_filing (
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
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (owner_id, started_position)
);
CREATE UNIQUE INDEX IF NOT EXISTS owner_filing_by_filing ON owner_filing (filing_id);
"""


def ensure_schema(conn: psycopg.Connection[object]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
        conn.execute(DDL)
