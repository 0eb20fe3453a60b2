"""Email addresses are checked with `email-validator` (syntax only, no DNS): control and
bidirectional characters, bad dots, over-long parts and the like are refused."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from domain.account import InvalidEmail


def check_address(email: str) -> None:
    try:
        validate_email(email, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc), field="email") from None
