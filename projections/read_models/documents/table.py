"""The documents' read model table: one row per document with its status, fields and
problems (folded by projections/read_models/documents/projection.py)."""

from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS document_status (
    document_id uuid PRIMARY KEY,
    filing_id uuid NOT NULL,
    owner_id text NOT NULL,
    sha256 text NOT NULL,
    media_type text NOT NULL,
    size_bytes bigint NOT NULL,
    filename text NOT NULL,
    pages integer NOT NULL,
    status text NOT NULL,
    form text,
    fields jsonb,
    problems jsonb NOT NULL DEFAULT '[]',
    failure text,
    text_source text,
    parser_version integer,
    accepted_filing_versions jsonb NOT NULL DEFAULT '[]',
    version integer NOT NULL,
    position bigint NOT NULL,
    uploaded_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS document_status_by_filing ON document_status (filing_id, uploaded_at);
-- The reconciliation sweep: documents still being read (projections/reactors/reconciliation.py).
CREATE INDEX IF NOT EXISTS document_status_uploaded ON document_status (uploaded_at)
    WHERE status = 'uploaded';
"""

COLUMNS = (
    "document_id",
    "filing_id",
    "owner_id",
    "sha256",
    "media_type",
    "size_bytes",
    "filename",
    "pages",
    "status",
    "form",
    "fields",
    "problems",
    "failure",
    "text_source",
    "parser_version",
    "accepted_filing_versions",
    "version",
    "position",
    "uploaded_at",
    "updated_at",
)
