"""What the document endpoints need, handed in by the composition root."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from commands.documents import DocumentsService
from domain.documents.aggregate import Document
from projections.read_models.documents.projection import masked
from projections.read_models.documents.queries import DocumentQueries

MULTIPART_SLACK = 64 * 1024
"""Room for the multipart envelope around a file of the largest accepted size."""


@dataclass
class DocumentApi:
    service: DocumentsService
    queries: DocumentQueries
    max_upload_bytes: int

    @property
    def max_body_bytes(self) -> int:
        return self.max_upload_bytes + MULTIPART_SLACK

    def view(self, owner_id: str, document_id: uuid.UUID) -> dict[str, Any] | None:
        """The owner's document from the read model, or, before the read model has it, as
        its events say; None for no such document (or another's)."""
        found = self.queries.document(owner_id, document_id)
        if found is not None:
            return found
        document = self.service.find(document_id)
        if document is None or document.owner_id != owner_id:
            return None
        return self._from_write_model(document)

    def _from_write_model(self, document: Document) -> dict[str, Any]:
        extraction = document.extraction or {}
        return {
            "id": str(document.id),
            "filing_id": str(document.filing_id),
            "status": document.status.value,
            "progress": self.queries.progress(document.id),
            "media_type": document.media_type,
            "size": document.size,
            "filename": document.filename,
            "pages": document.pages,
            "sha256": document.sha256,
            "form": extraction.get("form"),
            "fields": masked(extraction.get("fields")) or {},
            "problems": extraction.get("problems", []),
            "error": document.failure,
            "text_source": document.text_source,
            "accepted_filing_versions": list(document.accepted_versions),
            "version": document.version,
            "uploaded_at": document.created_on,
            "updated_at": document.modified_on,
        }
