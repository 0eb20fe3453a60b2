"""Keeps `burnblack up`'s children running: a child that exits is started again after an
exponential backoff, and only Ctrl-C (SIGINT) or SIGTERM stops everything.

A child that ran for `stable_after` seconds before it died starts again after `first_delay`;
one that keeps dying waits twice as long each time, up to `max_delay`. Every exit and
restart is logged (`supervisor.child_exited`, `supervisor.child_restarted`).

Children are started with PR_SET_PDEATHSIG (Linux): if the supervisor itself is killed
(SIGKILL), they get SIGTERM instead of running on as orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger(__name__)

PR_SET_PDEATHSIG = 1
_libc: ctypes.CDLL | None = None


def load_libc() -> ctypes.CDLL | None:
    """libc, loaded once, in the parent: a forked child must not look for it (that runs
    subprocesses and takes import locks another thread of the parent may have held)."""
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux only).

    Called in a freshly forked child (or by a process for itself). If the parent died
    before the call, exits at once."""
    libc = _libc if _libc is not None else load_libc()
    if libc is None:
        return
    parent = os.getppid()
    libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent was gone before the death signal was armed
        os._exit(1)


def children_die_with_me(sig: int = signal.SIGTERM) -> None:
    """Every child this process forks from now on (RQ's scheduler, for one) gets `sig` when
    this process dies, even by SIGKILL."""
    load_libc()
    os.register_at_fork(after_in_child=lambda: die_with_parent(sig))


@dataclass
class Child:
    name: str
    command: Sequence[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive quick deaths
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    commands: Mapping[str, Sequence[str]]
    env: Mapping[str, str] | None = None
    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    poll_interval: float = 0.2
    stop_timeout: float = 15.0
    on_event: Callable[[str], None] | None = None  # a human-readable line per exit/restart
    children: dict[str, Child] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def delay(self, failures: int) -> float:
        """Seconds to wait before the restart after `failures` consecutive quick deaths."""
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, failures - 1)))

    def stop(self, *_args: object) -> None:
        self._stop.set()

    def _start(self, child: Child) -> None:
        load_libc()
        child.proc = subprocess.Popen(
            list(child.command),
            env=dict(self.env) if self.env is not None else None,
            preexec_fn=die_with_parent,
        )
        child.started_at = time.monotonic()
        child.restart_at = None

    def _say(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

    def start(self) -> None:
        for name, command in self.commands.items():
            child = Child(name, command)
            self.children[name] = child
            self._start(child)
            log.info("supervisor.child_started", child=name, pid=child.proc and child.proc.pid)

    def step(self) -> None:
        """Notice exits and start what is due; called every `poll_interval`."""
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at and not self._stop.is_set():
                    self._start(child)
                    child.restarts += 1
                    pid = child.proc.pid if child.proc else None
                    log.warning(
                        "supervisor.child_restarted",
                        child=child.name,
                        pid=pid,
                        restarts=child.restarts,
                    )
                    self._say(f"{child.name} restarted (pid {pid})")
                continue
            if child.proc is None or child.proc.poll() is None:
                continue
            ran = now - child.started_at
            child.failures = 1 if ran >= self.stable_after else child.failures + 1
            wait = self.delay(child.failures)
            child.restart_at = now + wait
            log.warning(
                "supervisor.child_exited",
                child=child.name,
                pid=child.proc.pid,
                returncode=child.proc.returncode,
                ran_seconds=round(ran, 1),
                restart_in=wait,
            )
            self._say(
                f"{child.name} exited with {child.proc.returncode} after {ran:.1f}s; "
                f"restarting in {wait:g}s"
            )

    def run(self, install_signals: bool = True) -> None:
        """Start every child and keep them running until SIGINT/SIGTERM (or `stop()`)."""
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        try:
            self.start()
            while not self._stop.wait(self.poll_interval):
                self.step()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        running = [c.proc for c in self.children.values() if c.proc and c.proc.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.info("supervisor.stopped")
