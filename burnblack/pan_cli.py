"""`burnblack pans …` and `burnblack ids …`: PAN disputes and the blind-index migration.

`burnblack pans transfer PAN EMAIL --reason TEXT` moves a PAN to the account with that email
(audited, with `cli:<os user>` as the actor), like the admin API. `burnblack ids migrate`
indexes a store written before PAN claims and email indexes existed; the API does it at
start-up, this runs it by hand (e.g. before starting the API on a restored backup).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from burnblack.settings import Settings
from burnblack.users_cli import _actor, _fail
from commands.errors import CommandError
from domain.errors import DomainError

pans_app = typer.Typer(no_args_is_help=True, help="PANs: move one to another account.")
ids_app = typer.Typer(no_args_is_help=True, help="Ids and their blind indexes.")
console = Console(stderr=True)


@pans_app.command("transfer")
def transfer(
    pan: Annotated[str, typer.Argument(help="The PAN (AAAAA9999A)")],
    email: Annotated[str, typer.Argument(help="The account that gets it")],
    reason: Annotated[str, typer.Option(help="Why (the dispute's reference); audited")],
) -> None:
    """Move a PAN to the account with EMAIL: only it may start returns on the PAN from now."""
    from burnblack.bootstrap import wiring
    from commands.pan_claims import transfer_pan

    if not reason.strip():
        raise _fail(CommandError("--reason must say why"))
    settings = Settings.from_env()
    filings, accounts = wiring.filings_app(settings), wiring.accounts_app(settings)
    try:
        account = accounts.find_by_email(email)
        if account is None:
            raise _fail(CommandError("no account has this email"))
        done = transfer_pan(filings, accounts, _actor(), pan.strip().upper(), account.id, reason)
    except (CommandError, DomainError) as exc:
        raise _fail(exc) from None
    finally:
        filings.close()
        accounts.close()
    if done.transferred:
        console.print(f"[green]PAN moved[/green] to {account.email} (from {done.from_user_id})")
        for filing_id in done.withdrawn:
            console.print(
                f"withdrew return {filing_id} (not submitted; started by another account)"
            )
    else:
        console.print(f"the PAN already belongs to {account.email}: nothing changed")
    sys.stdout.write(f"{done.claim_id}\n")


@ids_app.command("migrate")
def migrate() -> None:
    """Index filings and accounts stored under uuid5 ids (PAN claims, email entries)."""
    from burnblack.bootstrap import wiring
    from commands.id_indexes import ensure_indexes

    settings = Settings.from_env()
    filings, accounts = wiring.filings_app(settings), wiring.accounts_app(settings)
    try:
        claims, emails = ensure_indexes(filings, accounts, force=True)
    finally:
        filings.close()
        accounts.close()
    console.print(f"indexed: {claims} returns under PAN claims, {emails} emails")
