"""The minimum password strength: length, then the guesses attackers try first."""

from __future__ import annotations

import pytest

from commands.adapters.passwords import check_strength, hash_password, verify_password
from commands.errors import WeakPassword

EMAIL = "asha.verma@example.com"


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "password123",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "9876543210",
        "qwertyuiop",
        "abcabcabcabc",
        "121212121212",
        "burnblack2026",
        "Asha.Verma-rocks",
        "x" * 1025,
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_strength(password, EMAIL)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "monsoon-kite-1987", "I love filing in July!"]
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_strength(password, EMAIL)


def test_passwords_are_stored_as_argon2id_hashes() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "correct horse battery stapl")
