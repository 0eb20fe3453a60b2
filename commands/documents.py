"""The write side of documents: upload, record what a worker read, accept onto the return.

Documents are saved by the filings application itself (same event store, same notification
log), so the projector and reactor that follow filings see their events, and acceptance
writes the document and the filing it pre-fills in one atomic save.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from commands.adapters.document_files import FileFacts, UploadLimits, inspect
from commands.application import record_report
from commands.blobs import BlobStore, sha256_of
from commands.context import CommandContext
from commands.errors import CommandError, VersionConflict
from commands.filings import FilingsApplication
from commands.keyring import KeyringCipher
from commands.results import Written
from commands.sealed_blobs import BlobSealer
from domain.documents.aggregate import Document, document_id_for
from domain.documents.errors import DocumentNotParsed
from domain.documents.prefill import prefill


class DocumentNotFound(CommandError):
    code = "not-found"

    def __init__(self, document_id: uuid.UUID | str) -> None:
        super().__init__(f"no document {document_id}")


@dataclass(frozen=True)
class Uploaded:
    document_id: uuid.UUID
    filing_id: uuid.UUID
    sha256: str
    facts: FileFacts
    written: Written | None  # None: the same file was already on this return

    @property
    def duplicate(self) -> bool:
        return self.written is None


class DocumentsService:
    def __init__(
        self, app: FilingsApplication, blobs: BlobStore, limits: UploadLimits | None = None
    ) -> None:
        self.app = app
        self.blobs = blobs
        self.limits = limits or UploadLimits()
        # Files are sealed with their owner's data key when the event store has data keys.
        cipher = app.mapper.cipher
        self.sealer = BlobSealer(cipher.keys) if isinstance(cipher, KeyringCipher) else None

    def read_file(self, owner_id: str, sha256: str) -> bytes:
        """An uploaded file's bytes (KeyDestroyed once its owner was erased)."""
        if self.sealer is None:
            return self.blobs.get(sha256)
        return self.sealer.get(self.blobs, owner_id, sha256)

    # --- the taxpayer's commands -------------------------------------------------------

    def upload(
        self, ctx: CommandContext, filing_id: uuid.UUID, data: bytes, filename: str
    ) -> Uploaded:
        """Check the file, store it under its hash, record `DocumentUploaded` (once per file
        and return). Nothing is written when the file is refused. `filename` is the client's
        and is not kept (`stored_name`)."""
        self.app.get_owned_filing(filing_id, ctx.actor)
        facts = inspect(data, self.limits)
        sha256 = sha256_of(data)
        document_id = document_id_for(filing_id, sha256)
        if self.find(document_id) is not None:
            return Uploaded(document_id, filing_id, sha256, facts, None)
        if self.sealer is None:
            self.blobs.put(sha256, data, facts.media_type)
        else:
            self.sealer.put(self.blobs, ctx.actor, sha256, data, facts.media_type)
        document = Document(
            filing_id=filing_id,
            sha256=sha256,
            owner_id=ctx.actor,
            media_type=facts.media_type,
            size=len(data),
            filename=stored_name(facts.media_type, sha256),
            pages=facts.pages,
            meta=ctx.meta(),
        )
        try:
            written = self._save(document)
        except IntegrityError:  # the same upload, concurrently: one of them wins
            return Uploaded(document_id, filing_id, sha256, facts, None)
        return Uploaded(document_id, filing_id, sha256, facts, written)

    def accept(
        self,
        ctx: CommandContext,
        document_id: uuid.UUID,
        expected_version: int,
        today: dt.date,
        corrections: dict[str, int] | None = None,
    ) -> Written:
        """Put the document's figures (and allowed deductions) on its return, sourced to the
        document and added to the other employers' (`Filing.declare_document`), and ask for
        a fresh computation: one atomic write of both aggregates.
        `expected_version` is the filing's (If-Match)."""
        document = self.get_owned_document(document_id, ctx.actor)
        filing = self.app.get_owned_filing(document.filing_id, ctx.actor)
        if filing.version != expected_version:
            raise VersionConflict(expected_version, filing.version)
        extraction = document.parsed_extraction()
        if extraction is None:
            raise DocumentNotParsed(
                "the document has not been read yet"
                if document.failure is None
                else f"the document could not be read: {document.failure}",
                field="document",
            )
        plan = prefill(
            extraction,
            document_id=str(document.id),
            sha256=document.sha256,
            filing_pan=filing.pan,
            filing_assessment_year=filing.assessment_year,
            corrections=corrections,
        )
        meta = ctx.meta()
        filing.declare_document(plan.income_source, plan.deductions_source, meta)
        filing.request_computation(today, meta)
        document.accept(filing.version, list(plan.fields_used), meta)
        try:
            recordings = self.app.save(filing, document)
        except IntegrityError:
            current = self.app.get_filing(filing.id).version
            raise VersionConflict(expected_version, current) from None
        position = max(r.notification.id for r in recordings)
        return Written(aggregate_id=filing.id, version=filing.version, position=position)

    # --- what a worker reports back ----------------------------------------------------

    def record_parsed(
        self,
        ctx: CommandContext,
        document_id: uuid.UUID,
        sha256: str,
        extraction: dict[str, Any],
        text_source: str,
    ) -> Written | None:
        """Record a reading once; a repeat (another delivery of the job) is discarded."""
        return self._report(
            document_id,
            lambda d: d.record_parsed(sha256, extraction, text_source, ctx.meta()),
        )

    def record_failure(
        self, ctx: CommandContext, document_id: uuid.UUID, reason: str
    ) -> Written | None:
        return self._report(document_id, lambda d: d.record_failure(reason, ctx.meta()))

    # --- reading the write model ---------------------------------------------------------

    def find(self, document_id: uuid.UUID) -> Document | None:
        try:
            document: object = self.app.repository.get(document_id)
        except AggregateNotFoundError:
            return None
        return document if isinstance(document, Document) else None

    def get_document(self, document_id: uuid.UUID) -> Document:
        document = self.find(document_id)
        if document is None:
            raise DocumentNotFound(document_id)
        return document

    def get_owned_document(self, document_id: uuid.UUID, owner_id: str) -> Document:
        document = self.find(document_id)
        if document is None or document.owner_id != owner_id:
            raise DocumentNotFound(document_id)  # another's document does not exist for you
        return document

    # --- plumbing ------------------------------------------------------------------------

    def _report(self, document_id: uuid.UUID, apply: Callable[[Document], bool]) -> Written | None:
        return record_report(lambda: self.get_document(document_id), apply, self._save)

    def _save(self, document: Document) -> Written:
        recordings = self.app.save(document)
        return Written(
            aggregate_id=document.id,
            version=document.version,
            position=recordings[-1].notification.id,
        )


_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
}


def stored_name(media_type: str, sha256: str) -> str:
    """The name a document is shown under. The client's own name for the file is not kept
    at all (it is often the PAN and the taxpayer's name, and would be served in clear by
    the read model): a neutral name from the content's type and hash instead."""
    return f"document-{sha256[:8]}.{_EXTENSIONS.get(media_type, 'bin')}"
