"""PAN-shaped strings and emails never reach the log output."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog

from burnblack.log_masking import mask_personal_data, mask_text

PAN = "ABCPE1234F"
EMAIL = "asha.verma@example.com"


def test_text_is_masked() -> None:
    out = mask_text(f"filing for {PAN} by {EMAIL}; lower-case {PAN.lower()} too")
    assert PAN not in out and PAN.lower() not in out and EMAIL not in out
    assert "AB******F" in out and "a***@***" in out


def test_longer_words_and_ids_are_left_alone() -> None:
    text = "ABCPE1234FG 9ABCPE1234F uuid 6f1c1a52-7f0e-4b43-9a53-3a1f6bde0c11"
    assert mask_text(text) == text


def test_structlog_processor_masks_nested_values_keys_and_tracebacks() -> None:
    event = {
        "event": f"started {PAN}",
        "who": {"email": EMAIL, "pans": [PAN, ("x", PAN)]},
        EMAIL: 1,
        "exception": f'Traceback ...\nValueError: bad PAN "{PAN}"',
        "count": 3,
    }
    rendered = json.dumps(mask_personal_data(None, "info", event))
    assert PAN not in rendered and EMAIL not in rendered
    assert '"count": 3' in rendered


def test_configured_logging_masks_structlog_and_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    from burnblack.logs import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_config = root.handlers[:], structlog.get_config()
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    try:
        root.handlers = []
        configure_logging()
        try:
            raise ValueError(f"no such PAN {PAN}")
        except ValueError:
            structlog.get_logger("masking-test").exception("failed", email=EMAIL)
        library = logging.getLogger("masking-test-library")
        library.warning("user %s filed %s", EMAIL, PAN)
        try:
            raise RuntimeError(PAN)
        except RuntimeError:
            library.exception("boom")
    finally:
        root.handlers = saved_handlers
        structlog.configure(**saved_config)
    written = out.getvalue()
    assert "failed" in written and "boom" in written and "AB******F" in written
    assert PAN not in written and EMAIL not in written
