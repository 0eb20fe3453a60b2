"""The blob store port, on a local folder and on a real S3-compatible HTTP server (moto's
server, started here; boto3 talks HTTP to it exactly as to S3 or MinIO)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from commands.adapters.s3_blobs import S3BlobStore
from commands.blobs import BlobMissing, BlobStore, LocalBlobStore, sha256_of
from tests.processes import free_port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3(endpoint: str, bucket: str = "burnblack-test") -> S3BlobStore:
    store = S3BlobStore(
        bucket,
        endpoint_url=endpoint,
        region="ap-south-1",
        access_key="test",
        secret_key="test",
    )
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "documents")
    return _s3(request.getfixturevalue("s3_endpoint"))


def test_put_get_exists_by_content_hash(store: BlobStore) -> None:
    data = b"%PDF-1.7 a form 16" * 1000
    digest = sha256_of(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert not store.exists(digest)
    store.put(digest, data, "application/pdf")
    store.put(digest, data, "application/pdf")  # idempotent
    assert store.exists(digest)
    assert store.get(digest) == data


def test_a_missing_blob_is_reported(store: BlobStore) -> None:
    with pytest.raises(BlobMissing):
        store.get("0" * 64)


def test_hashes_are_checked(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.exists("../../etc/passwd")


def test_bytes_that_no_longer_match_their_hash_are_refused(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = b"original"
    digest = sha256_of(data)
    store.put(digest, data, "image/png")
    path = tmp_path / digest[:2] / digest[2:4] / digest
    path.write_bytes(b"tampered")
    with pytest.raises(BlobMissing):
        store.get(digest)


def test_s3_objects_carry_their_type_and_hash(s3_endpoint: str) -> None:
    store = _s3(s3_endpoint, "burnblack-meta")
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    digest = sha256_of(data)
    store.put(digest, data, "image/png")
    head = store._s3.head_object(Bucket="burnblack-meta", Key=f"documents/{digest}")
    assert head["ContentType"] == "image/png"
    assert head["Metadata"]["sha256"] == digest
