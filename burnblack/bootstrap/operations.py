"""Operator work that spans the layers: projection rebuilds, for the CLI and for the worker's
rebuild job (which gets `rebuild` through its JobContext: burnblack/bootstrap/worker.py)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import redis

from burnblack import budget
from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.audit import AuditAction
from projections.projector.bulk_load import Progress
from projections.projector.rebuild import Rebuilder, RebuildReport, TableComparison
from projections.schema import ensure_schema

PROJECTIONS = ("filing_summary",)


def rebuild(
    settings: Settings,
    name: str,
    progress: Progress | None = None,
    switch: bool = True,
    processes: int = 2,
    force: bool = False,
    actor: str = "system",
    client: redis.Redis | None = None,
) -> RebuildReport:
    """Rebuild, compare and switch; refuses to switch on differences unless `force`, which
    is recorded in the audit trail (by `actor`) before the switch. `client`: the calling
    process's Redis client (the worker's), else one is built for the rebuild."""
    if name not in PROJECTIONS:
        raise ValueError(f"unknown projection {name!r}; known: {', '.join(PROJECTIONS)}")
    database_url, _ = settings.require_urls()
    single = budget.SINGLE_THREADED_EVENTSTORE
    app = wiring.filings_app(settings, single)
    accounts = wiring.accounts_app(settings, single) if force else None

    def audit(comparisons: list[TableComparison]) -> None:
        assert accounts is not None
        accounts.record_action(
            CommandContext(actor),
            AuditAction.REBUILD_FORCED,
            name,
            {"differences": json.dumps([asdict(c) for c in comparisons if not c.identical])},
        )

    try:
        pool = wiring.pg_pool(settings, "rebuild")
        with pool.connection() as conn:
            ensure_schema(conn)
        pool.close()
        rebuilder = Rebuilder(
            database_url,
            wiring.event_log(settings, app),
            client or wiring.redis_client(settings),
            wiring.read_model_seal(app),
            processes=processes,
            on_forced=audit,
        )
        return rebuilder.rebuild(progress, switch=switch, force=force)
    finally:
        app.close()
        if accounts is not None:
            accounts.close()


def report_dict(report: RebuildReport) -> dict[str, Any]:
    return {
        "projection": report.projection,
        "events": report.events,
        "seconds": round(report.seconds, 3),
        "events_per_second": round(report.events_per_second, 1),
        "position": report.position,
        "switched": report.switched,
        "model_version": report.model_version,
        "processes": report.processes,
        "identical": report.identical,
        "refused": report.refused,
        "forced": report.forced,
        "comparisons": [asdict(c) for c in report.comparisons],
    }
