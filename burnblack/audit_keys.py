"""The Ed25519 key that signs daily roots and exported audit bundles.

Where it comes from, first match wins (read once, by the CLI that signs):

1. `BURNBLACK_AUDIT_SIGNING_KEY` (base64 of a 32-byte Ed25519 private key; `burnblack audit
   generate-key`);
2. `BURNBLACK_AUDIT_SIGNING_KEY_FILE` (a file holding that);
3. outside production only: `<data dir>/audit-signing.key`, created on first use (mode 0600).

It is not the cipher key: it decrypts nothing, and its public half (`burnblack audit
public-key`) is what a third party needs to check a bundle. Losing it only means later
bundles and days are signed by a new key (publish both public keys); leaking it lets someone
forge bundles, so keep it beside the cipher key in the secret store.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from burnblack.keys import created_once

KEY_FILE_NAME = "audit-signing.key"


class AuditKeyError(SystemExit):
    """A key that cannot be used: the CLI stops with its message."""


def generate_key() -> str:
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


def _decode(text: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{source} is not base64") from None
    if len(raw) != 32:
        raise AuditKeyError(f"{source} must decode to 32 bytes, not {len(raw)}")
    return raw


def private_key(text: str, source: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_decode(text, source))


def public_key(text: str, source: str = "the public key") -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_decode(text, source))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


def public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_bytes(key)).decode("ascii")


def check(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _data_dir_key(data_dir: Path) -> str:
    return created_once(data_dir / KEY_FILE_NAME, generate_key)


def signing_key(env: Mapping[str, str], data_dir: Path, production: bool) -> Ed25519PrivateKey:
    if text := env.get("BURNBLACK_AUDIT_SIGNING_KEY"):
        return private_key(text, "BURNBLACK_AUDIT_SIGNING_KEY")
    if file := env.get("BURNBLACK_AUDIT_SIGNING_KEY_FILE"):
        try:
            return private_key(Path(file).read_text(), file)
        except OSError as exc:
            raise AuditKeyError(
                f"BURNBLACK_AUDIT_SIGNING_KEY_FILE {file}: {exc.strerror}"
            ) from None
    if production:
        raise AuditKeyError(
            "BURNBLACK_AUDIT_SIGNING_KEY (or _FILE) must be set in production: it signs the "
            "daily roots and audit bundles. Generate one with `burnblack audit generate-key`."
        )
    return private_key(_data_dir_key(data_dir), str(data_dir / KEY_FILE_NAME))
