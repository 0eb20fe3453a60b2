"""Events whose class was versioned after they were stored reach projections upcast, through
the same decryption as every other event."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid

from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.utils import Environment, get_topic

from projections.eventlog.records import RecordDecoder


class Note(Aggregate):
    class Written(Aggregate.Event):
        """v2 added `words`; v1 events, stored before, have only `text`."""

        class_version = 2
        text: str
        words: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["words"] = len(str(state["text"]).split())


def _mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    key = base64.b64encode(os.urandom(32)).decode()
    return Mapper(transcoder=transcoder, cipher=AESCipher(Environment(env={"CIPHER_KEY": key})))


def test_a_v1_event_stored_encrypted_is_read_upcast() -> None:
    mapper = _mapper()
    note_id = uuid.uuid4()
    v1_state = {
        "originator_id": note_id,
        "originator_version": 1,
        "timestamp": dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        "text": "tax is due soon",
    }
    assert mapper.cipher is not None
    stored = StoredEvent(
        originator_id=note_id,
        originator_version=1,
        topic=get_topic(Note.Written),
        state=mapper.cipher.encrypt(mapper.transcoder.encode(v1_state)),
    )
    record = RecordDecoder(mapper).decode(
        7, stored.originator_id, stored.originator_version, stored.topic, stored.state
    )
    assert (record.name, record.text, record.words) == ("Written", "tax is due soon", 4)
    assert record.position == 7 and record.originator_id == note_id


def test_a_current_event_is_read_as_written() -> None:
    mapper = _mapper()
    event = Note.Written(
        originator_id=uuid.uuid4(),
        originator_version=1,
        timestamp=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        text="one two",
        words=2,
    )
    stored = mapper.to_stored_event(event)
    record = RecordDecoder(mapper).decode(
        1, stored.originator_id, stored.originator_version, stored.topic, stored.state
    )
    assert (record.text, record.words) == ("one two", 2)
