"""The secret of the blind indexes (`domain.blind_index`): PAN claims and email lookups.

An index entry's id is an HMAC of the PAN or email under this key, so ids reveal nothing
to whoever reads URLs or the events table; the key never reaches the database. Where it
comes from, first match wins:

1. `BURNBLACK_INDEX_KEY` (base64 of 16, 24 or 32 random bytes; `burnblack keys generate`);
2. `BURNBLACK_INDEX_KEY_FILE` (a file holding that);
3. outside production only: derived from the cipher key (an HMAC of it with a fixed label),
   so development, tests and `burnblack up` need nothing more.

In production a missing index key stops the process at start-up. It is a key of its own
because the indexes must outlive a rotation of the cipher key: changing the index key
orphans every index entry (re-run `burnblack ids migrate` with the new key to rebuild them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

from burnblack.keys import validate_key

_DERIVATION_LABEL = b"burnblack blind-index key v1"


def resolve_index_key(
    key: str | None, key_file: Path | None, cipher_key: str, production: bool
) -> bytes:
    if key:
        return base64.b64decode(validate_key(key, "BURNBLACK_INDEX_KEY"))
    if key_file is not None:
        try:
            text = key_file.read_text()
        except OSError as exc:
            raise SystemExit(f"BURNBLACK_INDEX_KEY_FILE {key_file}: {exc.strerror}") from None
        return base64.b64decode(validate_key(text, str(key_file)))
    if production:
        raise SystemExit(
            "BURNBLACK_INDEX_KEY (or BURNBLACK_INDEX_KEY_FILE) must be set in production: it "
            "keys the PAN and email indexes. Generate one with `burnblack keys generate`, "
            "keep it in your secret store beside the cipher key, and give every process the "
            "same key (see docs/security.md)."
        )
    raw = base64.b64decode(cipher_key)
    return hmac.new(raw, _DERIVATION_LABEL, hashlib.sha256).digest()
