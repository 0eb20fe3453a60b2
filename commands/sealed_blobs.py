"""Uploaded files encrypted at rest with their owner's data key.

A sealed blob is named by the owner's key and the file's SHA-256 (a hash of both: the name
says nothing about the file to anyone without the store's contents, and two taxpayers who
upload the same file get two blobs, so erasing one never breaks the other). Its bytes are
those of a sealed event state (commands/keyring.py: key id, nonce, AES-GCM), with the
file's SHA-256 as associated data; on the way out the plaintext is checked against it too.
Destroying the owner's key (the erasure) leaves the blob unreadable for good.

Files stored before sealing (in clear, under their own hash) are still read.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidTag

from commands.blobs import BlobMissing, BlobStore, check_hash, verified
from commands.datakeys import DataKey, DataKeys
from commands.keyring import MAGIC, sealed_key_id

_NONCE = 12


def blob_name(key: DataKey, sha256: str) -> str:
    return hashlib.sha256(
        b"burnblack blob\x00" + key.key_id.bytes + bytes.fromhex(sha256)
    ).hexdigest()


class BlobSealer:
    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys

    def put(
        self, store: BlobStore, owner_id: str, sha256: str, data: bytes, media_type: str
    ) -> None:
        key = self.keys.for_owner(owner_id)
        name = blob_name(key, check_hash(sha256))
        if store.exists(name):
            return
        header = MAGIC + key.key_id.bytes
        nonce = secrets.token_bytes(_NONCE)
        sealed = header + nonce + key.aead.encrypt(nonce, data, header + sha256.encode())
        store.put(name, sealed, "application/octet-stream")

    def get(self, store: BlobStore, owner_id: str, sha256: str) -> bytes:
        key = self.keys.for_owner(owner_id)  # KeyDestroyed once the owner was erased
        name = blob_name(key, check_hash(sha256))
        try:
            sealed = store.raw(name)
        except BlobMissing:
            return store.get(sha256)  # stored in clear before sealing
        if sealed_key_id(sealed) != key.key_id:
            raise BlobMissing(f"blob {name} is not sealed with its owner's key")
        header = sealed[: len(MAGIC) + 16]
        body = sealed[len(header) :]
        try:
            data = key.aead.decrypt(body[:_NONCE], body[_NONCE:], header + sha256.encode())
        except InvalidTag:
            raise BlobMissing(f"blob {name} is corrupt: it does not decrypt") from None
        return verified(sha256, data)
