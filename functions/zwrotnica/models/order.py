"""The order as the shop tells it, normalised: money in grosze, phones in E.164, times aware."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import OneLine, UtcDateTime, iso

# Deliberately simple (no email-validator dependency): one @, a dot in the domain, no spaces.
EMAIL_PATTERN = r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}$"


class DeliveryMethod(StrEnum):
    COURIER = "courier"
    PACZKOMAT = "paczkomat"  # parcel locker or pick-up point; point_id says which
    PICKUP = "pickup"  # collected in the shop


class PaymentMethod(StrEnum):
    ONLINE = "online"  # PayU, Przelewy24, card, BLIK
    TRANSFER = "transfer"  # traditional bank transfer
    COD = "cod"  # cash on delivery (pobranie)
    OTHER = "other"


class ShopStatus(StrEnum):
    """The shop's own order status, normalised across platforms."""

    PENDING_PAYMENT = "pending_payment"
    PROCESSING = "processing"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    FAILED = "failed"


class OrderItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=100)
    name: OneLine = Field(min_length=1, max_length=300)
    qty: int = Field(gt=0, le=10_000)
    unit_price: int = Field(ge=0, description="gross unit price in grosze")
    # Art. 38 UPK exclusions (made to measure, sealed hygiene goods, ...): no withdrawal for these.
    withdrawal_excluded: bool = False


class ShipmentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: DeliveryMethod
    point_id: str | None = Field(default=None, max_length=32)  # e.g. Paczkomat "KRA010"
    address_line: OneLine | None = Field(default=None, max_length=300)
    postcode: OneLine | None = Field(default=None, max_length=12)
    city: OneLine | None = Field(default=None, max_length=100)
    shipping_cost: int = Field(default=0, ge=0, description="grosze")


class ShopOrder(BaseModel):
    """One version of an order, as sent by the shop platform (created or updated)."""

    model_config = ConfigDict(frozen=True)

    number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_/-]+$")
    platform: str
    status: ShopStatus
    customer_name: OneLine = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    delivery: Delivery
    items: list[OrderItem] = Field(min_length=1, max_length=500)
    total: int = Field(ge=0, description="grosze, what the customer pays")
    currency: str = Field(default="PLN", pattern=r"^[A-Z]{3}$")
    payment_method: PaymentMethod
    marketing_consent: bool = False
    shipments: list[ShipmentRef] = Field(default_factory=list, max_length=20)
    created_at: UtcDateTime
    # The platform's modification time: the version. An update older than the stored one loses.
    modified_at: UtcDateTime

    @property
    def items_total(self) -> int:
        return sum(item.unit_price * item.qty for item in self.items)

    def version(self) -> str:
        return iso(self.modified_at)
