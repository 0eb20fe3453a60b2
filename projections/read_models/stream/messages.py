"""The taxpayer's stream of changes (`GET /api/v1/stream`): its messages, and the Redis
channels they are published on once the projector's `stream` follower has kept them (in the
`stream_messages` table, projections/read_models/stream/table.py, in the same transaction as
its position); the API replays them from there (projections/read_models/stream/queries.py).

The table, not Redis, is the record: a live message lost on the way (Redis restarting, a
projector dying between its commit and its publication) is still in the table, and a socket
catches up from it. Redis only makes a message arrive sooner.
"""

from __future__ import annotations

import msgspec

from domain.filing import events as names

CATCH_UP = b"catch-up"
"""Sent on the broadcast channel (projections/redis_keys.py), which every socket listens to,
when a projector starts: messages a dead predecessor committed but never published are then
fetched from the table."""


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
    names.REVISION_OPENED: ("revision.opened", "draft"),
}
DOCUMENT_MESSAGES: dict[str, tuple[str, str]] = {
    "DocumentUploaded": ("document.uploaded", "uploaded"),
    "DocumentParsed": ("document.parsed", "parsed"),
    "DocumentParsingFailed": ("document.failed", "failed"),
    "DocumentAccepted": ("document.accepted", "accepted"),
}
