"""A worker SIGKILLed while it OCRs a document: a new worker finishes the job, and the
document is recorded as read exactly once.

The job's timeout, the abandon grace and the maintenance interval are short here so that
the dead worker's job is rescued (StartedJobRegistry clean-up, then an immediate retry)
within seconds rather than the default minutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rq.job import Job

from tests.documents.client import done, event_count, needs_tesseract, upload, wait_document
from tests.documents.form16_generator import Scan, part_truth, random_form16, scanned_pages, tiff
from tests.processes import Platform
from tests.servers import ServerUrls
from tests.taxpayer import Taxpayer

pytestmark = [pytest.mark.e2e, needs_tesseract]

JOB_TIMEOUT = 30


@pytest.fixture(scope="module")
def platform(servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = Platform(
        servers.database_url,
        servers.redis_url,
        Path(tmp_path_factory.mktemp("logs")),
        env={
            "BURNBLACK_DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents")),
            "BURNBLACK_DOCUMENT_JOB_TIMEOUT": str(JOB_TIMEOUT),
            "BURNBLACK_WORKER_ABANDON_GRACE": "2",
            "BURNBLACK_WORKER_MAINTENANCE_INTERVAL": "2",
            "BURNBLACK_DOCUMENT_RETRY_INTERVALS": "0,1,1",
        },
    )
    p.start()
    try:
        yield p
    finally:
        p.stop()


def test_a_worker_killed_during_ocr_is_replaced_and_the_document_is_read_once(
    platform: Platform, servers: ServerUrls
) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    filing = me.start_filing("2026-27")
    form = random_form16(random.Random(11), assessment_year="2026-27")
    scan = Scan(dpi=200, rotate=-0.8)
    pages = scanned_pages(form, scan)[1:]  # Part B: one page, a few seconds of OCR
    r = upload(me, filing["id"], tiff(pages, scan.dpi), "partb.tiff")
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]

    def in_ocr(doc: dict[str, Any]) -> bool:
        progress = doc["progress"] or {}
        return doc["status"] == "uploaded" and "ocr" in progress.get("stage", "")

    wait_document(me, doc_id, lambda d: in_ocr(d) or done(d), timeout=60)
    platform.worker.kill()  # SIGKILL, with its tesseract child and scheduler
    killed = me.client.get(f"/api/v1/documents/{doc_id}").json()
    assert killed["status"] == "uploaded", "the job finished before the worker was killed"

    platform.worker.start()  # a new worker: it must notice the abandoned job and retry it
    doc = wait_document(me, doc_id, done, timeout=JOB_TIMEOUT + 120)
    assert doc["status"] == "parsed", doc
    truth = part_truth(form.truth, 2)
    assert doc["fields"]["gross_salary"]["value"] == truth["gross_salary"]

    assert event_count(servers.database_url, doc_id, "DocumentParsed") == 1
    assert event_count(servers.database_url, doc_id, "DocumentParsingFailed") == 0
    job = Job.fetch(f"doc-{doc_id}", connection=redis.Redis.from_url(servers.redis_url))
    assert job.get_status() == "finished"
    # The new worker's registry clean-up found the dead worker's job and retried it.
    log = platform.worker.log_path.read_text(errors="replace")
    assert "AbandonedJobError" in log and f"doc-{doc_id}" in log
