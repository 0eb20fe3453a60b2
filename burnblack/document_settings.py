"""Documents and OCR settings, read from the environment with the rest (settings.py).

| variable | default | what |
|---|---|---|
| `BURNBLACK_MAX_UPLOAD_BYTES` | 10485760 (10 MB) | largest accepted upload |
| `BURNBLACK_MAX_DOCUMENT_PAGES` | 20 | pages (PDF or TIFF frames) per upload |
| `BURNBLACK_MAX_DOCUMENT_PIXELS` | 40000000 | pixels per page (images; PDFs rendered at 300 dpi) |
| `BURNBLACK_DOCUMENTS_DIR` | `<data dir>/documents` | local blob folder (when no bucket) |
| `BURNBLACK_S3_BUCKET` | unset | store blobs in this S3-compatible bucket instead |
| `BURNBLACK_S3_ENDPOINT` | AWS | endpoint URL of a non-AWS store (MinIO, Ceph, R2...) |
| `BURNBLACK_S3_REGION`, `_ACCESS_KEY`, `_SECRET_KEY` | boto3's chain | credentials |
| `BURNBLACK_S3_PREFIX` | `documents/` | key prefix inside the bucket |
| `BURNBLACK_DOCUMENT_JOB_TIMEOUT` | 300 | seconds one document may take to read |
| `BURNBLACK_DOCUMENT_RETRY_INTERVALS` | `0,30,120` | seconds before each retry (0: at once) |
| `BURNBLACK_WORKER_ABANDON_GRACE` | 15 | seconds past a job's timeout until a dead worker's |
| | | job is retried |
| `BURNBLACK_WORKER_MAINTENANCE_INTERVAL` | 30 | seconds between a worker's registry clean-ups |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DocumentSettings:
    max_upload_bytes: int = 10 * 1024 * 1024
    max_pages: int = 20
    max_pixels: int = 40_000_000
    documents_dir: Path = Path(".data") / "documents"
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_prefix: str = "documents/"
    job_timeout: int = 300
    retry_intervals: tuple[int, ...] = (0, 30, 120)
    worker_abandon_grace: int = 15
    worker_maintenance_interval: int = 30


def document_settings_from_env(e: dict[str, str], data_dir: Path) -> DocumentSettings:
    intervals = e.get("BURNBLACK_DOCUMENT_RETRY_INTERVALS", "0,30,120")
    return DocumentSettings(
        max_upload_bytes=int(e.get("BURNBLACK_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        max_pages=int(e.get("BURNBLACK_MAX_DOCUMENT_PAGES", "20")),
        max_pixels=int(e.get("BURNBLACK_MAX_DOCUMENT_PIXELS", "40000000")),
        documents_dir=Path(e.get("BURNBLACK_DOCUMENTS_DIR") or data_dir / "documents"),
        s3_bucket=e.get("BURNBLACK_S3_BUCKET") or None,
        s3_endpoint=e.get("BURNBLACK_S3_ENDPOINT") or None,
        s3_region=e.get("BURNBLACK_S3_REGION") or None,
        s3_access_key=e.get("BURNBLACK_S3_ACCESS_KEY") or None,
        s3_secret_key=e.get("BURNBLACK_S3_SECRET_KEY") or None,
        s3_prefix=e.get("BURNBLACK_S3_PREFIX", "documents/"),
        job_timeout=int(e.get("BURNBLACK_DOCUMENT_JOB_TIMEOUT", "300")),
        retry_intervals=tuple(int(x) for x in intervals.split(",") if x.strip()) or (5,),
        worker_abandon_grace=int(e.get("BURNBLACK_WORKER_ABANDON_GRACE", "15")),
        worker_maintenance_interval=int(e.get("BURNBLACK_WORKER_MAINTENANCE_INTERVAL", "30")),
    )
