"""The taxpayer's stream of changes (`GET /api/v1/stream`): its messages, where they are kept
(the `stream_messages` table, written by the projector's `stream` follower in the same
transaction as its position), the Redis channels they are published on after that commit,
and the replay queries the API runs.

The table, not Redis, is the record: a live message lost on the way (Redis restarting, a
projector dying between its commit and its publication) is still in the table, and a socket
catches up from it. Redis only makes a message arrive sooner.
"""

from __future__ import annotations

from typing import Any

import msgspec
from psycopg_pool import AsyncConnectionPool

from domain.filing import events as names
from projections.pooled import fetch_all, fetch_one

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

USER_CHANNEL = "bb:stream:user:{owner}"
BROADCAST_CHANNEL = "bb:stream:all"
"""Every socket listens here too: the projector sends CATCH_UP when it starts, so messages a
dead predecessor committed but never published are fetched from the table."""
CATCH_UP = b"catch-up"


def user_channel(owner_id: str) -> str:
    return USER_CHANNEL.format(owner=owner_id)


class StreamMessage(msgspec.Struct, omit_defaults=True):
    """One change to a taxpayer's return or document. `position` is the event's position in
    the log (resume with `?after=<position>`); `version` the aggregate's version after it."""

    type: str
    position: int
    version: int
    status: str | None
    filing_id: str | None = None
    document_id: str | None = None


class Position(msgspec.Struct):
    position: int


encode_message = msgspec.json.Encoder().encode
decode_position = msgspec.json.Decoder(Position).decode

# Event → (message type, the status it leaves the filing in). The status follows from the
# event alone: the aggregate accepts a result only for unchanged inputs, a request only for
# an open return, etc. (domain/filing/status.py).
FILING_MESSAGES: dict[str, tuple[str, str]] = {
    names.FILING_STARTED: ("filing.started", "draft"),
    names.INCOME_DECLARED: ("filing.updated", "draft"),
    names.DEDUCTIONS_CLAIMED: ("filing.updated", "draft"),
    names.TAX_COMPUTATION_REQUESTED: ("computation.requested", "computing"),
    names.TAX_COMPUTED: ("computation.done", "computed"),
    names.TAX_COMPUTATION_FAILED: ("computation.failed", "computation_failed"),
    names.RETURN_SUBMITTED: ("submission.acknowledged", "submitted"),
    names.RETURN_E_VERIFIED: ("return.e_verified", "e_verified"),
    names.RETURN_WITHDRAWN: ("return.withdrawn", "withdrawn"),
    names.REVISION_OPENED: ("revision.opened", "draft"),
}
DOCUMENT_MESSAGES: dict[str, tuple[str, str]] = {
    "DocumentUploaded": ("document.uploaded", "uploaded"),
    "DocumentParsed": ("document.parsed", "parsed"),
    "DocumentParsingFailed": ("document.failed", "failed"),
    "DocumentAccepted": ("document.accepted", "accepted"),
}


class StreamReplay:
    """The API's reads of the stream table (each one indexed)."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def after(self, owner_id: str, position: int, limit: int) -> list[tuple[int, str]]:
        """The user's messages after `position`, oldest first: (position, JSON)."""
        rows = await fetch_all(
            self._pool,
            "SELECT position, message FROM stream_messages "
            "WHERE owner_id = %s AND position > %s ORDER BY position LIMIT %s",
            (owner_id, position, limit),
        )
        return [(int(p), str(m)) for p, m in rows]

    async def head(self) -> int:
        """The last position written: every later message has a larger one (one follower
        writes the table, in log order)."""
        row = await fetch_one(self._pool, "SELECT max(position) FROM stream_messages")
        return int(row[0]) if row and row[0] is not None else 0

    async def pruned_through(self) -> int:
        row = await fetch_one(
            self._pool, "SELECT pruned_through FROM stream_retention WHERE name = 'stream'"
        )
        return int(row[0]) if row else 0
