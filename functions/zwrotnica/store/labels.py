"""Return labels and slips in S3 (private bucket, lifecycle-expired after 60 days).

Customers never get an S3 link. An S3 pre-signed URL made in Lambda is signed with the function's
temporary credentials and dies with them, hours before the "7 days" it promises (issue 12). The e-mail
carries our own signed, expiring link instead (`GET /labels/{rma}?t=…`, domain.links.label_url), and the
return form function reads the PDF from here and answers with it (`get_pdf`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica import aws
from zwrotnica.settings import get_settings


@lru_cache(maxsize=1)
def s3_client() -> Any:
    return aws.client("s3", aws.S3)


def put_pdf(key: str, data: bytes) -> None:
    s3_client().put_object(
        Bucket=get_settings().labels_bucket,
        Key=key,
        Body=data,
        ContentType="application/pdf",
        ContentDisposition=f'attachment; filename="{key.rsplit("/", 1)[-1]}"',
    )


def get_pdf(key: str) -> bytes | None:
    """The stored PDF, or None when it is gone (the bucket's lifecycle, or never made)."""
    try:
        answer = s3_client().get_object(Bucket=get_settings().labels_bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return answer["Body"].read()
