"""What the document endpoints need, handed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from commands.documents import DocumentsService
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
