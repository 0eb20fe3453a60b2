"""The connection budget: the most PostgreSQL connections each process can open, summed over
the deployment, against the server's `max_connections`; checked when a process starts, so a
deployment that cannot fit fails at once with the arithmetic instead of under load with
"too many clients" (docs/load.md, "Connection budget").

Pools open one connection and grow on demand (psycopg_pool's `min_size=1`), so the idle
stack holds few; the budget is about the maximum, which is what a load peak reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog

log = structlog.get_logger(__name__)

DEFAULT_DEPLOYMENT = "api=2,worker=2,projector=1"
"""compose.yaml's: API server processes (instances x Granian workers), RQ workers, projectors."""

ROLES = ("api", "worker", "projector")

# A SimpleWorker runs one job at a time and the projector reads the log from one thread:
# their event stores never need more than this (one spare for a pre-ping replacement).
SINGLE_THREADED_EVENTSTORE = 2
# An event store that appends holds one more connection for its wake-up NOTIFYs
# (burnblack/eventstore.py, CoalescedWakeups).
WAKEUP = 1
# The projector's runner: lock, LISTEN and work connections (projections/projector/runner.py), plus
# the lag sampler's (burnblack/processes.py).
PROJECTOR_OWN = 4
# Every process polls for destroyed data keys on a connection of its own (commands/datakeys.py).
DATA_KEYS = 1
# A rebuild (a `low` job, one at a time in the whole deployment): its event stores, its
# schema pool, the rebuilder's connection and two bulk loaders (burnblack/operations.py).
REBUILD = 2 * SINGLE_THREADED_EVENTSTORE + 1 + 1 + 2


class BudgetExceeded(SystemExit):
    """The deployment's pools can open more connections than the server accepts."""


@dataclass(frozen=True)
class PoolSizes:
    db_pool_size: int
    db_read_pool_size: int
    eventstore_pool_size: int

    @property
    def accounts_pool_size(self) -> int:
        """Log-ins are bound by argon2 (about 40/s on 2 cores), not by connections."""
        return max(2, self.eventstore_pool_size // 2)


def parse_deployment(spec: str) -> dict[str, int]:
    """`api=2,worker=2,projector=1` -> counts per role; a role left out counts 0."""
    counts = dict.fromkeys(ROLES, 0)
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        role, sep, number = part.partition("=")
        role = role.strip()
        if not sep or role not in ROLES or not number.strip().isdigit():
            raise ValueError(
                f"BURNBLACK_DEPLOYMENT: {part!r} is not role=count with role one of "
                f"{', '.join(ROLES)} (e.g. {DEFAULT_DEPLOYMENT})"
            )
        counts[role] = int(number)
    return counts


def process_connections(role: str, sizes: PoolSizes) -> int:
    """The most connections one process of `role` can hold at once."""
    if role == "api":
        return (
            sizes.db_read_pool_size
            + sizes.db_pool_size
            + sizes.eventstore_pool_size
            + sizes.accounts_pool_size
            + 2 * WAKEUP
            + DATA_KEYS
        )
    if role == "worker":
        return SINGLE_THREADED_EVENTSTORE + WAKEUP + DATA_KEYS
    if role == "projector":
        return SINGLE_THREADED_EVENTSTORE + PROJECTOR_OWN + WAKEUP + DATA_KEYS
    raise ValueError(f"unknown role {role!r}")


def deployment_connections(sizes: PoolSizes, deployment: Mapping[str, int]) -> dict[str, int]:
    """Connections per role (count x per process), plus one rebuild if any worker runs."""
    total = {role: n * process_connections(role, sizes) for role, n in deployment.items() if n}
    if deployment.get("worker"):
        total["rebuild"] = REBUILD
    return total


def server_limit(conn: psycopg.Connection[Any]) -> int:
    """Connections open to ordinary roles: max_connections less the reserved slots
    (`reserved_connections` exists from PostgreSQL 16)."""
    row = conn.execute(
        "SELECT current_setting('max_connections')::int"
        " - current_setting('superuser_reserved_connections')::int"
        " - coalesce(current_setting('reserved_connections', true), '0')::int"
    ).fetchone()
    assert row is not None
    return int(row[0])


def check(
    sizes: PoolSizes, deployment_spec: str, limit: int, describe: str = "this deployment"
) -> dict[str, int]:
    """The budget per role; BudgetExceeded (a SystemExit with the arithmetic) if it is over."""
    budget = deployment_connections(sizes, parse_deployment(deployment_spec))
    total = sum(budget.values())
    if total > limit:
        parts = " + ".join(f"{role} {n}" for role, n in budget.items())
        raise BudgetExceeded(
            f"connection budget: {describe} ({deployment_spec}) can open {total} PostgreSQL "
            f"connections ({parts}) but the server accepts {limit} (max_connections less "
            "reserved). Lower BURNBLACK_DB_POOL_SIZE / BURNBLACK_DB_READ_POOL_SIZE / "
            "BURNBLACK_EVENTSTORE_POOL_SIZE, run fewer processes, raise max_connections, or "
            "put PgBouncer in front (docs/load.md, 'Connection budget')."
        )
    return budget


def check_at_start(
    sizes: PoolSizes, deployment_spec: str, connect: Callable[[], psycopg.Connection[Any]]
) -> None:
    """Checks against the server if it answers; a server not up yet is the process's own
    reconnection logic's business, not a reason to refuse to start."""
    parse_deployment(deployment_spec)  # a typo fails even when the server is away
    try:
        with connect() as conn:
            limit = server_limit(conn)
    except psycopg.Error as exc:
        log.warning("budget.unchecked", error=f"{type(exc).__name__}: {exc}")
        return
    budget = check(sizes, deployment_spec, limit)
    log.info("budget.ok", connections=sum(budget.values()), limit=limit, **budget)
