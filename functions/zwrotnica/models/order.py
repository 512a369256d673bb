"""The order as the shop tells it, normalised: money in grosze, phones in E.164, times aware."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from zwrotnica.models.common import OneLine, UtcDateTime, iso

# Deliberately simple (no email-validator dependency): one @, a dot in the domain, no spaces.
EMAIL_PATTERN = r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}$"
# Order numbers come from the shop: sequential-number plugins add prefixes, years, slashes, dots, Polish
# letters, even spaces (`ZAM/2026/52020`, `FV.2026.7`, `ZAMÓWIENIE 12`). Any printable text is kept, in
# Unicode NFC (one spelling for one number); links and keys carry it through domain.order_numbers.
ORDER_NUMBER_MAX_LENGTH = 64
TRACKING_PATTERN = r"^[A-Za-z0-9-]{4,64}$"


def is_order_number(value: str) -> bool:
    """Printable, NFC, 1-64 characters, no surrounding whitespace: what a shop may call an order."""
    return (
        0 < len(value) <= ORDER_NUMBER_MAX_LENGTH
        and value.isprintable()
        and value == value.strip()
        and unicodedata.is_normalized("NFC", value)
    )


# What turns one recipient into several or into a header of its own: never quietly dropped.
_INJECTION = re.compile(r"[\x00-\x1f\x7f,;<>]")


def usable_email(raw: object) -> str | None:
    """The address to write to, or None: missing, empty (PHP's ""), or not an address (a marketplace's
    masked `*****@*****`). Such an order is kept; the customer hears from us by SMS. A value shaped to
    smuggle a second recipient or a header (a line break, a comma, `<`) is returned as it came, so the
    model refuses the delivery (422): that is an attack or a broken integration, not missing data."""
    if not isinstance(raw, str):
        return None
    address = raw.strip()
    if _INJECTION.search(address):
        return address
    return address if len(address) <= 254 and re.fullmatch(EMAIL_PATTERN, address) else None


def _order_number(value: str) -> str:
    if not is_order_number(value):
        raise ValueError("an order number is 1-64 printable characters without surrounding spaces")
    return value


OrderNumber = Annotated[
    str,
    Field(min_length=1, max_length=ORDER_NUMBER_MAX_LENGTH),
    BeforeValidator(lambda v: unicodedata.normalize("NFC", v.strip()) if isinstance(v, str) else v),
    AfterValidator(_order_number),
]


class DeliveryMethod(StrEnum):
    COURIER = "courier"
    PACZKOMAT = "paczkomat"  # parcel locker or pick-up point; point_id says which
    PICKUP = "pickup"  # collected in the shop
    NONE = "none"  # nothing to ship: digital goods, services, vouchers


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

    sku: OneLine = Field(min_length=1, max_length=100)  # it names form fields and lines of slips and e-mails
    name: OneLine = Field(min_length=1, max_length=300)
    qty: int = Field(gt=0, le=10_000)
    unit_price: int = Field(ge=0, description="gross unit price in grosze")
    # Art. 38 UPK exclusions (made to measure, sealed hygiene goods, ...): no withdrawal for these.
    withdrawal_excluded: bool = False


class ShipmentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=4, max_length=64, pattern=TRACKING_PATTERN)

    @classmethod
    def read(cls, carrier: str, raw: str) -> ShipmentRef | None:
        """A waybill as a plugin or a panel stored it (`6200 0000 1234`): spaces dropped; None when
        it still is not a tracking number, so an odd value never costs the shop its order."""
        number = "".join(raw.split())
        return (
            cls(carrier=carrier, tracking_number=number) if re.fullmatch(TRACKING_PATTERN, number) else None
        )


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: DeliveryMethod
    point_id: OneLine | None = Field(default=None, max_length=32)  # e.g. Paczkomat "KRA010"
    point_carrier: str | None = Field(default=None, max_length=40)  # who runs the point: carrier_id
    # Who delivers, as the platform names the shipping method (carrier_id), when it says: the carrier
    # of a parcel the shop later adds by its waybill alone (a Shoper parcel event); not stored when unsaid
    carrier: str | None = Field(default=None, max_length=40, exclude_if=lambda value: value is None)
    address_line: OneLine | None = Field(default=None, max_length=300)
    postcode: OneLine | None = Field(default=None, max_length=12)
    city: OneLine | None = Field(default=None, max_length=100)
    shipping_cost: int = Field(default=0, ge=0, description="grosze")


class ShopOrder(BaseModel):
    """One version of an order, as sent by the shop platform (created or updated)."""

    model_config = ConfigDict(frozen=True)

    number: OrderNumber
    platform: str
    status: ShopStatus
    # Phone orders typed in by staff, marketplace and B2B orders: a name, an e-mail or a phone may be
    # missing. The order is kept with what there is; the customer hears from us by what exists.
    customer_name: OneLine = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    delivery: Delivery
    # An order may hold no product lines at all (an admin order with a fee only, a voucher top-up).
    items: list[OrderItem] = Field(default_factory=list, max_length=500)
    total: int = Field(ge=0, description="grosze, what the customer pays")
    currency: str = Field(default="PLN", pattern=r"^[A-Z]{3}$")
    payment_method: PaymentMethod
    marketing_consent: bool = False
    shipments: list[ShipmentRef] = Field(default_factory=list, max_length=20)
    # The platform's internal ids, which payment plugins send instead of the number (WooCommerce post id,
    # PrestaShop id_order and id_cart): how a payment finds its order (domain.payment_refs).
    shop_order_id: str | None = Field(default=None, max_length=64)
    cart_id: str | None = Field(default=None, max_length=64)
    created_at: UtcDateTime
    # The platform's modification time: the version. An update older than the stored one loses.
    modified_at: UtcDateTime

    @property
    def items_total(self) -> int:
        return sum(item.unit_price * item.qty for item in self.items)

    def version(self) -> str:
        return iso(self.modified_at)


class ParcelAdded(BaseModel):
    """A waybill the shop added to one of its orders (Shoper `parcel.create` / `parcel.dispatch`): the
    parcel's carrier is the order's (its shipping method, or who runs its pickup point)."""

    model_config = ConfigDict(frozen=True)

    platform: str
    order_number: OrderNumber
    tracking_number: str = Field(min_length=4, max_length=64, pattern=TRACKING_PATTERN)
