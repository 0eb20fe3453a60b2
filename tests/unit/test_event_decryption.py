"""The projections' decryption of stored events reads exactly what the library's AES-GCM
cipher wrote, and refuses anything altered, as the library does."""

from __future__ import annotations

import base64
import os

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment
from hypothesis import given
from hypothesis import strategies as st

from projections.eventlog.records import decryptor

CIPHER = AESCipher(Environment(env={"CIPHER_KEY": base64.b64encode(os.urandom(32)).decode()}))
DECRYPT = decryptor(CIPHER)


@given(st.binary(max_size=20_000))
def test_it_reads_what_the_library_wrote(plaintext: bytes) -> None:
    stored = CIPHER.encrypt(plaintext)
    assert DECRYPT(stored) == plaintext == CIPHER.decrypt(stored)


@given(st.binary(min_size=0, max_size=2_000), st.data())
def test_any_altered_byte_is_refused(plaintext: bytes, data: st.DataObject) -> None:
    stored = bytearray(CIPHER.encrypt(plaintext))
    at = data.draw(st.integers(0, len(stored) - 1))
    stored[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ValueError):
        DECRYPT(bytes(stored))
    with pytest.raises(ValueError):  # the library agrees
        CIPHER.decrypt(bytes(stored))


@given(st.binary(max_size=27))
def test_too_short_to_hold_nonce_and_tag_is_refused(stored: bytes) -> None:
    with pytest.raises(ValueError):
        DECRYPT(stored)


def test_another_key_cannot_read_it() -> None:
    other = AESCipher(Environment(env={"CIPHER_KEY": base64.b64encode(os.urandom(32)).decode()}))
    with pytest.raises(ValueError):
        decryptor(other)(CIPHER.encrypt(b'{"pan": "ABCPE1234F"}'))


def test_a_cipher_of_another_kind_decrypts_itself() -> None:
    class Reversing(AESCipher):
        def decrypt(self, ciphertext: bytes) -> bytes:
            return ciphertext[::-1]

    reversing = Reversing(
        Environment(env={"CIPHER_KEY": base64.b64encode(os.urandom(16)).decode()})
    )
    assert decryptor(reversing)(b"cba") == b"abc"
