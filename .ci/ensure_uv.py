"""Print the path of a `uv` binary, installing one into .tools/ if there is none.

Works with nothing but Python 3.11+: tries pip (which honours the machine's index settings),
then a plain venv, then fetches the uv wheel from PyPI with the standard library.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

UV_VERSION = "0.13.9"
ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


def _ok(path: Path | str | None) -> bool:
    if not path:
        return False
    try:
        subprocess.run([str(path), "--version"], check=True, capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def _quiet(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True).returncode == 0


def _from_venv() -> Path | None:
    venv = TOOLS / "venv"
    if not (venv / "bin" / "python").exists() and not _quiet(
        [sys.executable, "-m", "venv", str(venv)]
    ):
        return None
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"]
    return venv / "bin" / "uv" if _quiet(pip) else None


def _from_pypi() -> Path | None:
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
        platform.machine().lower()
    )
    if machine is None:
        return None
    with urllib.request.urlopen(f"https://pypi.org/pypi/uv/{UV_VERSION}/json", timeout=60) as r:
        files = json.load(r)["urls"]
    wheel = next(
        (
            f
            for f in files
            if f["filename"].endswith(".whl")
            and "manylinux" in f["filename"]
            and machine in f["filename"]
            and "musl" not in f["filename"]
        ),
        None,
    )
    if wheel is None:
        return None
    target = TOOLS / wheel["filename"]
    TOOLS.mkdir(exist_ok=True)
    urllib.request.urlretrieve(wheel["url"], target)
    with zipfile.ZipFile(target) as zf:
        member = next(n for n in zf.namelist() if n.endswith("/scripts/uv"))
        out = TOOLS / "bin" / "uv"
        out.parent.mkdir(exist_ok=True)
        with zf.open(member) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    out.chmod(out.stat().st_mode | stat.S_IEXEC)
    return out


def main() -> None:
    for candidate in (shutil.which("uv"), TOOLS / "bin" / "uv", TOOLS / "venv" / "bin" / "uv"):
        if _ok(candidate):
            print(candidate)
            return
    for install in (_from_venv, _from_pypi):
        try:
            path = install()
        except Exception as exc:  # try the next way
            print(f"ensure_uv: {install.__name__} failed: {exc}", file=sys.stderr)
            continue
        if _ok(path):
            print(path)
            return
    sys.exit("ensure_uv: could not install uv; install it (pip install uv) and retry")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
