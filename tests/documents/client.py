"""Document helpers for tests that drive the HTTP API and look at the event store."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.pan import mask_pan
from tests.taxpayer import Taxpayer

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract is not installed (`make tesseract` installs it as root)",
)


def upload(
    me: Taxpayer, filing_id: str, data: bytes, name: str = "form16.pdf", ctype: str = ""
) -> Any:
    return me.client.post(
        f"/api/v1/filings/{filing_id}/documents",
        files={"file": (name, data, ctype or "application/octet-stream")},
    )


def wait_document(
    me: Taxpayer, document_id: str, until: Any, timeout: float = 180, seen: list[Any] | None = None
) -> dict[str, Any]:
    """Poll the document until `until(doc)`; every answer is appended to `seen`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        r = me.client.get(f"/api/v1/documents/{document_id}")
        if r.status_code == 200:
            last = r.json()
            if seen is not None:
                seen.append(last)
            if until(last):
                return dict(last)
        time.sleep(0.05)
    raise TimeoutError(f"document {document_id} never matched; last seen: {last}")


def done(doc: dict[str, Any]) -> bool:
    return bool(doc["status"] in ("parsed", "failed", "accepted"))


def event_count(database_url: str, originator_id: str | None = None, kind: str = "") -> int:
    """Events in the filings store (all, or one aggregate's, optionally of one class)."""
    sql = "SELECT count(*) FROM filings_events WHERE topic LIKE %s"
    args: list[Any] = [f"%{kind}"]
    if originator_id is not None:
        sql += " AND originator_id = %s"
        args.append(uuid.UUID(originator_id))
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql, args).fetchone()
    assert row is not None
    return int(row[0])


def blob_count(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def as_shown(truth: dict[str, Any]) -> dict[str, Any]:
    """The truth as the API shows it: PANs masked (they are in full only in the event store)."""
    shown = dict(truth)
    for name in ("employee_pan", "employer_pan"):
        if name in shown:
            shown[name] = mask_pan(str(shown[name]))
    return shown
