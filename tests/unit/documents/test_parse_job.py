"""The document job, called as a worker calls it (in-memory event store, local blobs)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from commands.blobs import LocalBlobStore
from commands.context import CommandContext
from commands.documents import DocumentsService
from commands.filings import FilingsApplication
from domain.documents.aggregate import DocumentStatus
from tests.cipher import TEST_INDEX_KEY
from tests.documents.form16_generator import form16_pdf, random_form16
from workers.context import JobContext
from workers.documents import parse_document

ME = CommandContext("owner-1")


@pytest.fixture
def svc(tmp_path: Path) -> DocumentsService:
    app = FilingsApplication(index_key=TEST_INDEX_KEY)
    return DocumentsService(app, LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
def ctx(svc: DocumentsService) -> JobContext:
    """What the worker's job class hands every job (burnblack/bootstrap/worker.py)."""
    return JobContext(filings=lambda: svc.app, documents=lambda _app: svc)


def _upload(svc: DocumentsService, seed: int = 1) -> tuple[str, str, bytes]:
    form = random_form16(random.Random(seed))
    fid = svc.app.start_filing(ME, str(form.truth["employee_pan"]), "2025-26").aggregate_id
    data = form16_pdf(form)
    up = svc.upload(ME, fid, data, "form16.pdf")
    return str(up.document_id), up.sha256, data


def test_the_job_records_one_reading_however_often_it_runs(
    svc: DocumentsService, ctx: JobContext
) -> None:
    doc_id, sha256, _ = _upload(svc)
    first = parse_document(ctx, doc_id, sha256)
    assert first["outcome"] == "recorded" and first["source"] == "text-layer"
    assert parse_document(ctx, doc_id, sha256) == {"outcome": "already-processed"}
    doc = svc.get_document(doc_id)  # type: ignore[arg-type]
    assert doc.status is DocumentStatus.PARSED and doc.version == 2


def test_a_missing_file_is_recorded_as_a_failure(
    svc: DocumentsService, ctx: JobContext, tmp_path: Path
) -> None:
    doc_id, sha256, _ = _upload(svc, 2)
    blob = tmp_path / "blobs" / sha256[:2] / sha256[2:4] / sha256
    blob.unlink()
    assert parse_document(ctx, doc_id, sha256)["outcome"] == "failed"
    doc = svc.get_document(doc_id)  # type: ignore[arg-type]
    assert doc.status is DocumentStatus.FAILED and "missing" in (doc.failure or "")
    assert parse_document(ctx, doc_id, sha256) == {"outcome": "already-processed"}


def test_an_unknown_document_is_nothing_to_do(ctx: JobContext) -> None:
    assert parse_document(ctx, "00000000-0000-0000-0000-000000000000", "0" * 64) == {
        "outcome": "missing"
    }
