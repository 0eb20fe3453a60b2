"""Every Filing and Document event becomes a stream message with the status it leaves behind
(projections/read_models/stream/messages.py), and the status agrees with the aggregate's own
rule."""

from __future__ import annotations

import uuid

import msgspec

from domain.documents.aggregate import Document, DocumentStatus
from domain.filing import events as names
from domain.filing.status import FilingStatus
from projections.eventlog.records import Recorded
from projections.read_models.stream.messages import (
    DOCUMENT_MESSAGES,
    FILING_MESSAGES,
    StreamMessage,
    decode_position,
    encode_message,
)
from projections.read_models.stream.projection import message_for


def _event_names(module: object) -> set[str]:
    return {
        v for k, v in vars(module).items() if k.isupper() and isinstance(v, str) and k != "STREAM"
    }


def test_every_filing_event_has_a_message_and_a_real_status() -> None:
    assert set(FILING_MESSAGES) == _event_names(names)
    assert {status for _, status in FILING_MESSAGES.values()} <= {s.value for s in FilingStatus}


def test_every_document_event_has_a_message_and_a_real_status() -> None:
    stored = {
        cls.__name__
        for cls in vars(Document).values()
        if isinstance(cls, type) and issubclass(cls, Document.Event)
    }
    assert set(DOCUMENT_MESSAGES) >= stored - {"Event", "Created"}
    assert {status for _, status in DOCUMENT_MESSAGES.values()} <= {s.value for s in DocumentStatus}


def test_a_document_message_names_the_document_and_its_filing() -> None:
    doc, filing = uuid.uuid4(), uuid.uuid4()
    m = message_for(77, Recorded(77, "Document", "DocumentParsed", doc, 2, {}), filing)
    assert m == StreamMessage(
        type="document.parsed",
        position=77,
        version=2,
        status="parsed",
        filing_id=str(filing),
        document_id=str(doc),
    )
    wire = msgspec.json.decode(encode_message(m))
    assert set(wire) == {"type", "position", "version", "status", "filing_id", "document_id"}
    assert decode_position(encode_message(m)).position == 77


def test_a_filing_message_has_no_document_id_on_the_wire() -> None:
    fid = uuid.uuid4()
    m = message_for(5, Recorded(5, "Filing", names.TAX_COMPUTED, fid, 4, {}), None)
    assert m is not None
    wire = msgspec.json.decode(encode_message(m))
    assert wire == {
        "type": "computation.done",
        "position": 5,
        "version": 4,
        "status": "computed",
        "filing_id": str(fid),
    }
