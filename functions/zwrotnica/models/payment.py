"""Payment and refund events as the payment providers (PayU, Przelewy24) report them, normalised.

Money is integer grosze (minor units), times are aware (None when the provider sends no time), and
`raw` keeps a trimmed copy of the notification: identifiers, amounts and statuses only, never the
buyer's personal data (e-mail, phone, names, addresses, IP).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Provider = Literal["payu", "przelewy24"]
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    WAITING_FOR_CONFIRMATION = "waiting_for_confirmation"  # PayU: auto-receive off, capture or cancel
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RefundStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REJECTED = "rejected"


class PaymentEvent(BaseModel):
    """One notification about a payment for one of our orders."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    provider_payment_id: str = Field(min_length=1, max_length=100)  # PayU orderId, P24 orderId
    order_number: str = Field(min_length=1, max_length=100)  # PayU extOrderId, P24 sessionId
    amount: int = Field(ge=0, strict=True, description="grosze")
    currency: str = Field(pattern=CURRENCY_PATTERN)
    status: PaymentStatus
    occurred_at: AwareDatetime | None = None
    event_key: str = Field(min_length=1, max_length=300, description="stable across redeliveries")
    raw: dict[str, Any] = Field(default_factory=dict)


class RefundEvent(BaseModel):
    """One notification about a refund of a payment."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    provider_payment_id: str = Field(min_length=1, max_length=100)
    refund_id: str = Field(min_length=1, max_length=100)
    # Our idempotency key (PayU extRefundId, P24 refundsUuid). None for refunds made by hand in the
    # provider's panel, and PayU's documented refund notification does not carry it at all.
    ext_refund_id: str | None = Field(default=None, max_length=100)
    order_number: str | None = Field(default=None, max_length=100)
    amount: int = Field(ge=0, strict=True, description="grosze")
    currency: str = Field(pattern=CURRENCY_PATTERN)
    status: RefundStatus
    occurred_at: AwareDatetime | None = None
    event_key: str = Field(min_length=1, max_length=300, description="stable across redeliveries")
    raw: dict[str, Any] = Field(default_factory=dict)
