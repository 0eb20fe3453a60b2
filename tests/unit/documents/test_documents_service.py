"""The document write side on an in-memory event store: uploads, readings, acceptance, and
old IncomeDeclared events (stored before `source` existed) still replaying."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import uuid
from pathlib import Path

import msgspec
import pytest

from commands.adapters.document_files import UnsupportedDocument
from commands.blobs import LocalBlobStore
from commands.context import CommandContext
from commands.documents import DocumentNotFound, DocumentsService
from commands.errors import FilingNotFound, VersionConflict
from commands.filings import FilingsApplication
from domain.documents.aggregate import DocumentStatus, document_id_for
from domain.documents.errors import DocumentNotParsed, PanMismatch
from domain.documents.form16 import parse_form16
from domain.filing import IncomeDeclaration
from domain.tax.inputs import Salary
from projections.filing_history import filing_history
from tests.cipher import TEST_INDEX_KEY
from tests.documents.form16_generator import form16_pdf, random_form16
from workers.reading import read_document

TODAY = dt.date(2026, 7, 1)
ME = CommandContext("owner-1")


@pytest.fixture
def svc(tmp_path: Path) -> DocumentsService:
    return DocumentsService(
        FilingsApplication(index_key=TEST_INDEX_KEY), LocalBlobStore(tmp_path / "blobs")
    )


def _filing_with_form(svc: DocumentsService, seed: int = 3) -> tuple[str, bytes, dict[str, object]]:
    form = random_form16(random.Random(seed), assessment_year="2026-27")
    pan = str(form.truth["employee_pan"])
    written = svc.app.start_filing(ME, pan, "2026-27")
    return str(written.aggregate_id), form16_pdf(form), form.truth


def _read(svc: DocumentsService, document_id: object, data: bytes) -> None:
    reading = read_document(data, "application/pdf")
    plain = msgspec.to_builtins(parse_form16(reading.pages))
    doc = svc.get_document(document_id)  # type: ignore[arg-type]
    assert svc.record_parsed(ME, doc.id, doc.sha256, plain, reading.source) is not None


def test_the_same_file_on_the_same_return_is_one_document(svc: DocumentsService) -> None:
    fid, data, _ = _filing_with_form(svc)
    first = svc.upload(ME, uuid.UUID(fid), data, "../../etc/form16.pdf")
    second = svc.upload(ME, uuid.UUID(fid), data, "again.pdf")
    assert first.document_id == second.document_id == document_id_for(uuid.UUID(fid), first.sha256)
    assert first.written is not None and second.duplicate
    doc = svc.get_document(first.document_id)
    # The client's name (often the PAN and the name) is not kept: a neutral one instead.
    assert doc.filename == f"document-{first.sha256[:8]}.pdf"
    assert doc.status is DocumentStatus.UPLOADED
    assert svc.blobs.get(first.sha256) == data


def test_nothing_is_written_for_a_refused_file_or_a_strangers_return(
    svc: DocumentsService, tmp_path: Path
) -> None:
    fid, data, _ = _filing_with_form(svc)
    before = svc.app.recorder.max_notification_id()
    with pytest.raises(UnsupportedDocument):
        svc.upload(ME, uuid.UUID(fid), b"not a document at all", "form16.pdf")
    with pytest.raises(FilingNotFound):
        svc.upload(CommandContext("stranger"), uuid.UUID(fid), data, "form16.pdf")
    assert svc.app.recorder.max_notification_id() == before
    assert not (tmp_path / "blobs").exists()


def test_a_reading_is_recorded_once(svc: DocumentsService) -> None:
    fid, data, truth = _filing_with_form(svc)
    up = svc.upload(ME, uuid.UUID(fid), data, "f.pdf")
    _read(svc, up.document_id, data)
    doc = svc.get_document(up.document_id)
    assert doc.status is DocumentStatus.PARSED and doc.text_source == "text-layer"
    assert doc.extraction is not None
    assert doc.extraction["fields"]["gross_salary"]["value"] == truth["gross_salary"]
    # A second delivery of the job, and a failure reported late: both discarded.
    assert svc.record_parsed(ME, doc.id, doc.sha256, doc.extraction, "ocr") is None
    assert svc.record_failure(ME, doc.id, "late") is None
    assert svc.get_document(doc.id).version == 2


def test_acceptance_declares_the_income_with_its_source_and_asks_for_a_computation(
    svc: DocumentsService,
) -> None:
    fid, data, truth = _filing_with_form(svc)
    filing_id = uuid.UUID(fid)
    up = svc.upload(ME, filing_id, data, "f.pdf")
    with pytest.raises(DocumentNotParsed):
        svc.accept(ME, up.document_id, 1, TODAY)
    _read(svc, up.document_id, data)
    with pytest.raises(VersionConflict):
        svc.accept(ME, up.document_id, 7, TODAY)
    with pytest.raises(DocumentNotFound):
        svc.accept(CommandContext("stranger"), up.document_id, 1, TODAY)
    written = svc.accept(ME, up.document_id, 1, TODAY)
    filing = svc.app.get_filing(filing_id)
    assert written.version == filing.version and filing.status.value == "computing"
    assert filing.income is not None
    assert filing.income["salary"]["gross"] == truth["gross_salary"]
    assert filing.income_source is not None
    assert filing.income_source["document_id"] == str(up.document_id)
    assert svc.get_document(up.document_id).accepted_versions == [filing.version]
    events = [h["event"] for h in filing_history(svc.app, filing_id, ME.actor)]
    assert events[0] == "FilingStarted" and events[1] == "IncomeDeclared"
    assert events[-1] == "TaxComputationRequested"


def test_a_form16_for_another_pan_is_refused(svc: DocumentsService) -> None:
    form = random_form16(random.Random(9), assessment_year="2026-27")
    fid = svc.app.start_filing(ME, "ABCPE1234F", "2026-27").aggregate_id
    data = form16_pdf(form)
    up = svc.upload(ME, fid, data, "f.pdf")
    _read(svc, up.document_id, data)
    with pytest.raises(PanMismatch):
        svc.accept(ME, up.document_id, 1, TODAY)
    assert svc.app.get_filing(uuid.UUID(str(fid))).version == 1


def test_income_declared_before_sources_existed_still_replays() -> None:
    app = FilingsApplication(index_key=TEST_INDEX_KEY)
    fid = app.start_filing(ME, "ABCPE1234F", "2026-27").aggregate_id
    app.declare_income(ME, fid, 1, IncomeDeclaration(salary=Salary(gross=900_000)))
    events = app.recorder._stored_events  # type: ignore[attr-defined]
    at = next(
        i
        for i, e in enumerate(events)
        if e.originator_id == fid and e.originator_version == 2  # the IncomeDeclared
    )
    stored = events[at]
    state = json.loads(stored.state)
    del state["source"]  # the event as the previous release stored it
    events[at] = dataclasses.replace(stored, state=json.dumps(state).encode())
    filing = app.get_filing(fid)
    assert filing.income is not None and filing.income["salary"]["gross"] == 900_000
    assert filing.income_source is None
    history = filing_history(app, fid, ME.actor)
    assert history[1]["source"] == {"entered": "by the taxpayer"}


def test_two_employers_form16s_add_up_and_accepting_one_again_changes_nothing(
    svc: DocumentsService,
) -> None:
    pan = "ABCPE1234F"
    fid = svc.app.start_filing(ME, pan, "2026-27").aggregate_id
    forms = [random_form16(random.Random(s), assessment_year="2026-27", pan=pan) for s in (4, 6)]
    ids = []
    for form in forms:
        data = form16_pdf(form)
        up = svc.upload(ME, fid, data, "form16.pdf")
        _read(svc, up.document_id, data)
        ids.append(up.document_id)
    version = svc.app.get_filing(fid).version
    version = svc.accept(ME, ids[0], version, TODAY).version
    version = svc.accept(ME, ids[1], version, TODAY).version
    filing = svc.app.get_filing(fid)
    assert filing.income is not None
    truths = [f.truth for f in forms]
    assert filing.income["salary"]["gross"] == sum(int(t["gross_salary"]) for t in truths)
    assert filing.income["salary"]["exempt_allowances"] == sum(
        int(t["exemptions_total"]) for t in truths
    )
    assert filing.income["taxes_paid"]["tds"] == sum(int(t["tds_total"]) for t in truths)
    tans = {str(i): t["employer_tan"] for i, t in zip(ids, truths, strict=True)}
    assert filing.document_employers == tans
    before = filing.income
    svc.accept(ME, ids[0], version, TODAY)  # accepted again: its contribution, not a second
    assert svc.app.get_filing(fid).income == before
