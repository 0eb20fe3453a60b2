"""Stored events as projections read them: light records decoded lazily from the stored JSON
with msgspec, without building domain event objects.

Only the top level of an event's state is split (into raw JSON values); an attribute is
decoded when the projection reads it, and a large value it only stores (a computation) can
be passed through to PostgreSQL as raw JSON, never decoded and re-encoded. The application's
own cipher and compressor are used, so encryption at rest is honoured. An event whose class
is versioned (class_version above 1) goes through the library's mapper, so its upcasters
run, on events stored before the class was versioned too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher, Mapper, Notification
from eventsourcing.utils import resolve_topic

from domain.erasure import KeyDestroyed

_split = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode = msgspec.json.decode


class _Transcoded(msgspec.Struct):
    """How the library stores a value JSON lacks: {"_type_": name, "_data_": value}."""

    data: Any = msgspec.field(name="_data_")


_transcoded = msgspec.json.Decoder(_Transcoded).decode


class Recorded:
    """One event from the log: where it is, what it is, and its attributes."""

    __slots__ = ("_data", "name", "originator_id", "originator_version", "position", "stream")

    def __init__(
        self,
        position: int,
        stream: str,
        name: str,
        originator_id: uuid.UUID,
        originator_version: int,
        data: dict[str, Any],
    ) -> None:
        self.position = position
        self.stream = stream  # the aggregate class, e.g. "Filing"
        self.name = name  # the event class, e.g. "IncomeDeclared"
        self.originator_id = originator_id
        self.originator_version = originator_version
        self._data = data

    def raw(self, attribute: str) -> msgspec.Raw:
        """An attribute as its stored JSON, to store elsewhere without decoding it."""
        value = self._data[attribute]
        return value if isinstance(value, msgspec.Raw) else msgspec.Raw(msgspec.json.encode(value))

    @property
    def timestamp(self) -> str:
        """ISO 8601 text, as stored; PostgreSQL parses it where a row needs it."""
        value = self._data["timestamp"]
        if isinstance(value, msgspec.Raw):
            return str(_transcoded(value).data)
        return str(value.isoformat() if hasattr(value, "isoformat") else value)

    def __getattr__(self, attribute: str) -> Any:
        try:
            value = self._data[attribute]
        except KeyError:
            raise AttributeError(attribute) from None
        return _decode(value) if isinstance(value, msgspec.Raw) else value

    def __repr__(self) -> str:
        return (
            f"Recorded({self.stream}.{self.name} {self.originator_id} v{self.originator_version})"
        )


_topics: dict[str, tuple[str, str, bool]] = {}


def _topic(topic: str) -> tuple[str, str, bool]:
    """The aggregate and event names in a topic, and whether its event class has upcasters
    (class_version above 1). Events stored before the class was versioned carry no
    class_version, so the class is asked, not the event."""
    known = _topics.get(topic)
    if known is None:
        stream, _, name = topic.rpartition(":")[2].rpartition(".")
        versioned = int(getattr(resolve_topic(topic), "class_version", 1)) > 1
        known = _topics[topic] = (stream, name, versioned)
    return known


def decryptor(cipher: Cipher) -> Callable[[bytes], bytes]:
    """The cipher's decrypt, or for the library's AES-GCM cipher the same format (nonce, tag,
    ciphertext) read with one AESGCM object: the library builds one per call, which costs
    more than the decryption of a small event."""
    if type(cipher) is not AESCipher:
        return cipher.decrypt
    aesgcm = AESGCM(cipher.key)

    def decrypt(stored: bytes) -> bytes:
        # Too short for nonce and tag fails here too: a bad nonce length is a ValueError,
        # a missing tag an InvalidTag.
        try:
            return aesgcm.decrypt(stored[:12], stored[28:] + stored[12:28], None)
        except InvalidTag as exc:
            raise ValueError("Invalid cipher tag") from exc

    return decrypt


REDACTED = "Redacted"
"""The name a projection sees for an event whose owner was erased: it matches no event a
projection folds, so an erased aggregate's first event makes no row (a rebuild has none of
them) and a later one only moves a row's version (docs/security.md)."""


def redacted(
    position: int, originator_id: Any, version: int, topic: str, erased: KeyDestroyed
) -> Recorded:
    stream, _, _ = _topics.get(topic) or _topic(topic)
    if not isinstance(originator_id, uuid.UUID):
        originator_id = uuid.UUID(str(originator_id))
    data = {"timestamp": erased.destroyed_at.isoformat(), "owner_id": erased.owner_id}
    return Recorded(position, stream, REDACTED, originator_id, version, data)


class RecordDecoder:
    def __init__(self, mapper: Mapper[Any]) -> None:
        self._mapper = mapper
        # Upcasts run on states already decrypted here: the library's mapper minus its cipher.
        self._plain_mapper: Mapper[Any] = Mapper(transcoder=mapper.transcoder)
        self._decrypt = decryptor(mapper.cipher) if mapper.cipher is not None else None
        self._compressor = mapper.compressor

    def decode(
        self, position: int, originator_id: Any, version: int, topic: str, state: bytes
    ) -> Recorded:
        if self._decrypt is not None:
            try:
                state = self._decrypt(state)
            except KeyDestroyed as erased:
                return redacted(position, originator_id, version, topic, erased)
        if self._compressor is not None:
            state = self._compressor.decompress(state)
        data: dict[str, Any] = _split(state)
        stream, name, versioned = _topics.get(topic) or _topic(topic)
        if versioned:
            event = self._plain_mapper.to_domain_event(
                Notification(
                    id=position,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            )
            data = dict(vars(event))
        if not isinstance(originator_id, uuid.UUID):
            originator_id = uuid.UUID(str(originator_id))
        return Recorded(position, stream, name, originator_id, version, data)
