"""Where promtool is: on PATH (Debian package `prometheus`) or fetched by `make promtool`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def promtool() -> str:
    found = shutil.which("promtool") or str(ROOT / ".tools" / "bin" / "promtool")
    if not Path(found).exists():
        pytest.skip("promtool missing: `make promtool` fetches it (Debian package prometheus)")
    return found
