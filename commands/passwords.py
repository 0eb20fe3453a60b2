"""Password hashing (argon2id) and the minimum strength policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from commands.errors import WeakPassword

_hasher = PasswordHasher()
MIN_LENGTH = 10
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


def check_strength(password: str, email: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise WeakPassword("password must be at most 1024 characters")
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
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
