"""Where uploaded files live: content-addressed by SHA-256, behind a small port.

`BlobStore` is the port (put/get/exists). A blob is written before the event that refers
to it, and only under its own hash, so a put is idempotent and a failed save leaves at most
an unreferenced blob, never an event pointing at nothing. Stored bytes are checked against
their hash on the way out.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobMissing(LookupError):
    """No blob under that hash (or its bytes no longer match it)."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hash(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a lowercase hex SHA-256")
    return sha256


class BlobStore(Protocol):
    def put(self, sha256: str, data: bytes, media_type: str) -> None: ...

    def get(self, sha256: str) -> bytes: ...

    def raw(self, name: str) -> bytes:
        """The stored bytes under a name, unchecked: sealed blobs (commands/sealed_blobs.py)
        are named by owner and content, and authenticated by their cipher instead."""
        ...

    def exists(self, sha256: str) -> bool: ...


def verified(sha256: str, data: bytes) -> bytes:
    if sha256_of(data) != sha256:
        raise BlobMissing(f"blob {sha256} is corrupt: its bytes do not match its hash")
    return data


class LocalBlobStore:
    """A folder: `<root>/ab/cd/abcd…` (two levels of fan-out), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes, media_type: str) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        return verified(sha256, self.raw(sha256))

    def raw(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"no blob {name}") from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()
