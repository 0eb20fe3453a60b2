"""The options of `burnblack loadtest` (parsed in the gevent-patched process)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from burnblack.loadtest.scenarios import SCENARIOS

app = typer.Typer(add_completion=False)


@app.command(help="Load-test the platform with simulated users and write a report.")
def loadtest(
    users: Annotated[int, typer.Option(min=1, help="Concurrent simulated users")] = 100,
    spawn_rate: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Users started per second during the ramp (each logs in: one argon2 "
            "verification; an idle 2-core box does about 40 a second, benchmarks/login.py)",
        ),
    ] = 10.0,
    duration: Annotated[
        float, typer.Option(min=1, help="Seconds measured after the ramp (stats reset then)")
    ] = 60.0,
    scenario: Annotated[str, typer.Option(help=f"One of: {', '.join(SCENARIOS)}")] = "taxpayers",
    report: Annotated[Path, typer.Option(help="Folder for report.json and report.html")] = Path(
        "loadtest-report"
    ),
    host: Annotated[
        str | None,
        typer.Option(help="A running platform's URL; without it the test starts its own stack"),
    ] = None,
    api_instances: Annotated[
        int, typer.Option(min=1, help="API instances behind nginx (own stack)")
    ] = 2,
    api_workers: Annotated[
        int, typer.Option(min=1, help="Granian workers per API instance (own stack)")
    ] = 1,
    db_pool_size: Annotated[
        int,
        typer.Option(
            min=1,
            help="BURNBLACK_DB_POOL_SIZE of the own stack's processes (the read pool is 4x, "
            "the event stores 2x; burnblack/budget.py)",
        ),
    ] = 4,
    embedded: Annotated[
        bool,
        typer.Option(help="Own stack on embedded PostgreSQL and Redis even when local ones answer"),
    ] = False,
    chaos: Annotated[
        str,
        typer.Option(
            help="Faults spread over the measured phase (own stack): kill-api, kill-worker, "
            "kill-projector, comma-separated; the report gives errors and recovery per fault"
        ),
    ] = "",
    metrics_url: Annotated[
        list[str] | None,
        typer.Option(help="With --host: a process's /metrics to scrape (repeat for each)"),
    ] = None,
    admin_email: Annotated[
        str | None,
        typer.Option(
            help="With --host, for auditors/rebuild: an admin (password in "
            "BURNBLACK_LOADTEST_ADMIN_PASSWORD)"
        ),
    ] = None,
) -> None:
    from burnblack.loadtest.runner import Options, print_summary, run

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"one of {', '.join(SCENARIOS)}", param_hint="--scenario")
    options = Options(
        users=users,
        spawn_rate=spawn_rate,
        duration=duration,
        scenario=scenario,
        report_dir=report,
        host=host,
        api_instances=api_instances,
        api_workers=api_workers,
        db_pool_size=db_pool_size,
        admin_email=admin_email,
        admin_password=os.environ.get("BURNBLACK_LOADTEST_ADMIN_PASSWORD"),
        metrics_urls=tuple(metrics_url or ()),
        embedded=embedded,
        chaos=tuple(f.strip() for f in chaos.split(",") if f.strip()),
    )
    result = run(options)
    print_summary(result, report)


def main() -> None:
    app(prog_name="burnblack loadtest")
