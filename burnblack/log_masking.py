"""Masks personal data in log output: PAN-shaped strings and email addresses.

Applied to every structlog event (keys and values, nested) after exceptions are formatted,
and to records of the standard `logging` module (Granian, RQ, libraries), so a PAN or email
that reaches a message, an argument or a traceback is written masked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

# A PAN: five letters, four digits, a letter; not inside a longer word.
_PAN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})[A-Za-z]{3}[0-9]{4}([A-Za-z])(?![A-Za-z0-9])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}")


def mask_text(text: str) -> str:
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@***", text)
    return _PAN.sub(lambda m: f"{m.group(1).upper()}******{m.group(2).upper()}", text)


def _mask(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {_mask(k, depth + 1): _mask(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_mask(v, depth + 1) for v in value)
    if isinstance(value, BaseException):
        return mask_text(repr(value))
    return value


def mask_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: put it after `format_exc_info`, before the renderer."""
    for key in list(event_dict):
        value = _mask(event_dict.pop(key))
        event_dict[mask_text(key) if isinstance(key, str) else key] = value
    return event_dict


class MaskingFilter(logging.Filter):
    """For the standard library's loggers: masks the message once it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is
            return True
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True
