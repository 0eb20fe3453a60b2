"""Where the blind indexes' key comes from (burnblack/index_key.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from burnblack.keys import generate_key
from burnblack.settings import Settings
from tests.cipher import TEST_CIPHER_KEY


def test_production_refuses_to_start_without_an_index_key() -> None:
    production = Settings.from_env(
        {"BURNBLACK_ENV": "production", "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY}
    )
    with pytest.raises(SystemExit, match=r"BURNBLACK_INDEX_KEY .* must be set in production"):
        production.require_index_key()


def test_a_given_key_wins_and_is_not_the_cipher_key(tmp_path: Path) -> None:
    key = generate_key()
    given = Settings.from_env({"BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY, "BURNBLACK_INDEX_KEY": key})
    path = tmp_path / "index.key"
    path.write_text(key + "\n")
    from_file = Settings.from_env(
        {"BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY, "BURNBLACK_INDEX_KEY_FILE": str(path)}
    )
    derived = Settings.from_env({"BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY})
    assert given.require_index_key() == from_file.require_index_key()
    assert derived.require_index_key() == derived.require_index_key()  # stable across processes
    assert derived.require_index_key() != given.require_index_key()
    assert len(derived.require_index_key()) == 32


@pytest.mark.parametrize("bad", ["not base64!", "c2hvcnQ="])
def test_a_bad_index_key_stops_the_process(bad: str) -> None:
    settings = Settings.from_env(
        {"BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY, "BURNBLACK_INDEX_KEY": bad}
    )
    with pytest.raises(SystemExit, match="BURNBLACK_INDEX_KEY"):
        settings.require_index_key()


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY, "BURNBLACK_INDEX_KEY_FILE": str(tmp_path / "x")}
    )
    with pytest.raises(SystemExit, match="BURNBLACK_INDEX_KEY_FILE"):
        settings.require_index_key()
