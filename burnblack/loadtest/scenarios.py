"""Simulated users (locust, FastHttpUser): what each scenario's people do.

Every user takes one seeded account and its own client address, sent in X-Forwarded-For to
the trusted proxy (nginx in the load test's own stack), so per-address limits and lockouts
see a thousand people, not one generator. Requests are named by route, not by URL, so one
endpoint is one row of the report whatever the filing id.

Failures are named `<status> <problem type>` (or the transport error), which is what the
report's error table groups by.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec
from locust import User, between, constant, task
from locust.contrib.fasthttp import FastHttpUser

from burnblack.loadtest.cookies import SiteCookies
from burnblack.loadtest.users import PASSWORD, Account
from burnblack.seed import random_pan

API = "/api/v1"
_decode = msgspec.json.decode
SCENARIOS = ("taxpayers", "deadline", "auditors", "rebuild")


@dataclass
class LoadContext:
    """What the users of one run share: the seeded accounts and what they produced."""

    taxpayers: list[Account] = field(default_factory=list)
    auditors: list[Account] = field(default_factory=list)
    admin: Account | None = None
    admin_password: str = PASSWORD
    filing_ids: list[str] = field(default_factory=list)
    completed_filings: int = 0
    measure_started: float | None = None
    measured_completions: int = 0
    ready_users: int = 0
    rebuild: dict[str, Any] = field(default_factory=dict)
    _next: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, kind: str) -> Account:
        pool = self.auditors if kind == "auditor" else self.taxpayers
        with self._lock:
            i = self._next.get(kind, 0)
            self._next[kind] = i + 1
        if not pool:
            raise RuntimeError(f"no seeded {kind} accounts")
        return pool[i % len(pool)]

    def completed(self) -> None:
        self.completed_filings += 1
        if self.measure_started is not None:
            self.measured_completions += 1


CONTEXT = LoadContext()


def _problem_type(body: bytes | None) -> str:
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return ""
    kind = doc.get("type", "") if isinstance(doc, dict) else ""
    return str(kind).rsplit("/", 1)[-1]


class _Person(FastHttpUser):
    """A browser-like client: its own cookies, address and CSRF token."""

    abstract = True
    network_timeout = 60.0  # a log-in queued behind a thousand argon2 hashes takes a while
    connection_timeout = 30.0
    kind: ClassVar[str] = "taxpayer"

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.account = CONTEXT.take(self.kind)
        self.csrf = ""
        self.logged_in = False
        _own_cookies(self)

    def call(
        self,
        method: str,
        path: str,
        name: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204, 304),
    ) -> tuple[int, Any, Mapping[str, Any]]:
        """One request; (status, JSON body or None, headers). Non-`ok` statuses fail."""
        sent = {"X-Forwarded-For": self.account.ip, **(headers or {})}
        if method != "GET" and self.csrf:
            sent["X-CSRF-Token"] = self.csrf
        with self.client.request(
            method, path, name=name, json=body, headers=sent, catch_response=True
        ) as resp:
            status = int(resp.status_code or 0)
            if status not in ok:
                if status == 0:
                    resp.failure(f"transport {type(resp.error).__name__}")
                else:
                    resp.failure(f"{status} {_problem_type(resp.content)}".strip())
                return status, None, {}
            resp.success()
            parsed = None
            if resp.content and status != 304:
                try:  # msgspec: a fraction of json's CPU, and the generator shares the machine
                    parsed = _decode(resp.content)
                except msgspec.DecodeError:
                    parsed = None
            # The response's own headers, looked up case-insensitively (`get("etag")`), not
            # copied into a dict of lower-cased names on every response.
            return status, parsed, resp.headers or {}

    def login(self, email: str | None = None, password: str = PASSWORD) -> bool:
        status, _, headers = self.call(
            "POST",
            f"{API}/auth/login",
            "/auth/login",
            {"email": email or self.account.email, "password": password},
        )
        self.csrf = headers.get("x-csrf-token", "")
        self.logged_in = status == 200
        return self.logged_in


def _own_cookies(user: FastHttpUser) -> None:
    """The user's session keeps its cookies in a `SiteCookies` (both places locust reads)."""
    jar = SiteCookies()
    # Both attributes are typed as the standard CookieJar; locust calls only the two
    # methods SiteCookies has.
    user.client.cookiejar = jar  # type: ignore[assignment]
    user.client.client.cookiejar = jar  # type: ignore[assignment]


class _Filer(_Person):
    """Someone with a return: starts it, reads it back (read-your-writes), polls it."""

    abstract = True

    def on_start(self) -> None:
        self.filing: str | None = None
        self.version = 0
        self.etag = ""
        try:
            if not self.login():
                return
            _, listing, _ = self.call("GET", f"{API}/filings", "/filings")
            items = (listing or {}).get("items") or []
            if items:
                self.filing = items[0]["id"]
                self.version = int(items[0].get("version", 0) or 0)
            else:
                self.start_filing()
        finally:
            CONTEXT.ready_users += 1  # the ramp ends when every user is through here

    def start_filing(self) -> None:
        status, doc, _ = self.call(
            "POST",
            f"{API}/filings",
            "/filings",
            {"assessment_year": "2026-27", "pan": random_pan(random.Random())},
        )
        if status == 201 and doc:
            self.filing, self.version = doc["id"], int(doc["version"])
            CONTEXT.filing_ids.append(doc["id"])
            self.read(min_position=int(doc["position"]))

    def read(self, min_position: int | None = None, name: str = "/filings/{id}") -> Any:
        if not self.filing:
            return None
        headers = {"X-Min-Position": str(min_position)} if min_position else {}
        if self.etag and not min_position:
            headers["If-None-Match"] = self.etag
        status, doc, got = self.call("GET", f"{API}/filings/{self.filing}", name, headers=headers)
        if status == 200 and doc:
            self.version = int(doc.get("version", self.version))
            self.etag = got.get("etag", "")
        return doc if status == 200 else None

    def ready(self) -> bool:
        if not self.logged_in:
            self.login()
            return False
        if not self.filing:
            self.start_filing()
            return False
        return True

    def poll_computed(self, timeout: float = 15) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            doc = self.read(name="/filings/{id} (poll)")
            if doc and doc.get("status") in ("computed", "computation_failed"):
                return dict(doc)
        return None


class Taxpayer(_Filer):
    """The session mix: log in, start a return, read it and the list, now and then declare
    income and ask for a computation (1 to 3 s think time)."""

    wait_time = between(1, 3)
    weight = 9

    @task(10)
    def view_filing(self) -> None:
        if self.ready():
            self.read()

    @task(5)
    def list_filings(self) -> None:
        if self.ready():
            self.call("GET", f"{API}/filings", "/filings")

    @task(2)
    def who_am_i(self) -> None:
        if self.logged_in:
            self.call("GET", f"{API}/auth/me", "/auth/me")

    @task(2)
    def declare_income(self) -> None:
        if not self.ready():
            return
        self.etag = ""
        if self.read() is None:
            return
        gross = random.randrange(500_000, 3_000_000, 1000)
        status, doc, _ = self.call(
            "PUT",
            f"{API}/filings/{self.filing}/income",
            "/filings/{id}/income",
            {"salary": {"gross": gross}},
            headers={"If-Match": f'"{self.version}"'},
        )
        if status == 200 and doc:
            self.version = int(doc["version"])

    @task(1)
    def compute(self) -> None:
        if not self.ready():
            return
        self.etag = ""
        doc = self.read()
        if doc is None or not (doc.get("income") or {}):
            return
        if doc.get("status") not in ("draft", "computed", "computation_failed"):
            return
        status, accepted, _ = self.call(
            "POST",
            f"{API}/filings/{self.filing}/computations",
            "/filings/{id}/computations",
            headers={"If-Match": f'"{self.version}"'},
        )
        if status == 202 and accepted:
            self.version = int(accepted["version"])
            self.poll_computed()


class DeadlineFiler(_Filer):
    """The deadline rush: the whole return in one go, then the next one (short think time)."""

    wait_time = between(0.2, 0.6)
    weight = 1

    def on_start(self) -> None:
        self.filing = None
        self.version = 0
        self.etag = ""
        self.login()
        CONTEXT.ready_users += 1

    @task
    def file_a_return(self) -> None:
        if not self.logged_in and not self.login():
            return
        self.start_filing()
        if not self.filing:
            return
        steps = (
            ("income", {"salary": {"gross": random.randrange(600_000, 2_500_000, 1000)}}),
            ("deductions", {"80C": 150_000, "80D_self": random.randrange(0, 25_001, 1000)}),
        )
        for what, body in steps:
            self.wait()  # type: ignore[no-untyped-call]
            status, doc, _ = self.call(
                "PUT",
                f"{API}/filings/{self.filing}/{what}",
                f"/filings/{{id}}/{what}",
                body,
                headers={"If-Match": f'"{self.version}"'},
            )
            if status != 200 or not doc:
                return
            self.version = int(doc["version"])
        status, accepted, _ = self.call(
            "POST",
            f"{API}/filings/{self.filing}/computations",
            "/filings/{id}/computations",
            headers={"If-Match": f'"{self.version}"'},
        )
        if status != 202 or not accepted:
            return
        self.version = int(accepted["version"])
        doc = self.poll_computed(timeout=30)
        if not doc or doc.get("status") != "computed":
            return
        self.version = int(doc["version"])
        self.wait()  # type: ignore[no-untyped-call]
        regime = doc.get("recommended_regime") or "new"
        status, _, _ = self.call(
            "POST",
            f"{API}/filings/{self.filing}/submission",
            "/filings/{id}/submission",
            {"regime": regime},
            headers={"If-Match": f'"{self.version}"'},
        )
        if status == 200:
            CONTEXT.completed()
        self.filing = None


class Auditor(_Person):
    """Histories and as-of reads of other people's filings."""

    kind = "auditor"
    wait_time = between(1, 3)
    weight = 1

    def on_start(self) -> None:
        self.login()
        CONTEXT.ready_users += 1

    def _pick(self) -> str | None:
        ids = CONTEXT.filing_ids
        return random.choice(ids) if ids else None

    @task(3)
    def history(self) -> None:
        fid = self._pick()
        if fid and self.logged_in:
            self.call("GET", f"{API}/audit/filings/{fid}/events", "/audit/filings/{id}/events")

    @task(2)
    def as_of_version(self) -> None:
        fid = self._pick()
        if fid and self.logged_in:
            self.call("GET", f"{API}/audit/filings/{fid}?at=1", "/audit/filings/{id}?at=version")

    @task(1)
    def as_of_time(self) -> None:
        fid = self._pick()
        if fid and self.logged_in:
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.call("GET", f"{API}/audit/filings/{fid}?at={at}", "/audit/filings/{id}?at=time")


class RebuildAdmin(_Person):
    """One admin who rebuilds the filing summary read model once the ramp is over."""

    fixed_count = 1
    wait_time = constant(1)
    delay_after_ramp = 5.0

    def __init__(self, environment: Any) -> None:
        FastHttpUser.__init__(self, environment)
        assert CONTEXT.admin is not None, "the rebuild scenario needs an admin account"
        self.account = CONTEXT.admin
        self.csrf = ""
        self.logged_in = False
        _own_cookies(self)

    def on_start(self) -> None:
        self.login(CONTEXT.admin.email if CONTEXT.admin else None, CONTEXT.admin_password)
        CONTEXT.ready_users += 1

    @task
    def rebuild_once(self) -> None:
        state = CONTEXT.rebuild
        if not self.logged_in or state.get("done"):
            return
        if CONTEXT.measure_started is None:
            return
        if "queued_at" not in state:
            if time.time() - CONTEXT.measure_started < self.delay_after_ramp:
                return
            status, _, _ = self.call(
                "POST",
                f"{API}/admin/projections/filing_summary/rebuilds",
                "/admin/projections/{name}/rebuilds",
                ok=(202,),
            )
            if status == 202:
                state["queued_at"] = time.time()
            else:
                state.update(done=True, status=f"refused ({status})")
            return
        status, doc, _ = self.call(
            "GET", f"{API}/admin/rebuilds/rebuild-filing_summary", "/admin/rebuilds/{job}"
        )
        if status == 200 and doc and doc.get("status") in ("finished", "failed", "canceled"):
            report = doc.get("report") or {}
            state.update(
                done=True,
                status=doc["status"],
                seconds=round(time.time() - state["queued_at"], 2),
                events=report.get("events"),
                switched=report.get("switched"),
                error=doc.get("error"),
            )


def user_classes(scenario: str) -> list[type[User]]:
    if scenario == "taxpayers":
        return [Taxpayer]
    if scenario == "deadline":
        return [DeadlineFiler]
    if scenario == "auditors":
        return [Taxpayer, Auditor]
    if scenario == "rebuild":
        return [Taxpayer, RebuildAdmin]
    raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
