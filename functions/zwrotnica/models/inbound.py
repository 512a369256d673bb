"""Inbound e-mail: the event SES email receiving hands a Lambda action, and a message as we parsed it.

The SES model is our own and tolerant (inbound-email.md §1.5): Powertools' SesModel rejects verdicts it
does not know, `RequestResponse` invocations and mails without `to` or `subject`, and drops `dmarcPolicy`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zwrotnica.models.common import CleanText, OneLine, UtcDateTime
from zwrotnica.models.ticket import TicketChannel

# SES's message id is the S3 object key (after the prefix): never let it climb out of the prefix.
SES_MESSAGE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class _Ses(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Verdict(_Ses):
    """PASS, FAIL, GRAY, PROCESSING_FAILED, or DISABLED (scanning off); anything else is kept upper-cased."""

    status: str = "DISABLED"

    @field_validator("status", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> str:
        return str(value or "DISABLED").strip().upper()[:40]


class ReceiptAction(_Ses):
    type: str
    bucket_name: str | None = Field(default=None, alias="bucketName")
    object_key_prefix: str | None = Field(default=None, alias="objectKeyPrefix")
    object_key: str | None = Field(default=None, alias="objectKey")
    function_arn: str | None = Field(default=None, alias="functionArn")
    invocation_type: str | None = Field(default=None, alias="invocationType")


class Receipt(_Ses):
    timestamp: UtcDateTime
    recipients: list[str] = Field(default_factory=list, max_length=100)
    spam_verdict: Verdict = Field(default_factory=Verdict, alias="spamVerdict")
    virus_verdict: Verdict = Field(default_factory=Verdict, alias="virusVerdict")
    spf_verdict: Verdict = Field(default_factory=Verdict, alias="spfVerdict")
    dkim_verdict: Verdict = Field(default_factory=Verdict, alias="dkimVerdict")
    dmarc_verdict: Verdict = Field(default_factory=Verdict, alias="dmarcVerdict")
    # Present only when DMARC failed; a string ("reject") in the field reference, {"status": "REJECT"}
    # in AWS's own example function: both are accepted.
    dmarc_policy: str | None = Field(default=None, alias="dmarcPolicy")
    action: ReceiptAction

    @field_validator("dmarc_policy", mode="before")
    @classmethod
    def _policy(cls, value: Any) -> str | None:
        if isinstance(value, dict):
            value = value.get("status")
        return str(value).strip().lower()[:20] if value else None


class MailHeader(_Ses):
    name: str
    value: str


class CommonHeaders(_Ses):
    return_path: str | None = Field(default=None, alias="returnPath")
    from_: list[str] = Field(default_factory=list, alias="from")
    to: list[str] = Field(default_factory=list)
    date: str | None = None
    message_id: str | None = Field(default=None, alias="messageId")
    subject: str | None = None


class Mail(_Ses):
    timestamp: UtcDateTime
    source: str | None = None  # SMTP MAIL FROM; empty for a bounce
    message_id: str = Field(alias="messageId", pattern=SES_MESSAGE_ID)
    destination: list[str] = Field(default_factory=list)
    headers_truncated: bool = Field(default=False, alias="headersTruncated")
    headers: list[MailHeader] = Field(default_factory=list)
    common_headers: CommonHeaders = Field(default_factory=CommonHeaders, alias="commonHeaders")


class SesNotification(_Ses):
    mail: Mail
    receipt: Receipt


class SesRecord(_Ses):
    event_source: str = Field(alias="eventSource", pattern=r"^aws:ses$")
    event_version: str = Field(default="1.0", alias="eventVersion")
    ses: SesNotification


class SesEvent(_Ses):
    records: list[SesRecord] = Field(alias="Records", min_length=1, max_length=100)


class AttachmentInfo(BaseModel):
    """What a customer attached (a photo of a damaged parcel): described here, the bytes go to S3."""

    model_config = ConfigDict(frozen=True)

    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int = Field(ge=0, description="decoded bytes")
    sha256: str
    inline: bool = False
    stored: bool = True  # False: over the per-attachment limit, listed but not kept


class InboundEmail(BaseModel):
    """A received message, parsed. `text` is the whole body as text; `new_text` is what the customer wrote
    this time (quoted history and signature cut off): classify that, keep both."""

    model_config = ConfigDict(frozen=True)

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    subject: str = ""
    from_address: str | None = None  # personal data: never logged
    from_name: str = ""
    reply_to: str | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    new_text: str = ""
    html_only: bool = False
    attachments: list[AttachmentInfo] = Field(default_factory=list)
    # Lower-cased header name -> value, only the ones the safety rules read (auto-submitted, list-id...).
    signals: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list, description="what parsing repaired: charset guessed...")

    def plus_tags(self, domains: frozenset[str] | set[str]) -> list[str]:
        """The `+tag` of every To/Cc address at one of our `domains` (pomoc+TAG@sklep.pl)."""
        tags = []
        for address in [*self.to, *self.cc]:
            tag = plus_tag(address, domains)
            if tag and tag not in tags:
                tags.append(tag)
        return tags


def plus_tag(address: str, domains: frozenset[str] | set[str]) -> str | None:
    local, at, domain = address.strip().rpartition("@")
    if not at or domain.lower() not in domains or "+" not in local:
        return None
    return local.split("+", 1)[1] or None


class RejectReason(StrEnum):
    TOO_LARGE = "too_large"
    HEADERS_TOO_LARGE = "headers_too_large"
    TOO_MANY_PARTS = "too_many_parts"
    TOO_DEEP = "too_deep"
    MALFORMED = "malformed"


class Rejected(BaseModel):
    """A message we refuse to read (a MIME bomb, no headers at all): kept in S3, never parsed further."""

    model_config = ConfigDict(frozen=True)

    reason: RejectReason
    detail: str = Field(max_length=300)


class StoredAttachment(BaseModel):
    """An attachment as the ticket links it: its S3 key (None: over the size limit, listed only)."""

    model_config = ConfigDict(frozen=True)

    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int = Field(ge=0)
    key: str | None = Field(default=None, max_length=1024)


class CustomerMessage(BaseModel):
    """One message a customer wrote in, by e-mail (SES) or through POST /tickets (a chat handoff, a contact
    form): what the conversations use case reads. `key` makes it one message however often it arrives."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(min_length=1, max_length=300, description="ses:<SES message id> or api:<webhook id>")
    channel: TicketChannel
    received_at: UtcDateTime
    sender: str | None = Field(default=None, max_length=254)  # e-mail address: personal, never logged
    # Outside text, normalised where it enters (models.common: NFC; bidi, zero-width and control
    # characters out), whichever channel brought it: the subject and name one line, the words with breaks.
    sender_name: OneLine = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    subject: OneLine = Field(default="", max_length=500)
    text: CleanText = ""  # the whole body as text
    new_text: CleanText = ""  # what the customer wrote this time (quoted history cut off)
    message_id: str | None = Field(default=None, max_length=300)  # their Message-ID
    references: list[str] = Field(default_factory=list, max_length=60)  # In-Reply-To, then References
    tags: list[str] = Field(default_factory=list, max_length=20)  # plus tags of our addresses (unverified)
    thread_ref: str | None = Field(default=None, max_length=200)  # the external tool's thread id
    # The order the tool named (POST /tickets' `order_number`, as the shop numbers it): looked up first,
    # whatever its shape, where the text's numbers are only what the e-mail matcher can read.
    order_number: str | None = Field(default=None, max_length=64)
    attachments: list[StoredAttachment] = Field(default_factory=list, max_length=50)
    raw_key: str | None = Field(default=None, max_length=1024)  # the raw message in the inbound bucket
    notes: list[str] = Field(default_factory=list)  # what parsing repaired: codes, no text
