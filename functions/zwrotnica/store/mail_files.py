"""The inbound bucket (S3): the raw messages SES's S3 action stored, and the attachments we keep.

  {INBOUND_PREFIX}{SES message id}                      the raw message, as SES stored it
  attachments/{SES message id}/{n}-{file name}          an attachment, decoded (a photo of a damaged parcel)

The only code that reads or writes that bucket; the client is created once per container. A link for the
team is presigned at the moment it is asked for and lives minutes (inbound-email.md §7: a presigned URL
dies with the role session that signed it anyway).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from zwrotnica.models.inbound import AttachmentInfo, SesRecord
from zwrotnica.settings import Settings

ATTACHMENTS = "attachments/"
LINK_SECONDS = 15 * 60
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TYPE_UNSAFE = re.compile(r"[^A-Za-z0-9./+-]+")  # S3 metadata is ASCII


@lru_cache(maxsize=1)
def _s3() -> Any:
    """Short timeouts and one retry like every other client (zwrotnica.aws, issue 12): a stalled S3 fails
    this invocation fast, and SES invokes it again."""
    from zwrotnica import aws

    return aws.client("s3", aws.S3)


def location(record: SesRecord, settings: Settings) -> tuple[str, str]:
    """(bucket, key): an S3 action names both; a Lambda action after the S3 action (the documented pattern)
    names neither, and the key is the configured prefix plus SES's message id (inbound-email.md §1.6)."""
    action = record.ses.receipt.action
    if action.type.upper() == "S3" and action.bucket_name and action.object_key:
        return action.bucket_name, action.object_key
    return settings.inbound_bucket, f"{settings.inbound_prefix}{record.ses.mail.message_id}"


def read(bucket: str, key: str, max_bytes: int) -> bytes | None:
    """The stored message, or None when it is larger than `max_bytes` (never read into memory)."""
    head = _s3().head_object(Bucket=bucket, Key=key)
    if int(head.get("ContentLength", 0)) > max_bytes:
        return None
    return _s3().get_object(Bucket=bucket, Key=key)["Body"].read()


def attachment_key(message_id: str, n: int, info: AttachmentInfo) -> str:
    """`attachments/<SES message id>/<n>-<name>`: the same message always writes the same keys."""
    name = _KEY_UNSAFE.sub("_", info.filename).strip("._")[:100] or "zalacznik"
    return f"{ATTACHMENTS}{message_id}/{n}-{name}"


def put_attachment(bucket: str, key: str, data: bytes, info: AttachmentInfo) -> None:
    """Stored as a download (never rendered inline from our bucket), encrypted by the bucket's default."""
    _s3().put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType="application/octet-stream",
        ContentDisposition="attachment",
        Metadata={"content-type": _TYPE_UNSAFE.sub("", info.content_type)[:100], "sha256": info.sha256},
    )


def link(bucket: str, key: str, seconds: int = LINK_SECONDS) -> str:
    """A short-lived download link for the team (the CLI asks for it when it shows a ticket)."""
    return _s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds
    )
