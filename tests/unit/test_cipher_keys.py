"""Where the event-store key comes from, and that production never runs without one."""

from __future__ import annotations

import base64
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from burnblack.keys import KEY_FILE_NAME, generate_key, resolve_cipher_key
from burnblack.settings import Settings


def test_an_explicit_key_wins_and_is_validated(tmp_path: Path) -> None:
    key = generate_key()
    assert len(base64.b64decode(key)) == 32
    assert resolve_cipher_key(key, None, tmp_path, production=True) == key
    with pytest.raises(SystemExit, match="base64"):
        resolve_cipher_key("not a key!", None, tmp_path, production=False)
    with pytest.raises(SystemExit, match="16, 24 or 32 bytes"):
        resolve_cipher_key(base64.b64encode(b"short").decode(), None, tmp_path, production=False)


def test_a_key_file_is_read(tmp_path: Path) -> None:
    key = generate_key()
    (tmp_path / "secret").write_text(key + "\n")
    assert resolve_cipher_key(None, tmp_path / "secret", tmp_path, production=True) == key
    with pytest.raises(SystemExit, match="BURNBLACK_CIPHER_KEY_FILE"):
        resolve_cipher_key(None, tmp_path / "missing", tmp_path, production=True)


def test_production_without_a_key_stops_with_a_clear_message(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BURNBLACK_ENV": "production", "BURNBLACK_DATA_DIR": str(tmp_path), "DATABASE_URL": "x"}
    )
    with pytest.raises(SystemExit, match=r"BURNBLACK_CIPHER_KEY .* must be set in production"):
        settings.require_cipher_key()
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_development_keeps_one_key_in_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: resolve_cipher_key(None, None, data, False), range(16)))
    assert len(keys) == 1
    path = data / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_cipher_key(None, None, data, False) == keys.pop()
    assert [p.name for p in data.iterdir()] == [KEY_FILE_NAME]
