"""The event store's cipher and mapper with a data key per owner (crypto-shredding).

Stored state, once data keys exist: `BBk1` | key id (16 bytes) | nonce (12) | AES-GCM
ciphertext and tag, the first 20 bytes authenticated as associated data. State without the
prefix was written before data keys (the library's AESCipher: nonce, tag, ciphertext) and is
read with the `legacy` key, so nothing stored has to be rewritten.

Whose key encrypts an event is decided by its aggregate: a created event (version 1) that has
an `owner_id` belongs to that account, an account's own events to the account, anything
else to `system`. A later event follows its aggregate's first stored event (read once per
aggregate and process). Both classes are configured through the library's own
`CIPHER_TOPIC` and `MAPPER_TOPIC` (burnblack/bootstrap/wiring.py).
"""

from __future__ import annotations

import base64
import contextvars
import hmac
import secrets
import threading
import uuid
from collections import OrderedDict
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import Environment, resolve_topic
from psycopg.conninfo import make_conninfo

from commands.datakeys import LEGACY_KEY_ID, LEGACY_OWNER, SYSTEM_OWNER, DataKey, DataKeys
from domain.account import Account
from domain.email_index import AccountEmail
from domain.erasure import KeyDestroyed, Redacted

MAGIC = b"BBk1"
_HEADER = len(MAGIC) + 16
_NONCE = 12
_TAG = 16

_encrypting_for: contextvars.ContextVar[str] = contextvars.ContextVar(
    "encrypting_for", default=SYSTEM_OWNER
)


def _b64_keys(value: str | None) -> list[bytes]:
    return [base64.b64decode(k.strip()) for k in (value or "").split(",") if k.strip()]


def conninfo_from_env(environment: Environment) -> str:
    return make_conninfo(
        dbname=environment.get("POSTGRES_DBNAME", "postgres"),
        host=environment.get("POSTGRES_HOST", "127.0.0.1"),
        port=environment.get("POSTGRES_PORT", "5432"),
        user=environment.get("POSTGRES_USER", "postgres"),
        password=environment.get("POSTGRES_PASSWORD", ""),
    )


def seal(key: DataKey, plaintext: bytes) -> bytes:
    header = MAGIC + key.key_id.bytes
    nonce = secrets.token_bytes(_NONCE)
    return header + nonce + key.aead.encrypt(nonce, plaintext, header)


def seal_deterministic(key: DataKey, plaintext: bytes) -> bytes:
    """`seal`, with a synthetic nonce (an HMAC of the plaintext under a key derived from the
    data key, as in SIV): the same value under the same key seals to the same bytes. For
    derived data that is written again and compared (the read models' personal fields: a
    rebuild must match the live rows byte for byte); it shows only that two values of one
    owner are equal. Read with `unseal`."""
    if not key.nonce_key:
        raise ValueError(f"data key {key.key_id} has no nonce key")
    header = MAGIC + key.key_id.bytes
    nonce = hmac.digest(key.nonce_key, header + plaintext, "sha256")[:_NONCE]
    return header + nonce + key.aead.encrypt(nonce, plaintext, header)


def unseal(key: DataKey, stored: bytes) -> bytes:
    """What `seal` or `seal_deterministic` sealed with `key` (InvalidTag if altered)."""
    return key.aead.decrypt(
        stored[_HEADER : _HEADER + _NONCE], stored[_HEADER + _NONCE :], stored[:_HEADER]
    )


def sealed_key_id(stored: bytes) -> uuid.UUID | None:
    """The data key id a sealed value names, or None for legacy state."""
    if len(stored) >= _HEADER + _NONCE + _TAG and stored[: len(MAGIC)] == MAGIC:
        return uuid.UUID(bytes=bytes(stored[len(MAGIC) : _HEADER]))
    return None


_shared: dict[tuple[str, tuple[bytes, ...], float], DataKeys] = {}
_shared_lock = threading.Lock()


def shared_data_keys(conninfo: str, masters: tuple[bytes, ...], cache_seconds: float) -> DataKeys:
    """One DataKeys per database and keys in a process: the accounts' and the filings'
    applications share it, so an erasure made through one is seen at once by the other."""
    with _shared_lock:
        keys = _shared.get((conninfo, masters, cache_seconds))
        if keys is None:
            keys = _shared[(conninfo, masters, cache_seconds)] = DataKeys(
                conninfo, masters, cache_seconds
            )
        return keys


class KeyringCipher(Cipher):
    """Encrypts with the data key of the owner the mapper names; decrypts by the key id in
    the state (or with the legacy key). KeyDestroyed for state whose key was erased."""

    def __init__(self, environment: Environment) -> None:
        masters = _b64_keys(environment.get("CIPHER_KEY"))
        if not masters:
            raise OSError("'CIPHER_KEY' not in env")
        masters += _b64_keys(environment.get("OLD_CIPHER_KEYS"))
        self.keys = shared_data_keys(
            conninfo_from_env(environment),
            tuple(masters),
            float(environment.get("DATA_KEY_CACHE_SECONDS", "2")),
        )
        self.events_table = (environment.name.lower() or "stored") + "_events"
        self._stream_owner: OrderedDict[uuid.UUID, str] = OrderedDict()

    def encrypt(self, plaintext: bytes) -> bytes:
        return seal(self.keys.for_owner(_encrypting_for.get()), plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        key_id = sealed_key_id(ciphertext)
        if key_id is not None:
            try:
                key: DataKey | None = self.keys.by_id(key_id)
            except LookupError:
                key = None  # legacy state whose random nonce began with the magic
            if key is not None:
                try:
                    return key.aead.decrypt(
                        ciphertext[_HEADER : _HEADER + _NONCE],
                        ciphertext[_HEADER + _NONCE :],
                        ciphertext[:_HEADER],
                    )
                except InvalidTag:
                    pass  # maybe legacy after all; it fails there too if altered
        legacy = self.keys.by_id(LEGACY_KEY_ID).aead
        try:
            return legacy.decrypt(
                ciphertext[:_NONCE], ciphertext[_NONCE + _TAG :] + ciphertext[_NONCE:28], None
            )
        except (InvalidTag, ValueError) as exc:
            raise ValueError("Invalid cipher tag") from exc

    # --- whose key --------------------------------------------------------------------

    def stream_owner(self, originator_id: uuid.UUID) -> str:
        """Whose key an aggregate's events use: that of its first stored event."""
        owner = self._stream_owner.get(originator_id)
        if owner is not None:
            return owner
        rows = self.keys.execute(
            f"SELECT substring(state for {_HEADER}) FROM {self.events_table} "
            "WHERE originator_id = %s AND originator_version = 1",
            (originator_id,),
        )
        if not rows:
            owner = SYSTEM_OWNER
        else:
            key_id = sealed_key_id(bytes(rows[0][0]) + b"\x00" * (_NONCE + _TAG))
            owner = (
                LEGACY_OWNER
                if key_id is None
                else (self.keys.owner_of(key_id) or LEGACY_OWNER)  # unknown: legacy nonce
            )
        self.remember(originator_id, owner)
        return owner

    def remember(self, originator_id: uuid.UUID, owner: str) -> None:
        self._stream_owner[originator_id] = owner
        self._stream_owner.move_to_end(originator_id)
        if len(self._stream_owner) > 100_000:
            self._stream_owner.popitem(last=False)


def owner_of_created(event: Any) -> str:
    owner = getattr(event, "owner_id", None)
    if owner:
        return str(owner)
    if isinstance(event, Account.Event):  # (called for created events only)
        return str(event.originator_id)  # an account's own data: its email, its password hash
    if isinstance(event, AccountEmail.Event):  # the link from an email to the account
        return str(getattr(event, "account_id"))  # noqa: B009 (set by its __init__)
    return SYSTEM_OWNER


class KeyedMapper(Mapper[uuid.UUID]):
    """The library's mapper, choosing the owner's key on the way in and reading an erased
    owner's events as `Redacted` on the way out."""

    def _keyring(self) -> KeyringCipher | None:
        return self.cipher if isinstance(self.cipher, KeyringCipher) else None

    def to_stored_event(self, domain_event: DomainEventProtocol[uuid.UUID]) -> StoredEvent:
        keyring = self._keyring()
        if keyring is None:
            return super().to_stored_event(domain_event)
        aggregate_id = domain_event.originator_id
        if domain_event.originator_version == 1:
            owner = owner_of_created(domain_event)
            keyring.remember(aggregate_id, owner)
        else:
            owner = keyring.stream_owner(aggregate_id)
        token = _encrypting_for.set(owner)
        try:
            return super().to_stored_event(domain_event)
        finally:
            _encrypting_for.reset(token)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[uuid.UUID]:
        try:
            return super().to_domain_event(stored_event)
        except MapperDeserialisationError as exc:
            destroyed = exc.__cause__
            if not isinstance(destroyed, KeyDestroyed):
                raise
            originator_id = stored_event.originator_id
            redacted = Redacted(
                originator_id=originator_id
                if isinstance(originator_id, uuid.UUID)
                else uuid.UUID(str(originator_id)),
                originator_version=stored_event.originator_version,
                timestamp=destroyed.destroyed_at,
                redacted_type=resolve_topic(stored_event.topic).__name__,
                owner_id=destroyed.owner_id,
            )
            return cast(DomainEventProtocol[uuid.UUID], redacted)
