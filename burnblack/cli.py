"""The `burnblack` command: run the platform or one of its processes, and operator tools."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from burnblack.logs import configure_logging
from burnblack.settings import Settings

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Burnblack: file Indian income-tax returns."
)
tax_app = typer.Typer(no_args_is_help=True, help="The tax engine, without a filing.")
app.add_typer(tax_app, name="tax")
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
        _supervise(settings.database_url, settings.redis_url, host, port)
        return
    from burnblack.embedded import embedded_services

    folder = data_dir or settings.data_dir
    console.print(f"[bold]Starting embedded PostgreSQL and Redis in {folder}[/bold]")
    with embedded_services(folder) as urls:
        _supervise(urls.database_url, urls.redis_url, host, port)


def _supervise(database_url: str, redis_url: str, host: str, port: int) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    me = [sys.executable, "-m", "burnblack"]
    commands = {
        "projector": [*me, "projector"],
        "worker": [*me, "worker"],
        "api": [*me, "api", "--host", host, "--port", str(port)],
    }
    console.print(f"DATABASE_URL={database_url}\nREDIS_URL={redis_url}")
    children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
    console.print(
        f"[green]Burnblack is up:[/green] http://{host}:{port} "
        f"(OpenAPI at http://{host}:{port}/schema). Ctrl-C stops it."
    )
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    console.print(f"[red]{name} exited with {child.returncode}; stopping[/red]")
                    stopping = True
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        console.print("Stopped.")


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
