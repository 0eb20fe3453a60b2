"""A person who uses Burnblack: taxpayer, auditor or admin."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

_ACCOUNT_NAMESPACE = uuid.UUID("0d6c7a47-2a53-4a4e-8d43-5f38f2b8e6a1")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}")


class Role(StrEnum):
    TAXPAYER = "taxpayer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class InvalidEmail(DomainError):
    code = "invalid-email"


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidEmail("email must look like name@example.com", field="email")
    return email


class Account(Aggregate):
    @staticmethod
    def create_id(email: str, password_hash: str, role: Role, meta: dict[str, str]) -> uuid.UUID:
        # One account per email address: a second registration collides on this id.
        return account_id_for(email)

    @event("AccountRegistered")
    def __init__(self, email: str, password_hash: str, role: Role, meta: dict[str, str]) -> None:
        self.email = email
        self.password_hash = password_hash
        self.role = Role(role)

    @event("PasswordHashUpgraded")
    def upgrade_password_hash(self, password_hash: str, meta: dict[str, str]) -> None:
        self.password_hash = password_hash

    @event("RoleChanged")
    def change_role(self, role: Role, meta: dict[str, str]) -> None:
        self.role = Role(role)


def account_id_for(email: str) -> uuid.UUID:
    return uuid.uuid5(_ACCOUNT_NAMESPACE, normalise_email(email))
