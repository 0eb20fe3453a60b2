"""Erasing a taxpayer: their data key is destroyed, and the erasure is audited.

Nothing stored is rewritten or deleted from the event log: the events (and a hash chain over
their stored bytes) stay as they are, only unreadable (domain/erasure.py). The erasure's
audit record names the account by id, never by email. The caller also drops the read-model
rows (projections/erasure.py) and ends the account's sessions: both are idempotent, and the
key is gone first, so a repeated erasure finishes what an interrupted one began.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from eventsourcing.application import AggregateNotFoundError

from commands.accounts import AccountsApplication
from commands.context import CommandContext
from commands.datakeys import DataKeys
from commands.errors import AccountNotFound, CommandError
from commands.keyring import KeyringCipher
from domain.account import Account, Role
from domain.erasure import ErasedSubject

ERASED_ACTION = "account.erased"  # the audit record's action (a stable, stored string)


class AdminNotErasable(CommandError):
    """An admin is erased only after losing the role: the last admin must never vanish."""

    code = "admin-not-erasable"


class ErasureUnavailable(CommandError):
    """The event store has no data keys (no cipher key configured): nothing to destroy."""

    code = "erasure-unavailable"


@dataclass(frozen=True)
class Erased:
    account_id: uuid.UUID
    erased_at: dt.datetime
    already: bool  # it had been erased before (this call finished or repeated it)


def data_keys(app: AccountsApplication) -> DataKeys:
    cipher = app.mapper.cipher
    if not isinstance(cipher, KeyringCipher):
        raise ErasureUnavailable("the event store is not encrypted with data keys")
    return cipher.keys


def erase_account(
    accounts: AccountsApplication, ctx: CommandContext, account_id: uuid.UUID
) -> Erased:
    """Destroys the account's data key: its email, password hash, returns, documents and
    files can no longer be read by anyone. 404 for an unknown account; refused for an admin."""
    keys = data_keys(accounts)
    try:
        found: object = accounts.repository.get(account_id)
    except AggregateNotFoundError:
        found = None
    if isinstance(found, Account) and found.role is Role.ADMIN:
        raise AdminNotErasable("an admin cannot be erased; change the role first")
    if not isinstance(found, Account | ErasedSubject):
        raise AccountNotFound(f"no account {account_id}")
    already = isinstance(found, ErasedSubject)
    # The record first: an erasure is never unrecorded, and it names only the account id.
    accounts.record_action(ctx, ERASED_ACTION, str(account_id), {"data_key": "destroyed"})
    erased_at = keys.destroy(str(account_id)) or dt.datetime.now(dt.UTC)
    return Erased(account_id, erased_at, already)
