"""People and what they may do: registration, credentials, roles, and the audit trail.

The audit trail (`domain.audit.AuditRecord`) lives in this application's store, so a
privileged change and its audit record are saved in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from commands.adapters.passwords import (
    DUMMY_HASH,
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from commands.application import IndexedApplication
from commands.context import CommandContext
from commands.emails import check_address
from commands.errors import AccountNotFound, EmailTaken, InvalidCredentials, LastAdmin
from domain.account import Account, Role, normalise_email
from domain.admin_roster import ROSTER_ID, AdminRoster
from domain.audit import AuditAction, AuditRecord
from domain.email_index import MAX_GENERATIONS, AccountEmail, email_index_id
from domain.errors import DomainError

_AUDIT_TOPIC = get_topic(AuditRecord.PrivilegedActionRecorded)
_REGISTERED_TOPIC = get_topic(Account.AccountRegistered)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditEntry:
    position: int
    recorded_at: datetime
    action: str
    subject: str
    details: Mapping[str, str]
    actor: str
    correlation_id: str


class AccountsApplication(IndexedApplication):
    name = "accounts"

    # --- accounts ---------------------------------------------------------------------

    def register(
        self, ctx: CommandContext, email: str, password: str, role: Role = Role.TAXPAYER
    ) -> Account:
        account = self._new_account(ctx, email, password, role)
        self._save_new(account, self._email_entry(account), *self._with_admin(account))
        return account

    def create_admin(self, ctx: CommandContext, email: str, password: str) -> Account:
        """The first admin (from the command line): the account and its audit record."""
        account = self._new_account(ctx, email, password, Role.ADMIN)
        record = AuditRecord(
            action=AuditAction.ADMIN_CREATED,
            subject=str(account.id),
            details={"role": Role.ADMIN.value},
            meta=ctx.meta(),
        )
        self._save_new(account, self._email_entry(account), record, *self._with_admin(account))
        return account

    def _with_admin(self, account: Account) -> list[AdminRoster]:
        if account.role is not Role.ADMIN:
            return []
        roster = self._roster()
        roster.add(str(account.id))
        return [roster]

    def authenticate(self, email: str, password: str) -> Account:
        account = self.find_by_email(email)
        if account is None:
            verify_password(DUMMY_HASH, password)
            raise InvalidCredentials("email or password is wrong")
        if not verify_password(account.password_hash, password):
            raise InvalidCredentials("email or password is wrong")
        if needs_rehash(account.password_hash):
            account.upgrade_password_hash(hash_password(password), meta={"actor": str(account.id)})
            self.save(account)
        return account

    def find(self, account_id: uuid.UUID) -> Account | None:
        try:
            account: object = self.repository.get(account_id)
        except AggregateNotFoundError:
            return None
        return account if isinstance(account, Account) else None

    def find_by_email(self, email: str) -> Account | None:
        """Through the email's blind index: the account id says nothing about the email.
        Erased accounts' entries are stepped over (domain/email_index.py: generations)."""
        try:
            normalised = normalise_email(email)
        except DomainError:
            return None
        for generation in range(MAX_GENERATIONS):
            found = self._email_entry_account(
                email_index_id(self.index_key, normalised, generation)
            )
            if found is None:
                return None  # no entry: no later generation either
            if isinstance(found, Account):
                return found
        return None

    def _email_entry_account(self, entry_id: uuid.UUID) -> Account | bool | None:
        """The live account an email entry points at; True for an entry of an erased account
        (unreadable, or pointing at an erased account); None when there is no entry."""
        try:
            entry: object = self.repository.get(entry_id)
        except AggregateNotFoundError:
            return None
        if isinstance(entry, AccountEmail):
            account = self.find(uuid.UUID(entry.account_id))
            if account is not None:
                return account
        return True

    def email_index_id(self, email: str) -> uuid.UUID:
        return email_index_id(self.index_key, normalise_email(email))

    def get(self, account_id: uuid.UUID) -> Account:
        account = self.find(account_id)
        if account is None:
            raise AccountNotFound(f"no account {account_id}")
        return account

    # --- privileged actions (each leaves an audit record) ----------------------------

    def change_role(self, ctx: CommandContext, account_id: uuid.UUID, role: Role) -> Account:
        for attempt in range(3):
            try:
                return self._change_role(ctx, account_id, Role(role))
            except IntegrityError:  # another role change saved the roster first: re-check
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def check_role_change(self, account_id: uuid.UUID, role: Role) -> None:
        """Raise what `change_role` would refuse with, changing nothing: lets the caller end
        the account's sessions before a change only when the change can happen."""
        account = self.get(account_id)
        if account.role is Role.ADMIN and Role(role) is not Role.ADMIN:
            self._refuse_last_admin(self._roster(), account_id)

    @staticmethod
    def _refuse_last_admin(roster: AdminRoster, account_id: uuid.UUID) -> None:
        if roster.admins == [str(account_id)]:
            raise LastAdmin("the last admin cannot lose the role; make another first")

    def _change_role(self, ctx: CommandContext, account_id: uuid.UUID, role: Role) -> Account:
        account = self.get(account_id)
        before = account.role
        record = AuditRecord(
            action=AuditAction.ROLE_CHANGED,
            subject=str(account_id),
            details={"from": before.value, "to": role.value},
            meta=ctx.meta(),
        )
        roster = None
        if before != role:
            if Role.ADMIN in (before, role):
                roster = self._roster()
                if before is Role.ADMIN:
                    self._refuse_last_admin(roster, account_id)
                    roster.remove(str(account_id))
                else:
                    roster.add(str(account_id))
            account.change_role(role, meta=ctx.meta())
        self.save(*(a for a in (account, record, roster) if a is not None))
        return account

    def record_action(
        self, ctx: CommandContext, action: str, subject: str, details: Mapping[str, str]
    ) -> None:
        self.save(
            AuditRecord(action=action, subject=subject, details=dict(details), meta=ctx.meta())
        )

    def audit_trail(self, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Audit records in the order they were recorded, after a log position. Records
        committed before the call are included: the log is read below the horizon of finished
        transactions (docs/event-log.md), so wait briefly for it to pass them."""
        settle = getattr(self.recorder, "settle", None)
        if settle is not None:
            settle()
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, topics=[_AUDIT_TOPIC], inclusive_of_start=False
        )
        entries = []
        for n in notifications:
            created = self.mapper.to_domain_event(n)
            assert isinstance(created, AuditRecord.PrivilegedActionRecorded)
            entries.append(
                AuditEntry(
                    position=n.id,
                    recorded_at=created.timestamp,
                    action=created.action,
                    subject=created.subject,
                    details=dict(created.details),
                    actor=created.meta.get("actor", ""),
                    correlation_id=created.meta.get("correlation_id", ""),
                )
            )
        return entries

    # --- plumbing ---------------------------------------------------------------------

    def _roster(self) -> AdminRoster:
        """The admins; built once from every account when a store predates the roster."""
        try:
            stored: object = self.repository.get(ROSTER_ID)
            assert isinstance(stored, AdminRoster)
            return stored
        except AggregateNotFoundError:
            pass
        admins: list[str] = []
        after = 0
        while page := self.recorder.select_notifications(
            start=after, limit=1000, topics=[_REGISTERED_TOPIC], inclusive_of_start=False
        ):
            for n in page:
                account = self.find(uuid.UUID(str(n.originator_id)))
                if account is not None and account.role is Role.ADMIN:
                    admins.append(str(account.id))
            after = page[-1].id
        return AdminRoster(admins)

    def _new_account(self, ctx: CommandContext, email: str, password: str, role: Role) -> Account:
        check_address(email)
        email = normalise_email(email)
        check_strength(password, email)
        return Account(
            email=email, password_hash=hash_password(password), role=role, meta=ctx.meta()
        )

    def _email_entry(self, account: Account) -> AccountEmail:
        """Saved with the account: a second registration of the email collides on its id.
        The first generation without an entry, past those of erased accounts."""
        for generation in range(MAX_GENERATIONS):
            entry_id = email_index_id(self.index_key, account.email, generation)
            found = self._email_entry_account(entry_id)
            if found is None:
                return AccountEmail.open(entry_id, str(account.id))
            if isinstance(found, Account):
                break
        raise EmailTaken("an account with this email already exists")

    def _save_new(self, *aggregates: Account | AccountEmail | AuditRecord | AdminRoster) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise EmailTaken("an account with this email already exists") from None
