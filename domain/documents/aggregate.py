"""The Document aggregate: one uploaded file on one return, and what was read from it.

Its id is derived from the filing and the file's SHA-256, so the same file uploaded twice
to the same return is one document (the second upload collides on the id). Documents live
in the same event store (and notification log) as filings, so the projector and reactor
that follow filings see them too, and accepting a document saves the document and the
filing it pre-fills in one atomic write.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.documents.fields import Extraction

Meta = dict[str, str]

_DOCUMENT_NAMESPACE = uuid.UUID("0f3c5e2a-8d41-4c7b-b7a4-2e9d6c1f5a30")


def document_id_for(filing_id: uuid.UUID, sha256: str) -> uuid.UUID:
    return uuid.uuid5(_DOCUMENT_NAMESPACE, f"{filing_id}/{sha256}")


class DocumentStatus(StrEnum):
    UPLOADED = "uploaded"  # stored; waiting for (or in) processing
    PARSED = "parsed"  # text read and fields extracted (possibly none)
    FAILED = "failed"  # could not be processed
    ACCEPTED = "accepted"  # its fields were declared on the return


class Document(Aggregate):
    @staticmethod
    def create_id(filing_id: uuid.UUID, sha256: str, **_: Any) -> uuid.UUID:
        return document_id_for(filing_id, sha256)

    @event("DocumentUploaded")
    def __init__(
        self,
        filing_id: uuid.UUID,
        sha256: str,
        owner_id: str,
        media_type: str,
        size: int,
        filename: str,
        pages: int,
        meta: Meta,
    ) -> None:
        self.filing_id = filing_id
        self.sha256 = sha256
        self.owner_id = owner_id
        self.media_type = media_type
        self.size = size
        self.filename = filename
        self.pages = pages
        self.correlation_id = meta.get("correlation_id", "")
        self.extraction: dict[str, Any] | None = None
        self.text_source: str | None = None
        self.failure: str | None = None
        self.accepted_versions: list[int] = []

    @property
    def status(self) -> DocumentStatus:
        if self.accepted_versions:
            return DocumentStatus.ACCEPTED
        if self.extraction is not None:
            return DocumentStatus.PARSED
        if self.failure is not None:
            return DocumentStatus.FAILED
        return DocumentStatus.UPLOADED

    @property
    def is_processed(self) -> bool:
        return self.extraction is not None or self.failure is not None

    def record_parsed(
        self, sha256: str, extraction: dict[str, Any], text_source: str, meta: Meta
    ) -> bool:
        """Apply a worker's reading; a repeat (or a reading of other content) is discarded."""
        if self.is_processed or sha256 != self.sha256:
            return False
        self._parsed(
            sha256=sha256,
            form=extraction.get("form"),
            fields=extraction.get("fields", {}),
            problems=list(extraction.get("problems", [])),
            parser_version=int(extraction.get("parser_version", 0)),
            text_source=text_source,
            meta=meta,
        )
        return True

    def record_failure(self, reason: str, meta: Meta) -> bool:
        if self.is_processed:
            return False
        self._failed(reason=reason, meta=meta)
        return True

    def accept(self, filing_version: int, fields_used: list[str], meta: Meta) -> None:
        self._accepted(filing_version=filing_version, fields_used=fields_used, meta=meta)

    def parsed_extraction(self) -> Extraction | None:
        if self.extraction is None:
            return None
        return msgspec.convert(self.extraction, Extraction)

    # --- what happened ---------------------------------------------------------------

    @event("DocumentParsed")
    def _parsed(
        self,
        sha256: str,
        form: str | None,
        fields: dict[str, Any],
        problems: list[str],
        parser_version: int,
        text_source: str,
        meta: Meta,
    ) -> None:
        self.extraction = {
            "form": form,
            "fields": fields,
            "problems": problems,
            "parser_version": parser_version,
        }
        self.text_source = text_source

    @event("DocumentParsingFailed")
    def _failed(self, reason: str, meta: Meta) -> None:
        self.failure = reason

    @event("DocumentAccepted")
    def _accepted(self, filing_version: int, fields_used: list[str], meta: Meta) -> None:
        self.accepted_versions = [*self.accepted_versions, filing_version]
