"""Data keys: one AES-256 key per taxpayer, wrapped by the master key, destroyable.

The master key (`BURNBLACK_CIPHER_KEY`) encrypts no personal data itself any more: it wraps
(AES key wrap, RFC 3394) the data keys kept in the `data_keys` table. Destroying a row's
wrapped key (`destroy`) makes everything encrypted with it unreadable for good, without
touching what was encrypted: that is the erasure (crypto-shredding). Rotating the master key
re-wraps every data key (`rewrap`); no event is rewritten.

Owners are account ids, plus two of the platform's own:

- `legacy`: the master key as it was when this table was made, for events written before
  data keys existed (they carry no key id and are read with it: migration without rewrite);
- `system`: events that belong to no taxpayer (the audit trail, the admin roster).

Unwrapped keys are cached per process. Every `cache_seconds` at most, a use of the cache
first asks which keys were destroyed since it last asked (one indexed query, however many
keys are cached) and forgets them: an erasure made by another process is noticed within that
time (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from domain.erasure import KeyDestroyed

LEGACY_OWNER = "legacy"
SYSTEM_OWNER = "system"
LEGACY_KEY_ID = uuid.UUID(int=0)

DDL = """
CREATE TABLE IF NOT EXISTS data_keys (
    key_id uuid PRIMARY KEY,
    owner_id text NOT NULL UNIQUE,
    wrapped bytea,                 -- NULL once destroyed: the erasure
    master_key_id text,            -- which master key wrapped it (rotation)
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
);
-- What every process polls (`_evict_destroyed`): the keys destroyed lately, by index.
CREATE INDEX IF NOT EXISTS data_keys_destroyed ON data_keys (destroyed_at)
    WHERE destroyed_at IS NOT NULL;
"""
_CACHED_KEYS = 100_000
_DESTROY_MARGIN = dt.timedelta(seconds=60)  # a destroying statement commits well within it
_DDL_LOCK = 0x6B657973  # "keys"


def master_key_id(master: bytes) -> str:
    """A public name for a master key (not the key): which one wrapped a data key."""
    return hmac.new(master, b"burnblack master key id", hashlib.sha256).hexdigest()[:16]


class MasterKeyMismatch(ValueError):
    """No configured master key wrapped this data key (a wrong or a retired key)."""


_NONCE_LABEL = b"burnblack sealed field nonce"


@dataclass(frozen=True)
class DataKey:
    key_id: uuid.UUID
    owner_id: str
    aead: AESGCM
    # Keys the synthetic nonces of deterministic sealing (commands/keyring.py:
    # `seal_deterministic`), derived from the data key: destroyed with it.
    nonce_key: bytes = b""


class DataKeys:
    """The `data_keys` table and the unwrapped keys a process has used lately.

    `masters`: the current master key first, then older ones still accepted while a rotation
    re-wraps (`BURNBLACK_OLD_CIPHER_KEYS`). New keys are always wrapped with the first."""

    def __init__(self, conninfo: str, masters: Sequence[bytes], cache_seconds: float = 2.0):
        if not masters:
            raise ValueError("at least one master key is needed")
        self._conninfo = conninfo
        self._masters = {master_key_id(m): m for m in masters}
        self._current = master_key_id(masters[0])
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._pid = os.getpid()
        self._inherited: list[Any] = []
        self._by_id: dict[uuid.UUID, DataKey] = {}
        self._checked: tuple[float, dt.datetime] | None = None  # (monotonic, database time)
        self._by_owner: dict[str, uuid.UUID] = {}  # an owner's key id never changes
        self._ready = False

    # --- plumbing ----------------------------------------------------------------------

    def _forked(self) -> None:
        """In a forked child (a rebuild's partition loaders): a lock and a connection of its
        own. The parent's connection is kept, never used or closed: closing it here would
        end the parent's session on the shared socket."""
        self._inherited.append(self._conn)
        self._conn = None
        self._lock = threading.Lock()  # the parent's may have been held at the fork
        self._pid = os.getpid()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._pid != os.getpid():
            self._forked()
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = psycopg.connect(self._conninfo, autocommit=True)
                    cur = self._conn.execute(sql.encode(), params)
                    return cur.fetchall() if cur.description else []
                except psycopg.OperationalError:
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def ensure_schema(self) -> None:
        """The table, and the `legacy` key: the master key in use when data keys arrived
        (idempotent; concurrent first starts agree on one row)."""
        if self._ready:
            return
        with psycopg.connect(self._conninfo, autocommit=True) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            conn.execute(DDL.encode())
            master = self._masters[self._current]
            conn.execute(
                "INSERT INTO data_keys (key_id, owner_id, wrapped, master_key_id) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (LEGACY_KEY_ID, LEGACY_OWNER, aes_key_wrap(master, master), self._current),
            )
        self._ready = True

    def close(self) -> None:
        if self._pid != os.getpid():
            self._forked()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _unwrap(self, key_id: uuid.UUID, wrapped: bytes, master_id: str) -> bytes:
        master = self._masters.get(master_id)
        if master is None:
            raise MasterKeyMismatch(
                f"data key {key_id} is wrapped by master key {master_id}, which is not "
                "configured (BURNBLACK_CIPHER_KEY / BURNBLACK_OLD_CIPHER_KEYS)"
            )
        try:
            return aes_key_unwrap(master, wrapped)
        except InvalidUnwrap:
            raise MasterKeyMismatch(f"data key {key_id} does not unwrap") from None

    # --- reading keys ------------------------------------------------------------------

    def _evict_destroyed(self) -> None:
        now = time.monotonic()
        if self._checked is not None and now - self._checked[0] < self._cache_seconds:
            return
        if self._checked is None:  # nothing cached yet: only where to start from
            rows = self.execute("SELECT /* data-keys-poll */ now(), '{}'::uuid[]")
        else:
            rows = self.execute(
                "SELECT /* data-keys-poll */ now(), array(SELECT key_id FROM data_keys "
                "WHERE destroyed_at IS NOT NULL AND destroyed_at >= %s)",
                (self._checked[1] - _DESTROY_MARGIN,),
            )
        for key_id in rows[0][1]:
            self._by_id.pop(key_id, None)
        self._checked = (now, rows[0][0])

    def by_id(self, key_id: uuid.UUID) -> DataKey:
        """The key, or KeyDestroyed; LookupError for an id that is not in the table."""
        self.ensure_schema()
        self._evict_destroyed()
        cached = self._by_id.get(key_id)
        if cached is not None:
            return cached
        rows = self.execute(
            "SELECT owner_id, wrapped, master_key_id, destroyed_at FROM data_keys "
            "WHERE key_id = %s",
            (key_id,),
        )
        if not rows:
            raise LookupError(f"no data key {key_id}")
        owner, wrapped, master_id, destroyed_at = rows[0]
        if wrapped is None:
            self._by_id.pop(key_id, None)
            raise KeyDestroyed(key_id, owner, destroyed_at)
        raw = self._unwrap(key_id, bytes(wrapped), master_id)
        nonce_key = hmac.new(raw, _NONCE_LABEL, hashlib.sha256).digest()
        key = DataKey(key_id, owner, AESGCM(raw), nonce_key)
        if len(self._by_id) >= _CACHED_KEYS:
            self._by_id.clear()  # rare, and refilled on use
        self._by_id[key_id] = key
        return key

    def for_owner(self, owner_id: str) -> DataKey:
        """The owner's key, made on first use. KeyDestroyed once the owner was erased: an
        erased taxpayer's data is never encrypted again under a new key."""
        key_id = self._by_owner.get(owner_id)
        if key_id is None:
            self.ensure_schema()
            fresh = secrets.token_bytes(32)
            rows = self.execute(
                "WITH made AS (INSERT INTO data_keys (key_id, owner_id, wrapped, master_key_id) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (owner_id) DO NOTHING RETURNING key_id) "
                "SELECT key_id FROM made UNION ALL "
                "SELECT key_id FROM data_keys WHERE owner_id = %s",
                (
                    uuid.uuid4(),
                    owner_id,
                    aes_key_wrap(self._masters[self._current], fresh),
                    self._current,
                    owner_id,
                ),
            )
            if not rows:  # made at the same moment by another process: visible now
                rows = self.execute("SELECT key_id FROM data_keys WHERE owner_id = %s", (owner_id,))
            key_id = rows[0][0]
            assert isinstance(key_id, uuid.UUID)
            self._by_owner[owner_id] = key_id
        return self.by_id(key_id)

    # --- erasure and rotation ----------------------------------------------------------

    def destroy(self, owner_id: str) -> dt.datetime | None:
        """Destroys the owner's key (idempotent); when it was destroyed, or None if the owner
        never had one. The row stays: its id still says whose data is gone, and when."""
        if owner_id in (LEGACY_OWNER, SYSTEM_OWNER):
            raise ValueError(f"the {owner_id} key belongs to no one and cannot be erased")
        self.ensure_schema()
        rows = self.execute(
            "UPDATE data_keys SET wrapped = NULL, master_key_id = NULL, "
            "destroyed_at = coalesce(destroyed_at, now()) WHERE owner_id = %s "
            "RETURNING key_id, destroyed_at",
            (owner_id,),
        )
        if not rows:
            return None
        self._by_id.pop(rows[0][0], None)
        destroyed_at = rows[0][1]
        assert isinstance(destroyed_at, dt.datetime)
        return destroyed_at

    def rewrap(self) -> tuple[int, int]:
        """Re-wraps every live data key not wrapped by the current master key with it, each
        row in its own statement guarded by the id it had (safe beside running processes and
        a second rotation). Returns (re-wrapped, already current)."""
        self.ensure_schema()
        current = self._masters[self._current]
        done = 0
        rows = self.execute(
            "SELECT key_id, wrapped, master_key_id FROM data_keys "
            "WHERE wrapped IS NOT NULL AND master_key_id <> %s",
            (self._current,),
        )
        for key_id, wrapped, master_id in rows:
            raw = self._unwrap(key_id, bytes(wrapped), master_id)
            done += len(
                self.execute(
                    "UPDATE data_keys SET wrapped = %s, master_key_id = %s "
                    "WHERE key_id = %s AND master_key_id = %s AND wrapped IS NOT NULL "
                    "RETURNING key_id",
                    (aes_key_wrap(current, raw), self._current, key_id, master_id),
                )
            )
        kept = self.execute(
            "SELECT count(*) FROM data_keys WHERE master_key_id = %s", (self._current,)
        )[0][0]
        return done, int(kept) - done

    def owner_of(self, key_id: uuid.UUID) -> str | None:
        rows = self.execute("SELECT owner_id FROM data_keys WHERE key_id = %s", (key_id,))
        return str(rows[0][0]) if rows else None
