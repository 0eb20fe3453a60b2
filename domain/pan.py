"""Permanent Account Number: the taxpayer's identity with the Income Tax Department."""

from __future__ import annotations

import re

from domain.errors import InvalidPAN

_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")


def validate_pan(value: str) -> str:
    """Return the PAN if it has the ten-character shape AAAAA9999A, else raise InvalidPAN."""
    if not isinstance(value, str) or not _PAN.fullmatch(value):
        raise InvalidPAN(
            "PAN must be five letters, four digits and a letter (AAAAA9999A)", field="pan"
        )
    return value


def mask_pan(value: str) -> str:
    """What logs and support screens may show: the shape, not the identity."""
    if len(value) != 10:
        return "**********"
    return f"{value[:2]}******{value[-2:]}"
