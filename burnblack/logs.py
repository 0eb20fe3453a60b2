"""Structured logs (JSON lines) for every process."""

from __future__ import annotations

import logging
import sys

import structlog

from burnblack.log_masking import MaskingFilter, mask_personal_data


class _Stderr:
    """Writes each line to whatever `sys.stderr` is at that moment: structlog's PrintLogger
    keeps the stream it was made with, and a command run in-process (tests' CliRunner) closes
    its stream afterwards, which broke every later log line of the process."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def _stderr_logger(*_args: object) -> _Stderr:
    return _Stderr()


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)
    for handler in logging.getLogger().handlers:  # PAN and emails never reach the output
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_personal_data,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
