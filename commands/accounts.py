"""Registering people and checking their credentials."""

from __future__ import annotations

import uuid

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from commands.context import CommandContext
from commands.errors import EmailTaken, InvalidCredentials
from commands.passwords import (
    DUMMY_HASH,
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from commands.transcodings import register_domain_transcodings
from domain.account import Account, Role, account_id_for, normalise_email
from domain.errors import DomainError


class AccountsApplication(Application[uuid.UUID]):
    name = "accounts"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def register(
        self, ctx: CommandContext, email: str, password: str, role: Role = Role.TAXPAYER
    ) -> Account:
        email = normalise_email(email)
        check_strength(password, email)
        account = Account(
            email=email, password_hash=hash_password(password), role=role, meta=ctx.meta()
        )
        try:
            self.save(account)
        except IntegrityError:
            raise EmailTaken("an account with this email already exists") from None
        return account

    def authenticate(self, email: str, password: str) -> Account:
        try:
            account_id = account_id_for(email)
        except DomainError:
            verify_password(DUMMY_HASH, password)
            raise InvalidCredentials("email or password is wrong") from None
        account = self.find(account_id)
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

    def change_role(self, ctx: CommandContext, account_id: uuid.UUID, role: Role) -> Account:
        account = self.find(account_id)
        if account is None:
            raise InvalidCredentials("no such account")
        account.change_role(role, meta=ctx.meta())
        self.save(account)
        return account
