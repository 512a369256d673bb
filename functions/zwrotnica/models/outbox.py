"""A customer message in the outbox: written with the state change that causes it, then sent."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import UtcDateTime


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageKind(StrEnum):
    """Transactional messages need no consent; marketing ones need the order's consent (PKE art. 398)."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last try: a ticket was opened for a human
    WITHDRAWN = "withdrawn"  # marketing not sent: the customer withdrew the consent after it was written


class OutboxMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    dedup_key: str = Field(min_length=1, max_length=300)
    order_number: str
    channel: Channel
    kind: MessageKind = MessageKind.TRANSACTIONAL
    template: str
    recipient: str  # e-mail address or E.164 phone: personal data, never logged
    subject: str | None = None
    text: str
    html: str | None = None
    # A marketing e-mail's one-click unsubscribe (signed link): its List-Unsubscribe header (RFC 8058).
    unsubscribe_url: str | None = Field(default=None, max_length=800)
    # An e-mail's content as the layout's blocks: paragraphs, and (label, url) links. The outbox item
    # stores these instead of text and HTML (store.outbox), which are the layout's rendering of them.
    blocks: tuple[str | tuple[str, str], ...] | None = None
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    created_at: UtcDateTime
    due_at: UtcDateTime | None = None  # next attempt (quiet hours, backoff); None once it left the queue
    sent_at: UtcDateTime | None = None
    last_error: str | None = None
    provider_message_id: str | None = None

    @property
    def message_id(self) -> str:
        """Stable id derived from the dedup key: the same state change can only ever make one item."""
        return message_id_for(self.dedup_key)


def message_id_for(dedup_key: str) -> str:
    return hashlib.sha256(dedup_key.encode()).hexdigest()[:32]
