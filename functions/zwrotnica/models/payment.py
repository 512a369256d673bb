"""Payment and refund events as the payment providers (PayU, Przelewy24) report them, normalised.

Money is integer grosze (minor units), times are aware (None when the provider sends no time), and
`raw` keeps a trimmed copy of the notification: identifiers, amounts and statuses only, never the
buyer's personal data (e-mail, phone, names, addresses, IP).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Provider = Literal["payu", "przelewy24"]
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class RefKind(StrEnum):
    """What the shop's payment plugin put into the provider's reference (domain.payment_refs)."""

    NUMBER = "number"  # the order number customers see
    ORDER_ID = "order_id"  # the platform's internal order id: WooCommerce post id, PrestaShop id_order
    CART_ID = "cart_id"  # PrestaShop id_cart: one cart, usually one order


def _reference_defaults(data: Any) -> Any:
    """A notification held before references had kinds (JSON with only `order_number`) reads as one
    whose reference was the order number."""
    if isinstance(data, dict) and "order_ref" not in data and data.get("order_number"):
        data = {**data, "order_ref": data["order_number"], "payment_ref": data["order_number"]}
    return data


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
    # The shop's reference as the provider sent it (PayU extOrderId, P24 sessionId), and what it says:
    # the order's number or the platform's internal id, and which attempt (domain.payment_refs).
    payment_ref: str = Field(min_length=1, max_length=100)
    order_ref: str = Field(min_length=1, max_length=100)
    order_ref_kind: RefKind = RefKind.NUMBER
    attempt: str | None = Field(default=None, max_length=100)
    attempt_started: str | None = Field(default=None, max_length=40)  # sortable; None: unknown
    amount: int = Field(ge=0, strict=True, description="grosze")
    currency: str = Field(pattern=CURRENCY_PATTERN)
    status: PaymentStatus
    occurred_at: AwareDatetime | None = None
    event_key: str = Field(min_length=1, max_length=300, description="stable across redeliveries")
    raw: dict[str, Any] = Field(default_factory=dict)

    _defaults = model_validator(mode="before")(_reference_defaults)

    @property
    def order_number(self) -> str | None:
        """The order's number when the reference names it; None when it names an internal id (the
        order is found through the id the shop's platform gave it)."""
        return self.order_ref if self.order_ref_kind is RefKind.NUMBER else None


class RefundEvent(BaseModel):
    """One notification about a refund of a payment."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    provider_payment_id: str = Field(min_length=1, max_length=100)
    refund_id: str = Field(min_length=1, max_length=100)
    # Our idempotency key (PayU extRefundId, P24 refundsUuid). None for refunds made by hand in the
    # provider's panel, and PayU's documented refund notification does not carry it at all.
    ext_refund_id: str | None = Field(default=None, max_length=100)
    payment_ref: str | None = Field(default=None, max_length=100)
    order_ref: str | None = Field(default=None, max_length=100)
    order_ref_kind: RefKind = RefKind.NUMBER
    amount: int = Field(ge=0, strict=True, description="grosze")
    currency: str = Field(pattern=CURRENCY_PATTERN)
    status: RefundStatus
    occurred_at: AwareDatetime | None = None
    event_key: str = Field(min_length=1, max_length=300, description="stable across redeliveries")
    raw: dict[str, Any] = Field(default_factory=dict)

    _defaults = model_validator(mode="before")(_reference_defaults)

    @property
    def order_number(self) -> str | None:
        return self.order_ref if self.order_ref and self.order_ref_kind is RefKind.NUMBER else None
