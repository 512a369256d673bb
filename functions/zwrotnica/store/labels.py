"""Return labels and slips in S3 (private bucket, lifecycle-expired); customers get expiring links."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from zwrotnica.settings import get_settings

LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 pre-signed URL may live


@lru_cache(maxsize=1)
def s3_client() -> Any:
    return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard"}))


def put_pdf(key: str, data: bytes) -> None:
    s3_client().put_object(
        Bucket=get_settings().labels_bucket,
        Key=key,
        Body=data,
        ContentType="application/pdf",
        ContentDisposition=f'attachment; filename="{key.rsplit("/", 1)[-1]}"',
    )


def link(key: str) -> str:
    return s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().labels_bucket, "Key": key}, ExpiresIn=LINK_SECONDS
    )
