"""Real burnblack processes for end-to-end tests: started, awaited, stopped, restarted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.cipher import TEST_CIPHER_KEY

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: dict[str, str],
        log_dir: Path,
        prefix: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.args = list(args)
        self.prefix = list(prefix)
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [*self.prefix, sys.executable, "-m", "burnblack", *self.args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# Every e2e client calls from 127.0.0.1: limits and the address lockout are set high enough
# that tests never trip them by accident (tests of the limits pass their own `env`).
TEST_SECURITY_ENV = {
    "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
    "BURNBLACK_RATE_LIMIT_STANDARD": "100000/minute",
    "BURNBLACK_RATE_LIMIT_EXPENSIVE": "100000/minute",
    "BURNBLACK_RATE_LIMIT_AUTH": "100000/minute",
    "BURNBLACK_LOCKOUT_IP_THRESHOLD": "100000",
}


class Platform:
    """An API (or several), a worker and a projector on the test database and Redis."""

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        log_dir: Path,
        api_count: int = 1,
        env: dict[str, str] | None = None,
        clock: str | None = None,
    ) -> None:
        """`clock`: start every process with its clock pinned there (e.g. "2027-01-02
        10:00:00"; it runs on from that instant) by libfaketime's `faketime`."""
        env = {
            **os.environ,
            **TEST_SECURITY_ENV,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BURNBLACK_DB_POOL_SIZE": "4",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.env = env
        self.log_dir = log_dir
        self.ports = [free_port() for _ in range(api_count)]
        # -m: the multi-threaded libfaketime (Granian, psycopg_pool and RQ run threads).
        prefix = ["faketime", "-m", clock] if clock else []
        self.apis = [
            Process(
                f"api-{i}", ["api", "--host", "127.0.0.1", "--port", str(p)], env, log_dir, prefix
            )
            for i, p in enumerate(self.ports)
        ]
        self.worker = Process("worker", ["worker"], env, log_dir, prefix)
        self.projector = Process("projector", ["projector"], env, log_dir, prefix)

    @property
    def processes(self) -> list[Process]:
        return [*self.apis, self.worker, self.projector]

    def url(self, i: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def start(self) -> None:
        for p in self.processes:
            p.start()
        try:
            for i in range(len(self.apis)):
                self.wait_live(i)
        except BaseException:
            self.stop()  # never leave processes behind to take another session's jobs
            raise

    def stop(self) -> None:
        for p in self.processes:
            p.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait_live(self, i: int = 0, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            api = self.apis[i]
            if api.proc is not None and api.proc.poll() is not None:
                raise RuntimeError(f"{api.name} exited:\n{api.log_tail()}")
            try:
                if httpx.get(self.url(i) + "/health/live", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.apis[i].name} not live:\n{self.apis[i].log_tail()}")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in self.processes)
