"""Shoper's native webhooks (panel: Ustawienia → Webhooki; events order.create, order.edit, order.paid,
order.status; format JSON).

Shoper signs with a plain SHA-1, not an HMAC: `X-Webhook-SHA1` = hex(sha1(webhook_id ":" key ":" body)),
`webhook_id` being the `X-Webhook-Id` header (the id of the webhook's configuration, not of the
delivery) and `key` the "Klucz" typed in the panel (dreamcommerce/appstore-bundle
Utils/Webhook/Validator/ValidatorAbstract.php; the same formula in independent receivers running against
real deliveries). Other headers: `X-Webhook-Name` (the event), `X-Shop-Domain`, `X-Shop-License`,
`X-Shop-Version`. No delivery id and no timestamp: a replay is absorbed by the order's version.

The body is the order: ids and amounts as JSON strings, times in the shop's local time without a zone
(`2026-09-29 13:37:23`), addresses as `billingAddress`/`deliveryAddress` (the REST resource spells
them `billing_address`/`delivery_address`; both are read), `products[]`, `status` {type: 1 new,
2 opened, 3 closed, 4 not completed}, `pickup_point_data` {point, supplier}. Parcels (`parcel.create`,
`parcel.dispatch`) are separate events whose body is a parcel: `shipping_code` is its tracking number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica import strict
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.domain.shipment_status import CARRIER_NAMES, carrier_id
from zwrotnica.models.order import (
    Delivery,
    DeliveryMethod,
    OrderItem,
    PaymentMethod,
    ShopStatus,
    usable_email,
)
from zwrotnica.money import to_grosze
from zwrotnica.providers.payload import local_time
from zwrotnica.providers.payload import obj as _object
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

SIGNATURE_HEADER = "x-webhook-sha1"
ID_HEADER = "x-webhook-id"
NAME_HEADER = "x-webhook-name"
ORDER_EVENTS = frozenset({"order.create", "order.edit", "order.paid", "order.status"})
PARCEL_EVENTS = frozenset({"parcel.create", "parcel.dispatch"})
SHOP_TIME = ZoneInfo("Europe/Warsaw")  # Shoper is a Polish SaaS; its times carry no zone
STATUS_TYPE = {"2": ShopStatus.PROCESSING, "3": ShopStatus.COMPLETED, "4": ShopStatus.CANCELLED}
# pickup_point_data.supplier (OrderPickupPointData) → a name carrier_id knows
SUPPLIERS = {"POCZTA": "poczta polska", "PWR": "orlen", "DHL_PARCEL": "dhl"}


def sign(webhook_id: str, secret: str, body: bytes) -> str:
    return hashlib.sha1(webhook_id.encode() + b":" + secret.encode() + b":" + body).hexdigest()  # noqa: S324


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    webhook_id, offered = headers.get(ID_HEADER, ""), headers.get(SIGNATURE_HEADER, "").strip().lower()
    if not secret or not webhook_id or not offered:
        return False
    return strict.equal(sign(webhook_id, secret, body), offered)


def to_order_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An order webhook body (or the REST order) as ShopOrder fields, validated by the caller."""
    billing = _object(payload.get("billingAddress") or payload.get("billing_address"))
    delivery = _object(payload.get("deliveryAddress") or payload.get("delivery_address"))
    order_id = _text(payload.get("order_id"))
    created = _local(payload.get("date"))
    versions = [t for t in map(_local, (payload.get(k) for k in ("status_date", "confirm_date"))) if t]
    cod = payload.get("is_cash_on_delivery") is True
    return {
        "number": order_id,
        "shop_order_id": order_id or None,
        "platform": "shoper",
        "status": _status(payload, cod),
        "customer_name": _name(billing, delivery),
        "email": usable_email(payload.get("email")),
        "phone": normalize_phone(_text(billing.get("phone")) or _text(delivery.get("phone"))),
        "delivery": _delivery(payload, delivery),
        "items": [item for item in map(_item, _list(payload.get("products"))) if item],
        "total": to_grosze(_text(payload.get("sum")) or "0"),
        "currency": _currency(payload),
        "payment_method": PaymentMethod.COD if cod else _payment(_object(payload.get("payment"))),
        "created_at": created,
        "modified_at": max([created, *versions]) if created else None,
    }


def parcel_reference(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(order id, tracking number) of a parcel event, or None while the parcel has no waybill yet.
    The order id is the order's number here (to_order_fields)."""
    order_id, code = _text(payload.get("order_id")), _text(payload.get("shipping_code"))
    return (order_id, "".join(code.split())) if order_id and code else None


def _status(payload: Mapping[str, Any], cod: bool) -> ShopStatus:
    kind = _text(_object(payload.get("status")).get("type"))
    if kind == "1":  # new: waits for its money unless paid or paid on delivery
        paid = payload.get("is_paid") is True
        return ShopStatus.PROCESSING if paid or cod else ShopStatus.PENDING_PAYMENT
    return STATUS_TYPE.get(kind, ShopStatus.PROCESSING)


def _name(billing: Mapping[str, Any], delivery: Mapping[str, Any]) -> str:
    for address in (billing, delivery):
        name = " ".join(p for p in (_text(address.get("firstname")), _text(address.get("lastname"))) if p)
        if name:
            return name[:200]
    return (_text(billing.get("company")) or _text(delivery.get("company")))[:200]


def _delivery(payload: Mapping[str, Any], address: Mapping[str, Any]) -> Delivery:
    point = _object(payload.get("pickup_point_data"))
    point_id = _text(point.get("point")) or _text(payload.get("pickup_point"))
    supplier = _text(point.get("supplier")).upper()
    street = " ".join(p for p in (_text(address.get("street1")), _text(address.get("street2"))) if p)
    shipping = _text(_object(payload.get("shipping")).get("name"))  # "InPost Paczkomat 24/7", "Kurier DPD"
    point_carrier = carrier_id(SUPPLIERS.get(supplier, supplier)) if point_id and supplier else None
    return Delivery(
        method=DeliveryMethod.PACZKOMAT if point_id else DeliveryMethod.COURIER,
        point_id=point_id.upper()[:32] or None,
        point_carrier=point_carrier,
        carrier=point_carrier or _known_carrier(shipping),  # a point is served by whoever runs it
        address_line=street[:300] or None,
        postcode=_text(address.get("postcode"))[:12] or None,
        city=_text(address.get("city"))[:100] or None,
        shipping_cost=max(0, to_grosze(_text(payload.get("shipping_cost")) or "0")),
    )


def _known_carrier(name: str) -> str | None:
    """The carrier a shipping method's name names ("Paczkomat InPost 24/7" → inpost), or None for a
    name that names none ("Kurier", "Odbiór osobisty")."""
    found = carrier_id(name) if name else None
    return found if found in {known for _, known in CARRIER_NAMES} else None


def _item(product: Mapping[str, Any]) -> OrderItem | None:
    """One product line: `price` is the gross unit price before `discount_perc`; a fractional quantity
    (goods sold by weight) becomes one line of its whole value."""
    try:
        quantity = Decimal(_text(product.get("quantity")) or "0")
        price = Decimal(_text(product.get("price")) or "0")
        discount = Decimal(_text(product.get("discount_perc")) or "0")
    except InvalidOperation as exc:
        raise ValueError("product amounts are not numbers") from exc
    if quantity <= 0:
        return None
    unit = price * (100 - discount) / 100
    qty, unit = (int(quantity), unit) if quantity == quantity.to_integral_value() else (1, unit * quantity)
    code = _text(product.get("code")) or _text(product.get("product_id")) or "?"
    return OrderItem(
        sku=code[:100],
        name=(_text(product.get("name")) or code)[:300],
        qty=min(qty, 10_000),
        unit_price=max(0, to_grosze(unit)),
    )


def _payment(payment: Mapping[str, Any]) -> PaymentMethod:
    name = f"{_text(payment.get('name'))} {_text(payment.get('title'))}".lower()
    if any(g in name for g in ("payu", "przelewy24", "p24", "blik", "tpay", "paypo", "karta", "shoper pay")):
        return PaymentMethod.ONLINE
    if "przelew" in name:
        return PaymentMethod.TRANSFER
    return PaymentMethod.OTHER


def _currency(payload: Mapping[str, Any]) -> str:
    code = _text(payload.get("currency_name")).upper()
    return code if len(code) == 3 and code.isalpha() and code.isascii() else "PLN"


def _local(value: Any) -> datetime | None:
    return local_time(value, SHOP_TIME)
