"""Domain errors: a rule of the filing's life or of the tax law was broken."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused because it would break an invariant."""

    code = "domain-rule"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidPAN(DomainError):
    code = "invalid-pan"


class UnsupportedAssessmentYear(DomainError):
    code = "unsupported-assessment-year"


class FilingClosed(DomainError):
    """The return was submitted: it changes only through a revised return."""

    code = "filing-closed"


class ComputationMissing(DomainError):
    """Submission needs a computation of the return as it stands now."""

    code = "computation-missing"


class IncomeMissing(DomainError):
    code = "income-missing"


class InvalidTransition(DomainError):
    code = "invalid-transition"
