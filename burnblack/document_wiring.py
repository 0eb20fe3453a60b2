"""Builds the document pieces from Settings: blob store, service, reactor, worker."""

from __future__ import annotations

from typing import Any

import redis
from psycopg_pool import ConnectionPool
from rq import Queue

from burnblack.document_settings import DocumentSettings
from burnblack.settings import Settings
from commands.adapters.document_files import UploadLimits
from commands.blobs import BlobStore, LocalBlobStore
from commands.documents import DocumentsService
from commands.filings import FilingsApplication
from projections.reactors.documents import DocumentReactor
from projections.read_models.documents.projection import DocumentStatusFollower
from projections.read_models.documents.queries import DocumentQueries


def upload_limits(d: DocumentSettings) -> UploadLimits:
    return UploadLimits(
        max_bytes=d.max_upload_bytes, max_pixels=d.max_pixels, max_pages=d.max_pages
    )


def blob_store(settings: Settings) -> BlobStore:
    d = settings.documents
    if d.s3_bucket:
        from commands.adapters.s3_blobs import S3BlobStore

        return S3BlobStore(
            d.s3_bucket,
            prefix=d.s3_prefix,
            endpoint_url=d.s3_endpoint,
            region=d.s3_region,
            access_key=d.s3_access_key,
            secret_key=d.s3_secret_key,
        )
    return LocalBlobStore(d.documents_dir)


def documents_service(settings: Settings, app: FilingsApplication) -> DocumentsService:
    return DocumentsService(app, blob_store(settings), upload_limits(settings.documents))


def document_queries(pool: ConnectionPool[Any], client: redis.Redis) -> DocumentQueries:
    return DocumentQueries(pool, client)


def document_followers(settings: Settings, default_queue: Queue) -> list[Any]:
    """The projector's document followers: the status read model and the job reactor."""
    d = settings.documents
    return [
        DocumentStatusFollower(),
        DocumentReactor(default_queue, d.job_timeout, d.retry_intervals),
    ]


def worker_options(settings: Settings) -> dict[str, int]:
    d = settings.documents
    return {
        "abandon_grace": d.worker_abandon_grace,
        "maintenance_interval": d.worker_maintenance_interval,
        "dequeue_seconds": min(10, d.worker_maintenance_interval),
    }
