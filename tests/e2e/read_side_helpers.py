"""Shared steps of the read-side end-to-end tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.account import Role


def settings_for(env: dict[str, str]) -> Settings:
    return Settings.from_env(env)


def make_role(settings: Settings, user_id: str, role: Role) -> None:
    accounts = wiring.accounts_app(settings)
    try:
        accounts.change_role(CommandContext("test-setup"), uuid.UUID(user_id), role)
    finally:
        accounts.close()


def wait_caught_up(database_url: str, follower: str = "filing_summary", timeout: float = 60) -> int:
    """Until the follower's position is the log's head and the head stops moving."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            head = conn.execute(
                "SELECT coalesce(max(notification_id), 0) FROM filings_events"
            ).fetchone()
            pos = conn.execute(
                "SELECT position FROM projection_tracking WHERE name = %s", (follower,)
            ).fetchone()
            if head and pos and pos[0] >= head[0]:
                time.sleep(0.5)
                again = conn.execute(
                    "SELECT coalesce(max(notification_id), 0) FROM filings_events"
                ).fetchone()
                if again and again[0] == head[0]:
                    return int(head[0])
            time.sleep(0.2)
    raise TimeoutError(f"{follower} did not catch up")


def wait_quiet(env: dict[str, str], timeout: float = 90) -> int:
    """Until no computation is queued or running and the read models have caught up."""
    import redis
    from rq import Queue

    queue = Queue("high", connection=redis.Redis.from_url(env["REDIS_URL"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue.count == 0 and queue.started_job_registry.count == 0:
            head = wait_caught_up(env["DATABASE_URL"], timeout=max(1, deadline - time.monotonic()))
            if queue.count == 0 and queue.started_job_registry.count == 0:
                return head
        time.sleep(0.2)
    raise TimeoutError("the platform did not go quiet")


def read_models_match_the_log(database_url: str) -> list[str]:
    """Problems found comparing the read models with the event log (empty: none)."""
    problems: list[str] = []
    with psycopg.connect(database_url) as conn:
        rows: list[Any] = conn.execute(
            "SELECT e.originator_id, max(e.originator_version), s.version FROM filings_events e "
            "LEFT JOIN filing_summary s ON s.filing_id = e.originator_id "
            "WHERE e.topic LIKE '%%:Filing.%%' GROUP BY e.originator_id, s.version "
            "HAVING s.version IS DISTINCT FROM max(e.originator_version)"
        ).fetchall()
        problems += [f"filing {r[0]}: log at v{r[1]}, read model at v{r[2]}" for r in rows]
        rows = conn.execute(
            "SELECT c.assessment_year, c.status, c.filings, coalesce(s.n, 0) FROM filing_counts c "
            "FULL JOIN (SELECT assessment_year, status, count(*) AS n FROM filing_summary "
            "GROUP BY 1, 2) s USING (assessment_year, status) "
            "WHERE coalesce(c.filings, 0) <> coalesce(s.n, 0)"
        ).fetchall()
        problems += [f"count {r[0]}/{r[1]}: {r[2]} counted, {r[3]} rows" for r in rows]
        row = conn.execute(
            "SELECT (SELECT count(*) FROM filing_summary), (SELECT count(*) FROM owner_filing)"
        ).fetchone()
        if row and row[0] != row[1]:
            problems.append(f"{row[0]} summaries but {row[1]} owner rows")
    return problems
