"""The load generator's own bookkeeping: its cookie jar, and CPU per process and per
request of the stack besides the API."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import psutil
import pytest

from burnblack.loadtest.cookies import SiteCookies
from burnblack.loadtest.report import rest_of_stack
from burnblack.loadtest.sampling import CpuSampler


class _Request:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}


class _Headers:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def getlist(self, name: str) -> list[str]:
        return self.lines if name == "set-cookie" else []


class _Response:
    def __init__(self, *lines: str) -> None:
        self.headers = _Headers(list(lines))


def test_the_cookie_jar_sends_back_what_the_site_set_and_drops_what_it_expired() -> None:
    jar = SiteCookies()
    request = _Request()
    jar.add_cookie_header(request)
    assert "Cookie" not in request.headers  # nothing set yet: no header at all
    jar.extract_cookies(
        _Response(
            "bb_session=abc; Max-Age=86400; Path=/; HttpOnly; SameSite=lax",
            "bb_csrf=t1; Max-Age=86400; Path=/; SameSite=strict",
        ),
        request,
    )
    jar.add_cookie_header(request)
    assert request.headers["Cookie"] == "bb_session=abc; bb_csrf=t1"
    jar.extract_cookies(_Response("bb_csrf=t2; Path=/"), request)  # replaced in place
    jar.extract_cookies(_Response(), request)  # no Set-Cookie: nothing changes
    jar.add_cookie_header(request)
    assert request.headers["Cookie"] == "bb_session=abc; bb_csrf=t2"
    # What the platform sends on logout (api/security/cookies.py: cleared_cookies).
    jar.extract_cookies(
        _Response(
            'bb_session=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
            "bb_csrf=; Max-Age=0; Path=/",
        ),
        request,
    )
    request = _Request()
    jar.add_cookie_header(request)
    assert "Cookie" not in request.headers and jar.get("bb_session") is None


def test_the_rest_of_the_stack_counts_its_own_database_not_the_machines() -> None:
    def ms(v: float) -> dict[str, Any]:
        return {"ms_per_request": v}

    processes = {
        "api-0": ms(0.5),
        "api-1": ms(0.5),
        "load generator": ms(0.4),
        "worker": ms(0.1),
        "projector": ms(0.2),
        "nginx": ms(0.05),
        "postgres (machine)": ms(0.9),
        "postgres (this database)": ms(0.3),
        "redis (machine)": ms(0.1),
    }
    assert rest_of_stack(processes) == pytest.approx(0.75)
    del processes["postgres (this database)"]  # a run without it: the machine's, as before
    assert rest_of_stack(processes) == pytest.approx(1.35)
    assert rest_of_stack({"load generator": ms(0.4), "redis (machine)": ms(0.1)}) is None


def test_cpu_of_a_process_that_ended_is_not_taken_from_the_others() -> None:
    busy = subprocess.Popen(
        [sys.executable, "-c", "import time\nt = time.process_time()\nwhile True: pass"]
    )
    short = subprocess.Popen([sys.executable, "-c", "sum(range(10**7))"])
    pids = [busy.pid, short.pid]
    try:
        sampler = CpuSampler({}, database_pids=lambda: pids)
        sampler.sample(0)
        short.wait(30)
        # Until the busy one has used some CPU of its own, so the window is not empty.
        start = psutil.Process(busy.pid).cpu_times().user
        while psutil.Process(busy.pid).cpu_times().user - start < 0.05:
            short.poll()
        sampler.sample(1)
    finally:
        busy.kill()
        busy.wait()
    # The one that ended left the group: the group's CPU did not go down to zero with it.
    assert sampler.points[-1]["process_percent"]["postgres (this database)"] > 0
