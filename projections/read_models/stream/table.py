"""The stream's tables: every change message kept for replay (`stream_messages`, written by
projections/read_models/stream/projection.py), whose each aggregate is (`stream_owners`), and
how far retention has pruned (`stream_retention`)."""

from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS stream_messages (
    position bigint PRIMARY KEY,  -- the event's position in the log
    owner_id text NOT NULL,
    message text NOT NULL,  -- the JSON sent to the socket, as sent
    recorded_at timestamptz NOT NULL DEFAULT now()
);
-- Replay: one user's messages after a position, in order.
CREATE INDEX IF NOT EXISTS stream_messages_by_owner ON stream_messages (owner_id, position);
-- Retention: the oldest go first.
CREATE INDEX IF NOT EXISTS stream_messages_by_age ON stream_messages (recorded_at);
-- Whose filing or document an event is about (only the first event names the owner).
CREATE TABLE IF NOT EXISTS stream_owners (
    aggregate_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    filing_id uuid
);
-- Positions at or below `pruned_through` may have had messages that are gone.
CREATE TABLE IF NOT EXISTS stream_retention (
    name text PRIMARY KEY,
    pruned_through bigint NOT NULL
);
INSERT INTO stream_retention (name, pruned_through) VALUES ('stream', 0)
    ON CONFLICT (name) DO NOTHING;
"""
