"""`burnblack up` with no DATABASE_URL / REDIS_URL: embedded servers, same flow, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import ROOT, free_port
from tests.taxpayer import Taxpayer

pytestmark = pytest.mark.e2e


def _start_up(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "burnblack", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"burnblack up exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(log.read_text()[-3000:])


def _ctrl_c(proc: subprocess.Popen[bytes]) -> int:
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    return proc.wait(timeout=60)


def _leftovers(data_dir: Path) -> str:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return "\n".join(line for line in out.splitlines() if str(data_dir) in line)


def test_up_serves_the_flow_on_embedded_servers_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir, log, port = tmp_path / "data", tmp_path / "up.log", free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start_up(data_dir, port, log)
    try:
        _wait_ready(url, proc, log)
        text = log.read_text()
        assert "DATABASE_URL=postgresql://" in text and "REDIS_URL=unix://" in text
        me = Taxpayer(url).register_and_login()
        fid = me.start_filing("2026-27")["id"]
        v = me.put(f"/api/v1/filings/{fid}/income", 1, {"salary": {"gross": 1_275_000}}).json()
        r = me.post(f"/api/v1/filings/{fid}/computations", v["version"])
        assert r.status_code == 202, r.text
        doc = me.wait_for(fid, lambda d: d["status"] == "computed", timeout=60)
        assert doc["computation"]["new"]["total_tax"] == 0  # 12,00,000 taxable: full rebate
        r = me.post(f"/api/v1/filings/{fid}/submission", doc["version"], {"regime": "new"})
        assert r.status_code == 200, r.text
    finally:
        code = _ctrl_c(proc)
    assert code == 0, log.read_text()[-3000:]
    time.sleep(1)
    assert _leftovers(data_dir) == "", "embedded servers outlived `burnblack up`"

    # The data folder is kept: a second run finds the account and the return.
    proc = _start_up(data_dir, port, log)
    try:
        _wait_ready(url, proc, log)
        again = Taxpayer(url, email=me.email)
        r = again.client.post(
            "/api/v1/auth/login",
            json={"email": me.email, "password": "correct horse battery staple"},
        )
        assert r.status_code == 200
        doc = again.wait_for(fid, lambda d: d["status"] == "submitted")
        assert doc["acknowledgement_number"]
    finally:
        assert _ctrl_c(proc) == 0
