"""The master key: it wraps the per-taxpayer data keys that encrypt personal data (AES-GCM).

Where it comes from, first match wins:

1. `BURNBLACK_CIPHER_KEY` (base64 of 16, 24 or 32 random bytes; `burnblack keys generate`);
2. `BURNBLACK_CIPHER_KEY_FILE` (a file holding that, e.g. a container secret);
3. outside production only: `<data dir>/cipher.key`, created on first use (mode 0600).

In production (`BURNBLACK_ENV=production`) a missing key stops the process at start-up:
generating one there would encrypt data with a key nobody kept. Losing the key loses
every return's personal data; keep it in a secret store, never in the repository.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

KEY_FILE_NAME = "cipher.key"
KEY_BYTES = 32
# The master key wraps a data key per taxpayer (commands/datakeys.py); events are encrypted
# with their owner's data key (commands/keyring.py), AES-GCM through OpenSSL. Events written
# before data keys (the library's AESCipher format) are still read, with the `legacy` key.
CIPHER_TOPIC = "commands.keyring:KeyringCipher"
MAPPER_TOPIC = "commands.keyring:KeyedMapper"


def generate_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def validate_key(key: str, source: str) -> str:
    key = key.strip()
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise SystemExit(
            f"{source} is not base64; generate one with `burnblack keys generate`"
        ) from None
    if len(raw) not in (16, 24, 32):
        raise SystemExit(f"{source} must decode to 16, 24 or 32 bytes, not {len(raw)}")
    return key


def data_dir_key(data_dir: Path) -> str:
    """The key kept in the data folder, created once."""
    path = data_dir / KEY_FILE_NAME
    return validate_key(created_once(path, generate_key), str(path))


def created_once(path: Path, generate: Callable[[], str]) -> str:
    """The secret in `path`, written first with `generate()` if the file is missing
    (atomically, mode 0600: concurrent first starts agree on one secret)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generate() + "\n")
        try:
            os.link(tmp, path)  # fails if another process won the race: use theirs
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return path.read_text()


def resolve_cipher_key(
    key: str | None, key_file: Path | None, data_dir: Path, production: bool
) -> str:
    if key:
        return validate_key(key, "BURNBLACK_CIPHER_KEY")
    if key_file is not None:
        try:
            return validate_key(key_file.read_text(), str(key_file))
        except OSError as exc:
            raise SystemExit(f"BURNBLACK_CIPHER_KEY_FILE {key_file}: {exc.strerror}") from None
    if production:
        raise SystemExit(
            "BURNBLACK_CIPHER_KEY (or BURNBLACK_CIPHER_KEY_FILE) must be set in production: "
            "it encrypts personal data in the event store. Generate one with "
            "`burnblack keys generate`, keep it in your secret store, and give every "
            "process the same key (see docs/security.md)."
        )
    return data_dir_key(data_dir)
