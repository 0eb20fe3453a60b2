"""`burnblack audit …`: verify the hash chain, seal a day, export and check signed bundles.

Exit codes: 0 intact, 1 a break (each printed as `filing <id> version <n>: <what>`),
2 bad usage (an unreadable bundle, a malformed id or key).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from burnblack import audit_keys
from burnblack.settings import Settings

audit_app = typer.Typer(
    no_args_is_help=True, help="The hash-chained history: verify, seal days, signed exports."
)
console = Console(stderr=True)


def _connect(database_url: str) -> Any:
    from projections.eventlog.chain import connect  # psycopg: only for the commands that need it

    return connect(database_url)


def _filing_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        console.print(f"[red]not a filing id[/red]: {raw!r}")
        raise typer.Exit(2) from None


def _signing_key(settings: Settings) -> Any:
    return audit_keys.signing_key(
        os.environ, settings.data_dir, settings.environment == "production"
    )


def _events_table(settings: Settings) -> tuple[str, str]:
    """The database URL and the filings' events table, chained if it was not yet (as the
    recorder does at start-up), with one connection: no application, no pool."""
    from commands.filings import FilingsApplication
    from projections.eventlog.chain import ensure_chain

    database_url, _ = settings.require_urls()
    table = f"{FilingsApplication.name.lower()}_events"
    with _connect(database_url) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
        if row and row[0]:
            ensure_chain(conn, "public", table)
            return database_url, table
    from burnblack import wiring  # a store never opened: the application creates it

    wiring.filings_app(settings).close()
    return database_url, table


@audit_app.command("verify")
def verify(
    filing: Annotated[str | None, typer.Option(help="Only this filing (id)")] = None,
    partitions: Annotated[
        int, typer.Option(min=1, max=64, help="Connections checking id ranges at once")
    ] = 4,
) -> None:
    """Check every link, every sealed day's anchors, root and signature. Exits 1 naming each
    filing and version that was changed, deleted or reordered."""
    from projections.eventlog.chain_days import verify as verify_chain

    settings = Settings.from_env()
    oid = _filing_id(filing) if filing else None
    database_url, table = _events_table(settings)
    # An auditor's machine may hold only the public key; the operator's derives it.
    given = os.environ.get("BURNBLACK_AUDIT_PUBLIC_KEY")
    public = audit_keys.public_bytes(
        audit_keys.public_key(given, "BURNBLACK_AUDIT_PUBLIC_KEY")
        if given
        else _signing_key(settings).public_key()
    )
    with _connect(database_url) as conn:
        report = verify_chain(
            conn,
            table,
            oid,
            public_key=public,
            check=audit_keys.check,
            database_url=database_url,
            partitions=partitions,
        )
    for b in report.breaks:
        sys.stdout.write(f"BROKEN {b}\n")
    for p in report.problems:
        sys.stdout.write(f"BROKEN {p}\n")
    summary = (
        f"{report.events:,} events in {report.filings:,} filings, "
        f"{report.anchors:,} anchors, {report.days:,} sealed days"
    )
    if oid is not None and report.events == 0 and report.anchors == 0:
        console.print(f"[red]no filing {oid}[/red]")
        raise typer.Exit(1)
    if not report.intact:
        console.print(f"[red]NOT INTACT[/red]: {summary}")
        raise typer.Exit(1)
    console.print(f"[green]intact[/green]: {summary}")


@audit_app.command("seal")
def seal(
    day: Annotated[
        str | None, typer.Option(help="The day sealed, YYYY-MM-DD (default: today, UTC)")
    ] = None,
) -> None:
    """Anchor every filing's head in the day's signed root (run once a day, e.g. from cron)."""
    from projections.eventlog.chain_days import SealRefused, seal_day

    settings = Settings.from_env()
    try:
        when = dt.date.fromisoformat(day) if day else dt.datetime.now(dt.UTC).date()
    except ValueError:
        console.print(f"[red]not a day[/red]: {day!r} (YYYY-MM-DD)")
        raise typer.Exit(2) from None
    key = _signing_key(settings)
    database_url, table = _events_table(settings)
    with _connect(database_url) as conn:
        try:
            sealed = seal_day(
                conn, table, when, audit_keys.public_bytes(key.public_key()), key.sign
            )
        except SealRefused as exc:
            console.print(f"[red]refused[/red]: {exc}")
            raise typer.Exit(1) from None
    sys.stdout.write(f"{sealed.day} {sealed.root.hex()}\n")
    console.print(
        f"day {sealed.day} {'sealed' if sealed.new else 'was already sealed'}: "
        f"{sealed.filings:,} filings anchored"
    )


@audit_app.command("export")
def export(
    filing: Annotated[str, typer.Argument(help="Filing id")],
    out: Annotated[Path, typer.Option(help="Bundle file to write")],
) -> None:
    """Write a filing's stored history, its links and anchors as a signed bundle."""
    from burnblack.audit_bundle import build
    from projections.eventlog.chain import history
    from projections.eventlog.chain_days import anchors

    settings = Settings.from_env()
    oid = _filing_id(filing)
    key = _signing_key(settings)
    database_url, table = _events_table(settings)
    with _connect(database_url) as conn:
        links = history(conn, table, oid)
        anchored = anchors(conn, table, oid)
    if not links:
        console.print(f"[red]no filing {oid}[/red]")
        raise typer.Exit(1)
    out.write_bytes(build(oid, links, anchored, dt.datetime.now(dt.UTC), key))
    console.print(f"{len(links)} events of filing {oid} written to {out}")


@audit_app.command("verify-bundle")
def verify_bundle(
    bundle: Annotated[Path, typer.Argument(help="Bundle file")],
    public_key: Annotated[
        str | None,
        typer.Option(
            help="The operator's public key (base64, `burnblack audit public-key`); "
            "default: BURNBLACK_AUDIT_PUBLIC_KEY"
        ),
    ] = None,
) -> None:
    """Check a bundle offline: its signature, every link, its anchors. Needs no database."""
    from burnblack.audit_bundle import BundleError, verify

    text = public_key or os.environ.get("BURNBLACK_AUDIT_PUBLIC_KEY")
    if not text:
        console.print(
            "[red]pass --public-key[/red] (the operator's, from `burnblack audit public-key`)"
        )
        raise typer.Exit(2)
    try:
        key = audit_keys.public_key(text)
        result = verify(bundle.read_bytes(), key)
    except (audit_keys.AuditKeyError, BundleError, OSError) as exc:
        console.print(f"[red]cannot check {bundle}[/red]: {exc}")
        raise typer.Exit(2) from None
    for p in result.problems:
        sys.stdout.write(f"BROKEN {p}\n")
    summary = (
        f"filing {result.filing_id}: {result.events} events, head version "
        f"{result.head_version}, {result.anchors} anchors"
    )
    if not result.intact:
        console.print(f"[red]NOT INTACT[/red]: {summary}")
        raise typer.Exit(1)
    console.print(f"[green]intact[/green]: {summary}")


@audit_app.command("public-key")
def public_key_cmd() -> None:
    """Print the public key that checks bundles and days (base64): give it to auditors."""
    settings = Settings.from_env()
    sys.stdout.write(audit_keys.public_text(_signing_key(settings).public_key()) + "\n")


@audit_app.command("generate-key")
def generate_key() -> None:
    """Print a new signing key for BURNBLACK_AUDIT_SIGNING_KEY (keep it in the secret store)."""
    sys.stdout.write(audit_keys.generate_key() + "\n")
