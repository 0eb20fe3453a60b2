"""Guards on every read route, counting every pool (the async read pool, the API's sync pool
and the event store's own): the number of SQL statements a read runs does not grow with the
data it reads (no N+1), and every statement it runs can be served by an index."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.account import Role
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from tests.integration.read_side import InProcess, in_process
from tests.processes import TEST_SECURITY_ENV
from tests.taxpayer import random_pan

# A few rows by construction (years x statuses, one row per follower or read model).
SMALL_TABLES = {"filing_counts", "projection_tracking", "read_model_version"}
# A read model read is one statement; a read through the event store adds the pool's
# pre-ping; an auditor's read also saves its inspection record (pre-ping, INSERT: no table
# lock, and the event store's wake-up NOTIFY is sent later from a thread of its own, not
# counted); as of a time reads the log once more to find the version.
MAX_STATEMENTS = 9

_seen: list[tuple[Any, Any]] = []
_lock = threading.Lock()


@contextlib.contextmanager
def statements() -> Iterator[list[tuple[Any, Any]]]:
    """Every statement any psycopg cursor runs in this process meanwhile, on every pool."""
    sync_execute, async_execute = psycopg.Cursor.execute, psycopg.AsyncCursor.execute

    def counted(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        if threading.current_thread().name != "wakeups":  # after the request, on its own time
            with _lock:
                _seen.append((query, params))
        return sync_execute(self, query, params, **kw)

    async def counted_async(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        with _lock:
            _seen.append((query, params))
        return await async_execute(self, query, params, **kw)

    start = len(_seen)
    out: list[tuple[Any, Any]] = []
    psycopg.Cursor.execute = counted  # type: ignore[method-assign]
    psycopg.AsyncCursor.execute = counted_async  # type: ignore[method-assign]
    try:
        yield out
    finally:
        psycopg.Cursor.execute = sync_execute  # type: ignore[method-assign]
        psycopg.AsyncCursor.execute = async_execute  # type: ignore[method-assign]
        out.extend(_seen[start:])


@pytest.fixture(scope="module")
def api(servers: Any) -> Iterator[InProcess]:
    settings = Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            "BURNBLACK_DB_POOL_SIZE": "4",
            **TEST_SECURITY_ENV,
        }
    )
    with in_process(settings) as api:
        yield api


def _filing(api: InProcess, owner: str, changes: int) -> str:
    ctx = CommandContext(owner)
    written = api.filings.start_filing(ctx, random_pan(), "2026-27")
    version = written.version
    for i in range(changes):
        income = IncomeDeclaration(salary=Salary(gross=100_000 + i))
        version = api.filings.declare_income(ctx, written.aggregate_id, version, income).version
    return str(written.aggregate_id)


def _reads(
    small: str, large: str, email: str, other_email: str
) -> dict[str, tuple[Role, str, str]]:
    """Each read route, on a filing with one event and on one with many."""
    return {
        "summary": (Role.TAXPAYER, f"/api/v1/filings/{small}", f"/api/v1/filings/{large}"),
        "list": (Role.TAXPAYER, "/api/v1/filings?limit=1", "/api/v1/filings?limit=100"),
        "history": (
            Role.TAXPAYER,
            f"/api/v1/filings/{small}/history",
            f"/api/v1/filings/{large}/history",
        ),
        "documents": (
            Role.TAXPAYER,
            f"/api/v1/filings/{small}/documents",
            f"/api/v1/filings/{large}/documents",
        ),
        "document": (
            Role.TAXPAYER,
            f"/api/v1/documents/{uuid.uuid4()}",
            f"/api/v1/documents/{uuid.uuid4()}",
        ),
        "audit events": (
            Role.AUDITOR,
            f"/api/v1/audit/filings/{small}/events",
            f"/api/v1/audit/filings/{large}/events",
        ),
        "as of now": (
            Role.AUDITOR,
            f"/api/v1/audit/filings/{small}",
            f"/api/v1/audit/filings/{large}",
        ),
        "as of a version": (
            Role.AUDITOR,
            f"/api/v1/audit/filings/{small}?at=1",
            f"/api/v1/audit/filings/{large}?at=20",
        ),
        "as of a time": (
            Role.AUDITOR,
            f"/api/v1/audit/filings/{small}?at=2100-01-01T00:00:00Z",
            f"/api/v1/audit/filings/{large}?at=2100-01-01T00:00:00Z",
        ),
        "trail": (Role.AUDITOR, "/api/v1/audit/trail?limit=1", "/api/v1/audit/trail?limit=500"),
        "audit search": (Role.AUDITOR, "/api/v1/audit/filings?limit=1", "/api/v1/audit/filings"),
        "admin counts": (
            Role.ADMIN,
            "/api/v1/admin/filings/counts",
            "/api/v1/admin/filings/counts",
        ),
        "admin projections": (Role.ADMIN, "/api/v1/admin/projections", "/api/v1/admin/projections"),
        "admin user": (
            Role.ADMIN,
            f"/api/v1/admin/users?email={email}",
            # Another account, not a missing one: a found email costs one read more (the
            # email's blind index, then the account) than one nobody has.
            f"/api/v1/admin/users?email={other_email}",
        ),
    }


def _cold_cache(api: InProcess) -> None:
    """Drops every cached read-model answer in this test's Redis database."""
    client = wiring.redis_client(api.settings)
    try:
        keys = list(client.scan_iter(match="bb:rm[0-9]*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def measured(api: InProcess) -> dict[str, tuple[list[Any], list[Any]]]:
    taxpayer, uid = api.user()
    clients: dict[Role, httpx.Client] = {
        Role.TAXPAYER: taxpayer,
        Role.AUDITOR: api.user(Role.AUDITOR)[0],
        Role.ADMIN: api.user(Role.ADMIN)[0],
    }
    small, large = _filing(api, uid, 0), _filing(api, uid, 30)
    api.project()
    email = taxpayer.get("/api/v1/auth/me").json()["email"]
    other_email = clients[Role.AUDITOR].get("/api/v1/auth/me").json()["email"]
    out = {}
    for name, (role, one, many) in _reads(small, large, email, other_email).items():
        seen: list[list[Any]] = []
        for path in (one, many):
            _cold_cache(api)  # the projector warmed the cache: measure what a miss runs
            with statements() as found:
                r = clients[role].get(path)
            assert r.status_code in (200, 404), (name, path, r.text)
            seen.append(found)
        out[name] = (seen[0], seen[1])
    return out


def _counted(found: list[tuple[Any, Any]]) -> int:
    """Statements, less the audit trail's re-checks of the log's horizon (0 or more,
    depending on other sessions' transactions at that moment, not on the data) and the data
    keys' poll for erased keys (at most one every 2 s per process, whatever is read)."""
    return sum(
        1
        for query, _ in found
        if "horizon-wait" not in _text(query) and "data-keys-poll" not in _text(query)
    )


def _text(query: Any) -> str:
    if isinstance(query, bytes):
        return query.decode(errors="replace")
    return query if isinstance(query, str) else repr(query)


def test_no_read_runs_more_statements_for_more_data(
    measured: dict[str, tuple[list[Any], list[Any]]],
) -> None:
    counts = {name: (_counted(one), _counted(many)) for name, (one, many) in measured.items()}
    for name, (one, many) in counts.items():
        assert one == many, (name, counts)
        assert many <= MAX_STATEMENTS, (name, counts)


def _sql(conn: psycopg.Connection[Any], query: Any) -> str:
    if isinstance(query, bytes):
        return query.decode()
    if isinstance(query, str):
        return query
    return str(query.as_string(conn))


def test_every_statement_of_every_read_can_use_an_index(
    api: InProcess, measured: dict[str, tuple[list[Any], list[Any]]]
) -> None:
    database_url, _ = api.settings.require_urls()
    explained: set[str] = set()
    with psycopg.connect(database_url) as conn:
        conn.execute("SET enable_seqscan = off")  # a Seq Scan left now has no index to use
        for name, (one, many) in measured.items():
            for query, params in [*one, *many]:
                sql = _sql(conn, query).strip()
                if not sql.upper().startswith("SELECT"):
                    continue
                plan = "\n".join(
                    str(row[0]) for row in conn.execute(f"EXPLAIN {sql}".encode(), params)
                )
                scans = [
                    line
                    for line in plan.splitlines()
                    if "Seq Scan on" in line
                    and line.split("Seq Scan on ")[1].split()[0] not in SMALL_TABLES
                ]
                assert not scans, (name, sql, plan)
                explained.add(name)
        conn.rollback()
    assert explained == set(measured), set(measured) - explained
