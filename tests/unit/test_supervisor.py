"""The supervisor behind `burnblack up`: a child that exits is started again with backoff,
and only stop() (Ctrl-C / SIGTERM) ends them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from burnblack.supervisor import Supervisor, die_with_parent


def test_backoff_doubles_up_to_the_cap() -> None:
    s = Supervisor({}, first_delay=1, max_delay=30)
    assert [s.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_child_that_exits_is_restarted_with_growing_delays(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    quick = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x')"]
    steady = [sys.executable, "-c", "import time; time.sleep(60)"]
    lines: list[str] = []
    s = Supervisor(
        {"quick": quick, "steady": steady},
        first_delay=0.2,
        max_delay=0.8,
        stable_after=30,
        poll_interval=0.05,
        on_event=lines.append,
    )
    runner = threading.Thread(target=s.run, kwargs={"install_signals": False})
    runner.start()
    try:
        # Exits after 0.2, 0.4, 0.8, 0.8 s of backoff (plus each start-up): wait for three.
        deadline = time.monotonic() + 30
        while not (s.children.get("quick") and s.children["quick"].restarts >= 3):
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        steady_pid = s.children["steady"].proc.pid  # type: ignore[union-attr]
    finally:
        s.stop()
        runner.join(20)
    assert not runner.is_alive()
    restarts = s.children["quick"].restarts
    assert 3 <= restarts <= 4, lines
    # Every start ran (the last one may have been stopped before it wrote).
    assert restarts <= len(starts.read_text()) <= restarts + 1
    assert any("restarting in 0.4s" in line for line in lines), lines
    assert any("restarting in 0.8s" in line for line in lines), lines
    # The steady child was never restarted, and stop() ended it.
    assert s.children["steady"].restarts == 0
    assert s.children["steady"].proc.poll() is not None  # type: ignore[union-attr]
    try:
        os.kill(steady_pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_a_child_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG: the grandchild gets SIGTERM when its parent is SIGKILLed."""
    pid_file = tmp_path / "grandchild"
    parent_code = (
        "import subprocess, sys, time\n"
        "from burnblack.supervisor import die_with_parent, load_libc\n"
        "load_libc()\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " preexec_fn=die_with_parent)\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(5)
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline, "the child outlived its SIGKILLed parent"
        time.sleep(0.05)
    assert die_with_parent is not None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
