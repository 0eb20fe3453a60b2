"""One load test: (own stack) → seed accounts → ramp (users log in) → reset stats → measure
for the duration → report. Runs in a gevent-patched process (`python -m burnblack.loadtest`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from gevent.pool import Pool
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL
from locust.env import Environment
from rich.console import Console
from rich.live import Live
from rich.table import Table

from burnblack.loadtest import scenarios
from burnblack.loadtest.html import render_html
from burnblack.loadtest.report import build_report, fault_impact, merge, percentile
from burnblack.loadtest.sampling import (
    CpuSampler,
    MetricsSampler,
    StatsSampler,
    database_backends,
    server_sampler,
    stats_snapshot,
)
from burnblack.loadtest.scenarios import CONTEXT
from burnblack.loadtest.stack import Stack, own_stack
from burnblack.loadtest.users import PASSWORD, Account, address

console = Console(stderr=True)
# Prometheus itself would scrape every 15 s; 2 s resolves the ramp and costs the API little.
SCRAPE_SECONDS = 2.0


@dataclass(frozen=True)
class Options:
    users: int = 100
    spawn_rate: float = 10.0
    duration: float = 60.0
    scenario: str = "taxpayers"
    report_dir: Path = Path("loadtest-report")
    host: str | None = None
    api_instances: int = 2
    api_workers: int = 1
    db_pool_size: int = 4
    admin_email: str | None = None
    admin_password: str | None = None
    metrics_urls: tuple[str, ...] = ()
    seed_concurrency: int = 32
    embedded: bool = False
    chaos: tuple[str, ...] = ()
    ramp_timeout: float = 600.0


class Client:
    """A small JSON client for seeding (its own cookies: one per admin session)."""

    def __init__(self, base: str, concurrency: int = 8) -> None:
        url = URL(base)
        self.http = HTTPClient.from_url(
            url, concurrency=concurrency, network_timeout=60, connection_timeout=30
        )
        self.prefix = url.path.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def call(
        self, method: str, path: str, body: Any = None, ip: str = "100.127.255.254"
    ) -> tuple[int, Any, dict[str, str]]:
        headers = {"X-Forwarded-For": ip, "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        resp = self.http.request(method, self.prefix + path, body=payload, headers=headers)
        try:
            raw = resp.read()
        finally:
            resp.release()
        got = {k.lower(): v for k, v in resp.items()}
        for name, value in resp.items():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                k, _, v = pair.partition("=")
                self.cookies[k.strip()] = v.strip()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return int(resp.status_code), doc, got

    def close(self) -> None:
        self.http.close()


def seed_accounts(host: str, options: Options, run: str) -> dict[str, Any]:
    """Register the run's accounts through the API (timed: registration throughput)."""
    auditors = max(1, options.users // 10 + 1) if options.scenario == "auditors" else 0
    count = options.users
    CONTEXT.taxpayers = [Account(f"load-{run}-{i}@example.com", address(i)) for i in range(count)]
    CONTEXT.auditors = [
        Account(f"audit-{run}-{i}@example.com", address(count + i)) for i in range(auditors)
    ]
    accounts = [*CONTEXT.taxpayers, *CONTEXT.auditors]
    client = Client(host, concurrency=options.seed_concurrency)
    times: dict[int, int] = {}
    failures: list[str] = []
    started = time.monotonic()
    done = 0
    retried = 0

    def register(account: Account) -> None:
        """One account; a failed attempt is counted and retried (twice), as a person would."""
        nonlocal done, retried
        for attempt in range(3):
            if attempt:
                retried += 1
                gevent.sleep(attempt)
            t0 = time.perf_counter()
            try:
                status, doc, _ = client.call(
                    "POST",
                    "/api/v1/auth/register",
                    {"email": account.email, "password": PASSWORD},
                    account.ip,
                )
            except Exception as exc:
                error = f"{account.email}: {type(exc).__name__}"
                continue
            ms = round((time.perf_counter() - t0) * 1000)
            times[ms] = times.get(ms, 0) + 1
            # 409: an earlier attempt got through after all.
            if status == 201 or (attempt and status == 409):
                done += 1
                return
            error = f"{account.email}: {status} {(doc or {}).get('type', '')}"
        failures.append(error)
        done += 1

    pool = Pool(options.seed_concurrency)
    with _progress_line(f"seeding {len(accounts):,} accounts", lambda: done, len(accounts)):
        for account in accounts:
            pool.spawn(register, account)
        pool.join()
    client.close()
    seconds = time.monotonic() - started
    if len(failures) > len(accounts) // 10:
        raise SystemExit(f"seeding failed for {len(failures)} accounts, e.g. {failures[:3]}")
    if failures:
        console.print(f"[yellow]{len(failures)} accounts could not be registered[/yellow]")
    return {
        "accounts": len(accounts),
        "seconds": round(seconds, 2),
        "per_second": round(len(accounts) / seconds, 2) if seconds else 0.0,
        "p50_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "failures": len(failures),
        "retries": retried,
        "failed_examples": failures[:5],
        "auditors": len(CONTEXT.auditors),
    }


def grant_roles(host: str, admin_email: str, admin_password: str, role: str) -> None:
    """The admin makes the seeded auditors auditors (through the API, as a person would)."""
    admin = Client(host)
    status, _, headers = admin.call(
        "POST", "/api/v1/auth/login", {"email": admin_email, "password": admin_password}
    )
    if status != 200:
        raise SystemExit(f"the admin could not log in ({status})")
    admin.csrf = headers.get("x-csrf-token", "")
    for account in CONTEXT.auditors:
        status, doc, _ = admin.call("GET", f"/api/v1/admin/users?email={account.email}")
        if status != 200 or not doc:
            raise SystemExit(f"no seeded account {account.email} ({status})")
        status, _, _ = admin.call("PUT", f"/api/v1/admin/users/{doc['id']}/role", {"role": role})
        if status != 200:
            raise SystemExit(f"could not make {account.email} an {role} ({status})")
    admin.close()


def create_admin(stack: Stack, email: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "burnblack", "users", "create-admin", email],
        input=(password + "\n").encode(),
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextlib.contextmanager
def _progress_line(label: str, done: Any, total: int) -> Iterator[None]:
    stop = False

    def show() -> None:
        # A terminal gets one line rewritten each second; a log gets a line every 5 s.
        tty = console.is_terminal
        while not stop:
            gevent.sleep(1 if tty else 5)
            console.print(f"{label}: {done():,}/{total:,}", end="\r" if tty else "\n")

    g = gevent.spawn(show)
    try:
        yield
    finally:
        stop = True
        g.kill()
        console.print(f"{label}: {done():,}/{total:,} done")


def _window_table(
    phase: str,
    elapsed: float,
    total: float,
    point: dict[str, Any] | None,
    users: int,
    stack: Stack | None,
) -> Table:
    table = Table(title=f"{phase}: {elapsed:,.0f}/{total:,.0f} s, {users:,} users", expand=False)
    for col in ("endpoint", "req/s", "fail/s", "p50 ms", "p95 ms"):
        table.add_column(col, justify="right" if col != "endpoint" else "left")
    if point:
        for name, w in sorted(point["endpoints"].items(), key=lambda kv: -kv[1]["requests"]):
            if not w["requests"]:
                continue
            times = {int(k): int(v) for k, v in w["response_times"].items()}
            table.add_row(
                name,
                f"{w['requests']}",
                f"{w['failures']}",
                f"{percentile(times, 0.5):,.0f}",
                f"{percentile(times, 0.95):,.0f}",
            )
    if stack is not None and (dead := stack.check_alive()):
        table.caption = f"[red]exited: {', '.join(dead)}[/red]"
    return table


class _Display:
    """While it runs: a live table per endpoint on a terminal, a line every 5 s in a log."""

    def __init__(self, stack: Stack | None) -> None:
        self.stack = stack
        self.live = Live(console=console, refresh_per_second=2, transient=True)
        self.last_line = 0.0

    def __enter__(self) -> _Display:
        if console.is_terminal:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if console.is_terminal:
            self.live.__exit__(None, None, None)

    def show(
        self, phase: str, elapsed: float, total: float, point: dict[str, Any] | None, users: int
    ) -> None:
        if console.is_terminal:
            self.live.update(_window_table(phase, elapsed, total, point, users, self.stack))
            return
        if time.monotonic() - self.last_line < 5:
            return
        self.last_line = time.monotonic()
        windows = (point or {}).get("endpoints", {}).values()
        times = merge({int(k): int(v) for k, v in w["response_times"].items()} for w in windows)
        dead = self.stack.check_alive() if self.stack else []
        console.print(
            f"{phase} {elapsed:,.0f}/{total:,.0f} s: {users:,} users, "
            f"{sum(w['requests'] for w in windows):,} req/s, "
            f"{sum(w['failures'] for w in windows):,} failed/s, "
            f"p50 {percentile(times, 0.5):,.0f} ms, p95 {percentile(times, 0.95):,.0f} ms"
            + (f", EXITED: {', '.join(dead)}" if dead else "")
        )


def run(options: Options) -> dict[str, Any]:
    if options.scenario not in scenarios.SCENARIOS:
        raise SystemExit(f"unknown scenario {options.scenario!r}: {', '.join(scenarios.SCENARIOS)}")
    for fault in options.chaos:
        if fault in ("restart-redis", "restart-postgres"):
            raise SystemExit(
                f"--chaos {fault}: not implemented; the load test never restarts the "
                "machine's PostgreSQL or Redis (they are shared)"
            )
        if fault not in CHAOS:
            raise SystemExit(f"--chaos {fault}: one of {', '.join(CHAOS)}")
    if options.chaos and options.host:
        raise SystemExit("--chaos needs the load test's own stack (no --host)")
    with contextlib.ExitStack() as stack_scope:
        stack: Stack | None = None
        host = options.host
        if host is None:
            console.print(
                f"[bold]Starting the platform[/bold]: {options.api_instances} API instance(s) "
                "behind nginx, two workers (one for `high`) and a projector, on a fresh database"
            )
            stack = stack_scope.enter_context(
                own_stack(
                    options.api_instances,
                    options.report_dir / "logs",
                    api_workers=options.api_workers,
                    db_pool_size=options.db_pool_size,
                    embedded=options.embedded,
                )
            )
            host = stack.url
            console.print(f"platform up at {host} (logs in {options.report_dir / 'logs'})")
        return _run_against(options, host.rstrip("/"), stack)
    raise AssertionError("unreachable")


def _run_against(options: Options, host: str, stack: Stack | None) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    needs_admin = options.scenario in ("auditors", "rebuild")
    if needs_admin:
        email = options.admin_email or f"admin-{run_id}@example.com"
        password = options.admin_password or PASSWORD
        if stack is not None and not options.admin_email:
            create_admin(stack, email, password)
        elif not options.admin_email:
            raise SystemExit(
                f"the {options.scenario} scenario needs an admin: --admin-email and "
                "BURNBLACK_LOADTEST_ADMIN_PASSWORD (or run without --host)"
            )
        CONTEXT.admin = Account(email, "100.127.255.253")
        CONTEXT.admin_password = password
    seed = seed_accounts(host, options, run_id)
    if options.scenario == "auditors":
        assert CONTEXT.admin is not None
        grant_roles(host, CONTEXT.admin.email, CONTEXT.admin_password, "auditor")
    console.print(
        f"seeded {seed['accounts']:,} accounts in {seed['seconds']:.1f} s "
        f"({seed['per_second']:.1f}/s, p95 {seed['p95_ms']:,.0f} ms)"
    )

    env = Environment(user_classes=scenarios.user_classes(options.scenario), host=host)
    runner = env.create_local_runner()
    sampler = StatsSampler()
    targets = dict(stack.metrics_urls()) if stack else {}
    for url in options.metrics_urls:
        targets[urlsplit(url).netloc or url] = url
    metrics = MetricsSampler(targets)
    if stack is not None:
        metrics.servers = server_sampler(stack.database_url, stack.redis_url)
    cpu = CpuSampler(
        stack.pids() if stack else {},
        database_backends(stack.database_url) if stack else None,
    )
    state: dict[str, Any] = {"ramp": None, "ramp_seconds": 0.0, "measure_at": None}
    ramp_started = time.monotonic()
    CONTEXT.ready_users = 0

    def on_spawned(user_count: int, **_: Any) -> None:
        state["spawned"] = True

    def end_ramp() -> None:
        state["ramp_seconds"] = time.monotonic() - ramp_started
        state["ramp"] = stats_snapshot(env.stats)
        state["ramp"]["points"] = list(sampler.points)
        env.stats.reset_all()
        sampler.reset()
        metrics.points.clear()
        cpu.points.clear()
        state["measure_at"] = time.monotonic()
        CONTEXT.measure_started = time.time()

    env.events.spawning_complete.add_listener(on_spawned)  # type: ignore[no-untyped-call]
    last: dict[str, Any] = {"point": None}

    def sample_loop() -> None:
        next_at = time.monotonic() + 1
        while True:
            gevent.sleep(max(0.0, next_at - time.monotonic()))
            next_at += 1
            base = state["measure_at"] or ramp_started
            t = time.monotonic() - base
            last["point"] = sampler.sample(env.stats, t, runner.user_count)
            cpu.sample(t)

    def metrics_loop() -> None:
        while True:
            base = state["measure_at"] or ramp_started
            metrics.sample(time.monotonic() - base)
            gevent.sleep(SCRAPE_SECONDS)

    chaos: list[dict[str, Any]] = []

    def chaos_loop() -> None:
        """The faults, evenly spread over the measured phase: kill, restart, time recovery."""
        while state["measure_at"] is None:
            gevent.sleep(0.2)
        for i, fault in enumerate(options.chaos):
            at = options.duration * (i + 1) / (len(options.chaos) + 1)
            gevent.sleep(max(0.0, state["measure_at"] + at - time.monotonic()))
            assert stack is not None
            chaos.append(drill(stack, fault, time.monotonic() - state["measure_at"]))

    loops = [gevent.spawn(sample_loop), gevent.spawn(metrics_loop)]
    if options.chaos:
        loops.append(gevent.spawn(chaos_loop))
    runner.start(options.users, spawn_rate=options.spawn_rate)
    with _Display(stack) as display:
        while state["measure_at"] is None:
            elapsed = time.monotonic() - ramp_started
            # The ramp ends when every user is spawned and through its log-in.
            if state.get("spawned") and CONTEXT.ready_users >= runner.user_count:
                end_ramp()
                break
            if elapsed > options.ramp_timeout:
                raise SystemExit(f"the ramp did not finish in {options.ramp_timeout:.0f} s")
            ramp_total = options.users / max(options.spawn_rate, 0.001)
            display.show("ramp", elapsed, ramp_total, last["point"], runner.user_count)
            gevent.sleep(0.5)
        measure_at: float = state["measure_at"] or time.monotonic()
        while (elapsed := time.monotonic() - measure_at) < options.duration:
            display.show("measuring", elapsed, options.duration, last["point"], runner.user_count)
            gevent.sleep(0.5)
    measured_seconds = time.monotonic() - measure_at
    final = stats_snapshot(env.stats)
    peak_users = runner.user_count
    # The last partial second (a sliver would plot as a spike or a dip), then stop.
    if not sampler.points or measured_seconds - sampler.points[-1]["t"] >= 0.5:
        sampler.sample(env.stats, measured_seconds, peak_users)
    metrics.sample(measured_seconds)
    runner.quit()
    gevent.killall(loops)

    extras: dict[str, Any] = {}
    if options.scenario == "deadline":
        extras["completed_filings"] = CONTEXT.measured_completions
        extras["completed_filings_per_second"] = round(
            CONTEXT.measured_completions / measured_seconds, 3
        )
    if options.scenario == "rebuild":
        extras["rebuild"] = dict(CONTEXT.rebuild) or {"status": "not started"}
    if options.scenario == "auditors":
        extras["auditors"] = len(CONTEXT.auditors)
    extras["filings_started"] = len(CONTEXT.filing_ids)
    if options.chaos:
        extras["chaos"] = [fault_impact(c, sampler.points) for c in chaos]
    meta = {
        "scenario": options.scenario,
        "users": peak_users,
        "users_asked": options.users,
        "spawn_rate": options.spawn_rate,
        "duration": options.duration,
        "host": host,
        "own_stack": stack is not None,
        "api_instances": options.api_instances if stack else None,
        "api_workers": options.api_workers if stack else None,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "metrics_targets": sorted(targets),
        "metrics_scrape_failures": metrics.failures,
        "exited_processes": stack.check_alive() if stack else [],
        "pids": stack.pids() if stack else {},
    }
    report = build_report(
        meta,
        final,
        measured_seconds,
        sampler.points,
        metrics.points,
        cpu.points,
        ramp=state["ramp"],
        ramp_seconds=state["ramp_seconds"],
        seed=seed,
        extras=extras,
    )
    write_report(report, options.report_dir)
    return report


CHAOS = {"kill-api": "api-0", "kill-worker": "worker", "kill-projector": "projector"}


def drill(stack: Stack, fault: str, at: float) -> dict[str, Any]:
    """Kill one process, start it again, and time until it is healthy (and, for the
    projector, until it has caught up with the log again)."""
    process = CHAOS[fault]
    started = time.monotonic()
    stack.kill_and_restart(process)
    recovered: float | None = None
    while time.monotonic() - started < 120:
        if stack.healthy(process) and (process != "projector" or _caught_up(stack)):
            recovered = time.monotonic() - started
            break
        gevent.sleep(0.1)
    return {
        "fault": fault,
        "process": process,
        "at_s": round(at, 2),
        "recovered_after_s": None if recovered is None else round(recovered, 2),
    }


def _caught_up(stack: Stack) -> bool:
    from burnblack.loadtest.sampling import scrape

    url = stack.child("projector").metrics_url
    got = scrape(url) if url else None
    lags = [v for k, v in (got or {}).items() if k.startswith("burnblack_projection_lag_events")]
    return bool(lags) and max(lags) == 0


def write_report(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (folder / "report.html").write_text(render_html(report))


def print_summary(report: dict[str, Any], folder: Path) -> None:
    table = Table(title="Success metrics")
    for col in ("metric", "target", "measured", "result"):
        table.add_column(col)
    marks = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]", None: "n/a"}
    for t in report["targets"]:
        table.add_row(t["metric"], t["target"], t["shown"], marks[t["pass"]])
    Console().print(table)
    s = report["summary"]
    Console().print(
        f"{s['requests']:,} requests in {s['seconds']:.0f} s: {s['rps']:,.1f}/s, "
        f"p50 {s['p50_ms']:,.0f} ms, p95 {s['p95_ms']:,.0f} ms, p99 {s['p99_ms']:,.0f} ms, "
        f"errors {s['error_rate']:.3%}. Report: {folder / 'report.html'}"
    )
    processes = report["cpu"]["processes"]
    generator = processes.get("load generator", {}).get("ms_per_request")
    if report["cpu"].get("api_ms_per_request") is not None and generator is not None:
        rest = report["cpu"].get("rest_ms_per_request")
        Console().print(
            f"CPU per request: API processes {report['cpu']['api_ms_per_request']:.2f} ms, "
            f"load generator {generator:.2f} ms"
            + ("" if rest is None else f", the rest of the stack {rest:.2f} ms")
        )
