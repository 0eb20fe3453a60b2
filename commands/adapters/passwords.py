"""Password hashing (argon2id) and the minimum strength policy."""

from __future__ import annotations

import itertools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from commands.errors import WeakPassword

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 0.1 s of one core
# here, affordable for every login on deadline day. Hashes made with other parameters are
# upgraded at the next successful login (`needs_rehash`).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 10
MAX_LENGTH = 1024
_COMMON = frozenset(
    {
        "password",
        "passw0rd",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "iloveyou12",
        "password123",
        "password12",
        "welcome123",
        "admin12345",
    }
)


# Words a guesser tries first against this service (NIST SP 800-63B "context-specific words").
_CONTEXT_WORDS = ("burnblack", "incometax", "password", "itreturn")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def _is_run(text: str) -> bool:
    """abcdefghij, 9876543210, qwertyuiop...: consecutive letters, digits or keys."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    if steps <= {1} or steps <= {-1}:
        return True
    return any(text in row or text in row[::-1] for row in _KEYBOARD_ROWS)


def _is_repetition(text: str) -> bool:
    """abcabcabcabc, 12121212...: a short unit repeated."""
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, 5))


def check_strength(password: str, email: str) -> None:
    """Length first (NIST SP 800-63B), then the guesses every attacker tries first.

    No composition rules (they make passwords harder to remember, not to guess)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    compact = "".join(lowered.split())
    if (
        lowered in _COMMON
        or len(set(password)) < 4
        or _is_run(compact)
        or _is_repetition(compact)
        or any(word in compact and len(compact) - len(word) < 6 for word in _CONTEXT_WORDS)
    ):
        raise WeakPassword("password is too easy to guess")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        raise WeakPassword("password must not contain the email address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verified against when the account does not exist, so a miss costs as much as a hit.
DUMMY_HASH = _hasher.hash("burnblack-timing-equaliser")
