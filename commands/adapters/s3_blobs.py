"""The blob store on an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...) through boto3."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from commands.blobs import BlobMissing, check_hash, verified


def _not_found(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "documents/",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._s3 = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{check_hash(sha256)}"

    def put(self, sha256: str, data: bytes, media_type: str) -> None:
        if self.exists(sha256):
            return
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self._key(sha256),
            Body=data,
            ContentType=media_type,
            Metadata={"sha256": sha256},
        )

    def get(self, sha256: str) -> bytes:
        return verified(sha256, self.raw(sha256))

    def raw(self, name: str) -> bytes:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if _not_found(exc):
                raise BlobMissing(f"no blob {name} in s3://{self.bucket}") from None
            raise
        body: bytes = response["Body"].read()
        return body

    def exists(self, sha256: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if _not_found(exc):
                return False
            raise
        return True

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (development and tests; production buckets are
        provisioned, with their own lifecycle and encryption settings)."""
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except ClientError:
            region = self._s3.meta.region_name
            if region and region != "us-east-1":
                self._s3.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": region},
                )
            else:
                self._s3.create_bucket(Bucket=self.bucket)
