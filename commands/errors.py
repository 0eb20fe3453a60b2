"""Why the write side refused a command (besides the domain's own rules)."""

from __future__ import annotations

import uuid


class CommandError(Exception):
    code = "command"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VersionConflict(CommandError):
    """The client acted on a version that is no longer current."""

    code = "version-conflict"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"the filing is at version {current}, not {expected}; reload and retry")
        self.expected = expected
        self.current = current


class FilingNotFound(CommandError):
    code = "filing-not-found"

    def __init__(self, filing_id: uuid.UUID | str, detail: str = "") -> None:
        super().__init__(detail or f"no filing {filing_id}")


class FilingAlreadyExists(CommandError):
    code = "filing-exists"


class EmailTaken(CommandError):
    code = "email-taken"


class InvalidCredentials(CommandError):
    code = "invalid-credentials"


class WeakPassword(CommandError):
    code = "weak-password"


class AccountNotFound(CommandError):
    code = "account-not-found"


class LastAdmin(CommandError):
    """The only admin cannot lose the role: nobody could give it back."""

    code = "last-admin"
