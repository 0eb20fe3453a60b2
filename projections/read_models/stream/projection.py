"""The projector's side of the stream: a follower that records one message per filing or
document event (in its batch's transaction) and publishes them on Redis once it commits, and
the retention sweep that bounds the table.

Publishing happens after the commit, never before (a message must never announce something
that rolled back) and never from the API. The runner keeps after-commit work while Redis is
away and replays it in order, so publications go out in log order.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import redis
import structlog

from projections.projector.runner import AfterCommit
from projections.read_models.stream.messages import (
    CATCH_UP,
    DOCUMENT_MESSAGES,
    FILING_MESSAGES,
    StreamMessage,
    encode_message,
)
from projections.redis_keys import STREAM_BROADCAST_CHANNEL, stream_user_channel

log = structlog.get_logger(__name__)

NAME = "stream"


def _uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, dict):  # as the log stores it: {"_type_": "uuid_hex", "_data_": hex}
        return uuid.UUID(str(value["_data_"]))
    return uuid.UUID(str(value))


class StreamFollower:
    name = NAME

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        # A projector that starts (or takes over) first tells every socket to catch up from
        # the table: its predecessor may have died between a commit and its publication.
        self._announced = False

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        mine = [(p, e) for p, e in events if e.stream in ("Filing", "Document")]
        if not mine:
            return None
        owners = self._owners(conn, mine)
        rows: list[tuple[int, str, str]] = []
        for position, event in mine:
            known = owners.get(event.originator_id)
            if known is None:
                continue  # an aggregate whose first event is not in the log: nothing to say
            owner, filing_id = known
            message = message_for(position, event, filing_id)
            if message is not None:
                rows.append((position, owner, encode_message(message).decode()))
        if rows:
            with (
                conn.cursor() as cur,
                cur.copy("COPY stream_messages (position, owner_id, message) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        if not rows and self._announced:
            return None
        return lambda: self._publish(rows)

    def _owners(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> dict[uuid.UUID, tuple[str, uuid.UUID | None]]:
        """Owner (and, for a document, its filing) of every aggregate in the batch: from the
        first event of the ones that start here, from `stream_owners` for the others."""
        owners: dict[uuid.UUID, tuple[str, uuid.UUID | None]] = {}
        new: list[tuple[uuid.UUID, str, uuid.UUID | None]] = []
        for _, event in events:
            if event.name == "FilingStarted" or event.name == "DocumentUploaded":
                filing = _uuid(event.filing_id) if event.stream == "Document" else None
                if event.originator_id not in owners:
                    owners[event.originator_id] = (str(event.owner_id), filing)
                    new.append((event.originator_id, str(event.owner_id), filing))
        unknown = list({e.originator_id for _, e in events} - owners.keys())
        if unknown:
            for aid, owner, filing in conn.execute(
                "SELECT aggregate_id, owner_id, filing_id FROM stream_owners "
                "WHERE aggregate_id = ANY(%s)",
                (unknown,),
            ):
                owners[aid] = (owner, filing)
        if new:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO stream_owners (aggregate_id, owner_id, filing_id) "
                    "VALUES (%s, %s, %s) ON CONFLICT (aggregate_id) DO NOTHING",
                    new,
                )
        return owners

    def _publish(self, rows: list[tuple[int, str, str]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        if not self._announced:
            pipe.publish(STREAM_BROADCAST_CHANNEL, CATCH_UP)
        for _, owner, message in rows:
            pipe.publish(stream_user_channel(owner), message)
        pipe.execute()
        self._announced = True


def message_for(position: int, event: Any, filing_id: uuid.UUID | None) -> StreamMessage | None:
    if event.stream == "Filing":
        kind = FILING_MESSAGES.get(event.name)
        if kind is None:
            return None
        return StreamMessage(
            type=kind[0],
            position=position,
            version=event.originator_version,
            status=kind[1],
            filing_id=str(event.originator_id),
        )
    kind = DOCUMENT_MESSAGES.get(event.name)
    if kind is None:
        return None
    return StreamMessage(
        type=kind[0],
        position=position,
        version=event.originator_version,
        status=kind[1],
        filing_id=str(filing_id) if filing_id is not None else None,
        document_id=str(event.originator_id),
    )


class StreamRetention:
    """Deletes messages older than `keep_seconds` and records the last position it deleted:
    a socket asking to resume from before it is told to resync (reload over HTTP)."""

    name = "stream_retention"
    requires: tuple[str, ...] = (NAME,)

    def __init__(self, keep_seconds: float, interval: float = 300.0) -> None:
        self.keep_seconds = keep_seconds
        self.interval = interval

    def run(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            row = conn.execute(
                "WITH gone AS (DELETE FROM stream_messages "
                "WHERE recorded_at < now() - make_interval(secs => %s) RETURNING position) "
                "UPDATE stream_retention SET pruned_through = "
                "greatest(pruned_through, (SELECT max(position) FROM gone)) "
                "WHERE name = 'stream' RETURNING pruned_through",
                (self.keep_seconds,),
            ).fetchone()
        if row is not None:
            log.debug("stream.pruned", through=row[0])
