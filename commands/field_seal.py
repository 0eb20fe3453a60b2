"""Read-model fields sealed with their owner's data key (the `FieldSeal` of
projections/read_models/sealing.py).

The same keys, format and cipher as the events (commands/keyring.py), with a synthetic nonce
so that a value re-derived by a rebuild seals to the bytes the live projector wrote.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

from commands.datakeys import DataKeys
from commands.keyring import KeyringCipher, seal_deterministic, sealed_key_id, unseal
from domain.erasure import KeyDestroyed


class KeyedFieldSeal:
    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys

    def seal(self, owner_id: str, plaintext: bytes) -> bytes | None:
        try:
            key = self.keys.for_owner(owner_id)
        except KeyDestroyed:
            return None
        return seal_deterministic(key, plaintext)

    def open(self, sealed: bytes) -> bytes | None:
        key_id = sealed_key_id(sealed)
        if key_id is None:
            return sealed  # written where no data keys were configured (`Unsealed`)
        try:
            key = self.keys.by_id(key_id)
        except KeyDestroyed:
            return None
        try:
            return unseal(key, sealed)
        except InvalidTag:
            raise ValueError(f"a sealed value of key {key_id} does not decrypt") from None


def field_seal(cipher: object) -> KeyedFieldSeal | None:
    """The sealer of an event store's cipher, or None when it has no data keys."""
    return KeyedFieldSeal(cipher.keys) if isinstance(cipher, KeyringCipher) else None
