"""A person who uses Burnblack: taxpayer, auditor or admin."""

from __future__ import annotations

import re
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

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
    # The id is random (uuid4, the library's default): one account per email is kept by
    # the email's blind index (`domain.email_index`), saved with the account. Accounts
    # registered before that have uuid5(email) ids and are found through the same index.
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
