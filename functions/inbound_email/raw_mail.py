"""Where the raw message is: SES's S3 action stored it before invoking us (inbound-email.md §1.6).

Reading it belongs in store/ once the lead's store rewrite lands (store/ is the only code that talks to
S3); until then this one read lives at the function's edge, with its client created once per container.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from zwrotnica.models.inbound import SesRecord


class InboundSettings(BaseModel):
    bucket: str = Field(alias="INBOUND_BUCKET", default="inbound-mail")
    prefix: str = Field(alias="INBOUND_PREFIX", default="inbound/")  # the S3 action's ObjectKeyPrefix
    # The receiving domains (comma-separated, e.g. reply.sklep.pl): mail from them is ours (no loops);
    # plus tags are read on them. EMAIL_FROM is ours too (the shop's own domain also holds its staff).
    domains: str = Field(alias="INBOUND_DOMAINS", default="")
    email_from: str = Field(alias="EMAIL_FROM", default="")

    model_config = {"populate_by_name": True, "frozen": True}

    @property
    def own_domains(self) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in self.domains.split(",") if d.strip())

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset({self.email_from} if "@" in self.email_from else set())


@lru_cache(maxsize=1)
def settings() -> InboundSettings:
    return InboundSettings.model_validate(dict(os.environ))


@lru_cache(maxsize=1)
def _s3() -> Any:
    """Short timeouts and one retry like every other client (zwrotnica.aws, issue 12): a stalled S3 fails
    this invocation fast, and SES invokes it again."""
    from zwrotnica import aws

    return aws.client("s3", aws.S3)


def location(record: SesRecord, config: InboundSettings) -> tuple[str, str]:
    """(bucket, key): an S3 action names both; a Lambda action after the S3 action (the documented pattern)
    names neither, and the key is the configured prefix plus SES's message id."""
    action = record.ses.receipt.action
    if action.type.upper() == "S3" and action.bucket_name and action.object_key:
        return action.bucket_name, action.object_key
    return config.bucket, f"{config.prefix}{record.ses.mail.message_id}"


def read(bucket: str, key: str, max_bytes: int) -> bytes | None:
    """The stored message, or None when it is larger than `max_bytes` (never read into memory)."""
    head = _s3().head_object(Bucket=bucket, Key=key)
    if int(head.get("ContentLength", 0)) > max_bytes:
        return None
    return _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
