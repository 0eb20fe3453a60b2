"""Every key and channel Burnblack keeps in Redis, in one place.

Everything is under `bb:`; RQ's own keys (`rq:…`) are RQ's. Redis runs with `noeviction`, so
what is here is all that can fill it: each entry says who writes it and how it goes away.

Read cache of the filing read models (projections/cache/), `<v>` the read model's version:
- `bb:rm-version:filing_summary`: the live version; set by a rebuild's switch; one key.
- `bb:rm<v>:filing:<owner>:<filing>`, `bb:rm<v>:filings:<owner>:<generation>:<page>`:
  cached answers, stored by readers on a miss and by the projector after a batch; TTL.
- `bb:rm<v>:filings-gen:<owner>`: an owner's list generation (the projector bumps it); kept.
- `<a cached answer's key>:loading`: the one reader loading a missing entry; 2 s.
Read-your-writes (projections/consistency.py):
- `bb:projection-position:<name>`, a key and a channel: the projector's position, set and
  published after each commit; one per projection.
- `bb:ryw-waits:<user>`: how many reads a user has waiting; TTL.
Documents: `bb:doc-progress:<document>`, a worker's live progress (workers/documents.py),
read by projections/read_models/documents/queries.py; TTL.
Stream: channels `bb:stream:user:<owner>` and `bb:stream:all` (published by the projector,
nothing stored); `bb:stream-sockets:<user>`, a user's open sockets (api/stream/leases.py).
The API's own: `bb:idem:<user>:<sha256 of the key>` (idempotent commands), `bb:session:<hash>`
and `bb:user-sessions:<user>` (sessions), `bb:lockout:account:<digest>` and
`bb:lockout:ip:<address>` (login lockout), `bb:ratelimit:…` (the `limits` library); each
expires on its own.
Tooling: the tests and load tests claim a Redis database each with `bb-test-claim:<db>` in
database 0 (tests/servers.py, burnblack/loadtest/stack.py); 3 hours.

It lives in `projections/`, the lowest layer every process that talks to Redis may import
(the API, the workers and the projector): nothing here does I/O or imports anything.
"""

from __future__ import annotations

import uuid

# The filing read models' cache (projections/cache/). Keys carry the read model's version
# (bumped when a rebuild switches tables) and the user.
MODEL_VERSION_KEY = "bb:rm-version:filing_summary"
LOADING_SUFFIX = ":loading"


def filing_key(model_version: int, owner_id: str, filing_id: uuid.UUID | str) -> str:
    return f"bb:rm{model_version}:filing:{owner_id}:{filing_id}"


def list_generation_key(model_version: int, owner_id: str) -> str:
    return f"bb:rm{model_version}:filings-gen:{owner_id}"


def list_key_prefix(model_version: int, owner_id: str) -> str:
    """A list page's key up to its generation (the Lua scripts add the generation)."""
    return f"bb:rm{model_version}:filings:{owner_id}:"


def list_key_suffix(page: str) -> str:
    """A list page's key after its generation."""
    return f":{page}"


def list_key(model_version: int, owner_id: str, generation: int | str, page: str) -> str:
    return list_key_prefix(model_version, owner_id) + f"{generation}" + list_key_suffix(page)


def loading_key(key: str) -> str:
    """The lock of the one reader that loads a missing entry."""
    return key + LOADING_SUFFIX


def owner_cache_patterns(owner_id: str) -> tuple[str, ...]:
    """SCAN patterns of every cache entry of one owner, in every read-model version."""
    return (f"bb:rm*:filing:{owner_id}:*", f"bb:rm*:filings*:{owner_id}*")


# Read-your-writes: the projector's position (a key and a channel of the same name).
def position_key(projection: str) -> str:
    return f"bb:projection-position:{projection}"


def position_channel(projection: str) -> str:
    return f"bb:projection-position:{projection}"


def waits_key(waiter: str) -> str:
    """How many reads one user has waiting for the projector."""
    return f"bb:ryw-waits:{waiter}"


# Documents: a worker's live progress while it reads one.
def progress_key(document_id: uuid.UUID | str) -> str:
    return f"bb:doc-progress:{document_id}"


# The taxpayer's stream of changes (projections/read_models/stream/, api/stream/).
STREAM_BROADCAST_CHANNEL = "bb:stream:all"


def stream_user_channel(owner_id: str) -> str:
    return f"bb:stream:user:{owner_id}"


def stream_sockets_key(user: str) -> str:
    """One user's open sockets (leases)."""
    return f"bb:stream-sockets:{user}"


# The API's own state.
def idempotency_key(user_id: str, key_digest: str) -> str:
    return f"bb:idem:{user_id}:{key_digest}"


SESSION_PREFIX = "bb:session:"
USER_SESSIONS_PREFIX = "bb:user-sessions:"
LOCKOUT_ACCOUNT_PREFIX = "bb:lockout:account:"
LOCKOUT_IP_PREFIX = "bb:lockout:ip:"
RATE_LIMIT_PREFIX = "bb:ratelimit"


def db_claim_key(db: int) -> str:
    """Who uses Redis database `db` (a test session, a load test); kept in database 0."""
    return f"bb-test-claim:{db}"
