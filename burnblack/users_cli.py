"""`burnblack users …` and `burnblack keys …`: operator tools for accounts and secrets.

The first admin cannot be made through the API (only an admin may grant roles), so it is
made here, by whoever can run commands next to the database: `burnblack users
create-admin EMAIL` (the password from a prompt, or stdin when piped). Every change is
recorded in the audit trail with `cli:<os user>` as the actor.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from burnblack.settings import Settings
from commands.context import CommandContext
from commands.errors import CommandError
from domain.account import Account, Role
from domain.errors import DomainError

if TYPE_CHECKING:
    from commands.accounts import AccountsApplication

users_app = typer.Typer(no_args_is_help=True, help="Accounts: the first admin, roles, sessions.")
keys_app = typer.Typer(no_args_is_help=True, help="The key that encrypts personal data.")
console = Console(stderr=True)


def _actor() -> CommandContext:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return CommandContext(actor=f"cli:{who}")


def _password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _revoke_sessions(settings: Settings, user_id: str) -> int:
    from redis.asyncio import Redis

    from api.security.sessions import SessionStore

    _, redis_url = settings.require_urls()

    async def revoke() -> int:
        client = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        try:
            store = SessionStore(
                client, settings.security.session_idle_seconds, settings.security.session_max_age
            )
            return await store.revoke_user(user_id)
        finally:
            await client.aclose()

    return asyncio.run(revoke())


def _fail(exc: Exception) -> typer.Exit:
    message = getattr(exc, "message", str(exc))
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@contextmanager
def _accounts(
    settings: Settings, refused: tuple[type[Exception], ...] = (CommandError, DomainError)
) -> Iterator[AccountsApplication]:
    """The accounts application for one command, closed after it; a `refused` error is
    printed and exits 1 (not a traceback)."""
    from burnblack.bootstrap import wiring

    accounts = wiring.accounts_app(settings)
    try:
        yield accounts
    except refused as exc:
        raise _fail(exc) from None
    finally:
        accounts.close()


def _account(accounts: AccountsApplication, email: str, missing: str) -> Account:
    account = accounts.find_by_email(email)
    if account is None:
        raise _fail(CommandError(missing))
    return account


@users_app.command("create-admin")
def create_admin(email: Annotated[str, typer.Argument(help="The admin's email")]) -> None:
    """Create an admin account (password from the prompt, or the first line of stdin)."""
    with _accounts(Settings.from_env()) as accounts:
        account = accounts.create_admin(_actor(), email, _password())
    console.print(f"[green]admin created[/green]: {account.email} ({account.id})")
    sys.stdout.write(f"{account.id}\n")


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The account's email")],
    role: Annotated[Role, typer.Argument(help="taxpayer, auditor or admin")],
) -> None:
    """Change an account's role; its sessions end (the next login carries the new role)."""
    settings = Settings.from_env()
    with _accounts(settings) as accounts:
        account = _account(accounts, email, "no account has this email")
        _revoke_sessions(settings, str(account.id))
        accounts.change_role(_actor(), account.id, role)
        ended = _revoke_sessions(settings, str(account.id))
    console.print(f"[green]{account.email} is now {role.value}[/green]; {ended} session(s) ended")


@users_app.command("revoke-sessions")
def revoke_sessions(email: Annotated[str, typer.Argument(help="The account's email")]) -> None:
    """End every session of an account, on every API instance."""
    from domain.audit import AuditAction

    settings = Settings.from_env()
    with _accounts(settings, refused=()) as accounts:
        account = _account(accounts, email, "no account has this email")
        accounts.record_action(_actor(), AuditAction.SESSIONS_REVOKED, str(account.id), {})
    ended = _revoke_sessions(settings, str(account.id))
    console.print(f"{ended} session(s) ended")


@keys_app.command("generate")
def generate() -> None:
    """Print a new random key for BURNBLACK_CIPHER_KEY (keep it in your secret store)."""
    from burnblack.keys import generate_key

    sys.stdout.write(generate_key() + "\n")


@users_app.command("erase")
def erase(
    email: Annotated[str, typer.Argument(help="The taxpayer's email")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone")] = False,
) -> None:
    """Erase a taxpayer for good: destroy their data key (their events, returns, documents
    and files can no longer be read), redact their read-model rows, end their sessions."""
    from burnblack.bootstrap import wiring
    from commands.erasure import erase_account
    from projections.erasure import forget

    if not yes:
        raise _fail(CommandError("erasure cannot be undone: pass --yes to confirm"))
    settings = Settings.from_env()
    with _accounts(settings) as accounts:
        account = _account(accounts, email, "no account has this email (or it was erased already)")
        erased = erase_account(accounts, _actor(), account.id)
    pool = wiring.pg_pool(settings, "cli")
    client = wiring.redis_client(settings)
    try:
        with pool.connection() as conn:
            forgotten = forget(conn, client, str(erased.account_id))
    finally:
        pool.close()
        client.close()
    ended = _revoke_sessions(settings, str(erased.account_id))
    console.print(
        f"[green]erased[/green] {erased.account_id}: data key destroyed, "
        f"{forgotten.filings} filing(s) redacted and {forgotten.documents} document(s) "
        f"dropped in the read models, {ended} session(s) ended"
    )
    sys.stdout.write(f"{erased.account_id}\n")


@keys_app.command("rotate")
def rotate() -> None:
    """Re-wrap every data key with the current master key (BURNBLACK_CIPHER_KEY), unwrapping
    with the old ones in BURNBLACK_OLD_CIPHER_KEYS. No event is rewritten. Afterwards the old
    keys may be retired from every process's environment."""
    from commands.erasure import data_keys

    with _accounts(Settings.from_env(), refused=(CommandError, ValueError)) as accounts:
        rewrapped, current = data_keys(accounts).rewrap()
    console.print(
        f"[green]{rewrapped} data key(s) re-wrapped[/green] with the current master key; "
        f"{current} already were"
    )
    sys.stdout.write(f"{rewrapped}\n")
