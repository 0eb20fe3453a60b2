"""The `burnblack` command: run the platform or one of its processes, and operator tools."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from burnblack.audit_cli import audit_app
from burnblack.documents_cli import documents_app
from burnblack.logs import configure_logging
from burnblack.pan_cli import ids_app, pans_app
from burnblack.settings import Settings
from burnblack.users_cli import keys_app, users_app

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Burnblack: file Indian income-tax returns."
)
tax_app = typer.Typer(no_args_is_help=True, help="The tax engine, without a filing.")
app.add_typer(tax_app, name="tax")
projections_app = typer.Typer(no_args_is_help=True, help="Read models: status and rebuilds.")
app.add_typer(projections_app, name="projections")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(documents_app, name="documents")
app.add_typer(pans_app, name="pans")
app.add_typer(ids_app, name="ids")
app.add_typer(audit_app, name="audit")
console = Console(stderr=True)


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Server worker processes")] = 1,
) -> None:
    """Serve the HTTP API (reads DATABASE_URL and REDIS_URL)."""
    from burnblack.processes import run_api

    configure_logging()
    run_api(Settings.from_env(), host, port, workers)


@app.command()
def worker(
    queues: Annotated[str, typer.Option(help="Queues in priority order")] = "high,default,low",
    burst: Annotated[bool, typer.Option(help="Exit when the queues are empty")] = False,
) -> None:
    """Run an RQ worker for tax computations and document processing."""
    from burnblack.processes import run_worker

    configure_logging()
    run_worker(Settings.from_env(), [q for q in queues.split(",") if q], burst)


@app.command()
def projector() -> None:
    """Follow the event log: maintain read models, invalidate caches, enqueue jobs."""
    from burnblack.processes import run_projector

    configure_logging()
    run_projector(Settings.from_env())


@app.command()
def up(
    host: Annotated[str, typer.Option(help="Address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the API listens on")] = 8000,
    data_dir: Annotated[Path | None, typer.Option(help="Embedded servers' data folder")] = None,
) -> None:
    """Run the whole platform: API, worker and projector (embedded PostgreSQL and Redis when
    DATABASE_URL / REDIS_URL are not set). Ctrl-C stops everything."""
    configure_logging()
    settings = Settings.from_env()
    if settings.has_external_services:
        assert settings.database_url and settings.redis_url
        key = settings.require_cipher_key()
        _supervise(settings.database_url, settings.redis_url, host, port, key)
        return
    from burnblack.embedded import embedded_services
    from burnblack.keys import KEY_FILE_NAME, resolve_cipher_key

    folder = data_dir or settings.data_dir
    # The embedded data's key lives beside it (created once, gitignored with .data/).
    key = resolve_cipher_key(settings.cipher_key, settings.cipher_key_file, folder, False)
    console.print(f"[bold]Starting embedded PostgreSQL and Redis in {folder}[/bold]")
    with embedded_services(folder) as urls:
        if not (settings.cipher_key or settings.cipher_key_file):
            console.print(f"BURNBLACK_CIPHER_KEY_FILE={(folder / KEY_FILE_NAME).resolve()}")
        _supervise(urls.database_url, urls.redis_url, host, port, key)


def _supervise(database_url: str, redis_url: str, host: str, port: int, cipher_key: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BURNBLACK_CIPHER_KEY": cipher_key,
    }
    env.pop("BURNBLACK_CIPHER_KEY_FILE", None)
    # What this supervisor runs, for each process's connection budget check.
    env.setdefault("BURNBLACK_DEPLOYMENT", "api=1,worker=1,projector=1")
    me = [sys.executable, "-m", "burnblack"]
    commands = {
        "projector": [*me, "projector"],
        "worker": [*me, "worker"],
        "api": [*me, "api", "--host", host, "--port", str(port)],
    }
    console.print(f"DATABASE_URL={database_url}\nREDIS_URL={redis_url}")
    from burnblack.supervisor import Supervisor

    # A child that dies is started again with backoff; only Ctrl-C / SIGTERM stops them all.
    supervisor = Supervisor(
        commands, env=env, on_event=lambda line: console.print(f"[yellow]{line}[/yellow]")
    )
    console.print(
        f"[green]Burnblack is up:[/green] http://{host}:{port} "
        f"(OpenAPI at http://{host}:{port}/schema). Ctrl-C stops it."
    )
    supervisor.run()
    console.print("Stopped.")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def loadtest(ctx: typer.Context) -> None:
    """Load-test the platform with simulated users (locust) and write a report with plots
    (`burnblack loadtest --help` for the options; docs/load.md)."""
    # locust's gevent must patch the standard library before anything imports it: the load
    # test runs in a fresh interpreter, not in this one (which has imported ssl, threading...).
    command = [sys.executable, "-m", "burnblack.loadtest", *ctx.args]
    raise typer.Exit(subprocess.call(command))


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="Projection to rebuild (filing_summary)")],
    dry_run: Annotated[bool, typer.Option(help="Replay into shadow tables, do not switch")] = False,
    processes: Annotated[
        int,
        # max: projections.projector.rebuild.MAX_PROCESSES (not imported here: the CLI starts light)
        typer.Option(min=1, max=64, help="Loader processes of the bulk load (about one a core)"),
    ] = 2,
    force: Annotated[
        bool,
        typer.Option(help="Switch even if live and shadow differ (recorded in the audit trail)"),
    ] = False,
) -> None:
    """Rebuild a read model into shadow tables, compare, and switch without downtime.

    Exits 1 without switching when the comparison finds differences (unless --force)."""
    import json

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from burnblack.operations import rebuild, report_dict

    configure_logging("WARNING")
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TextColumn("positions"),
        TextColumn("{task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"rebuild {name}", total=None, rate=0.0)
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(1e-6, time.monotonic() - started)
            bar.update(task, completed=done, total=total, rate=rate)

        report = rebuild(
            Settings.from_env(),
            name,
            progress,
            switch=not dry_run,
            processes=processes,
            force=force,
            actor=_cli_actor(),
        )
    doc = report_dict(report)
    sys.stdout.write(json.dumps(doc, default=str) + "\n")
    for c in report.comparisons:
        verdict = "identical" if c.identical else f"DIFFERENT ({len(c.differing_keys)} keys)"
        console.print(f"{c.table}: live {c.live_rows} rows, shadow {c.shadow_rows} rows: {verdict}")
    console.print(
        f"{report.events:,} events in {report.seconds:.1f}s "
        f"({report.events_per_second:,.0f}/s); "
        + (
            f"switched to version {report.model_version}"
            + (" (FORCED despite differences)" if report.forced else "")
            if report.switched
            else "NOT switched: live and shadow differ (--force to switch anyway)"
            if report.refused
            else "dry run"
        )
    )
    if report.refused:
        raise typer.Exit(1)


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@projections_app.command("status")
def projections_status() -> None:
    """Each follower's position, lag behind the log, and rate over the last second."""
    import psycopg
    from rich.table import Table

    from burnblack import wiring
    from projections.projector.status import follower_statuses

    settings = Settings.from_env()
    database_url, _ = settings.require_urls()
    app_ = wiring.filings_app(settings)
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            head_before = app_.recorder.max_notification_id() or 0
            first = {f.name: f for f in follower_statuses(conn, head_before)}
            time.sleep(1.0)
            head = app_.recorder.max_notification_id() or 0
            second = follower_statuses(conn, head)
            row = conn.execute(  # positions are not dense: count the events appended meanwhile
                "SELECT count(*) FROM filings_events "
                "WHERE notification_id > %s AND notification_id <= %s",
                (head_before, head),
            ).fetchone()
            appended = int(row[0]) if row else 0
    finally:
        app_.close()
    table = Table(title=f"log head {head:,}")
    for column in ("follower", "position", "lag", "events/s", "last batch"):
        table.add_column(column)
    for f in second:
        before = first.get(f.name)
        rate = max(0, before.lag + appended - f.lag) if before else 0
        table.add_row(
            f.name, f"{f.position:,}", f"{f.lag:,}", f"{rate:,}", f.updated_at.isoformat()
        )
    Console().print(table)


@tax_app.command("compute")
def tax_compute() -> None:
    """Read one input document (JSON) on stdin, write the computation (JSON) on stdout."""
    from domain.tax import InvalidTaxInput, compute, decode_input, encode_result

    try:
        result = compute(decode_input(sys.stdin.buffer.read()))
    except InvalidTaxInput as exc:
        console.print(f"[red]invalid input[/red]: {exc}")
        raise typer.Exit(2) from None
    sys.stdout.buffer.write(encode_result(result) + b"\n")
