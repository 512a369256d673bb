"""WooCommerce order webhooks (topics order.created / order.updated, REST API v3 payload).

WooCommerce signs the raw JSON body: `X-WC-Webhook-Signature: base64(HMAC-SHA256(body, secret))`.
When a webhook is saved it first POSTs a form body `webhook_id=N` with no signature: that ping must
get a 200 or WooCommerce refuses to activate the webhook (WC_Webhook::deliver_ping).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from zwrotnica import strict
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.models.order import (
    Delivery,
    DeliveryMethod,
    OrderItem,
    PaymentMethod,
    ShopStatus,
    usable_email,
)
from zwrotnica.money import to_grosze
from zwrotnica.providers import woocommerce_shipping
from zwrotnica.providers.payload import obj as _object
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

SIGNATURE_HEADER = "x-wc-webhook-signature"
ORDER_TOPICS = {"order.created", "order.updated", "order.restored"}
_PING = re.compile(rb"^webhook_id=\d+$")

STATUS = {
    "pending": ShopStatus.PENDING_PAYMENT,
    "processing": ShopStatus.PROCESSING,
    "on-hold": ShopStatus.ON_HOLD,
    "completed": ShopStatus.COMPLETED,
    "cancelled": ShopStatus.CANCELLED,
    "refunded": ShopStatus.REFUNDED,
    "failed": ShopStatus.FAILED,
}
PAYMENT = {"cod": PaymentMethod.COD, "bacs": PaymentMethod.TRANSFER, "cheque": PaymentMethod.OTHER}
ONLINE_GATEWAYS = ("payu", "przelewy24", "p24", "tpay", "stripe", "blik", "paypal", "imoje", "paynow")
CONSENT_META_KEYS = ("_marketing_consent", "marketing_consent", "_newsletter_consent")
LOCKER_METHODS = ("paczkomat", "parcel_machine", "easypack", "inpost_locker")


def is_ping(body: bytes) -> bool:
    return bool(_PING.match(body.strip()))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    offered = headers.get(SIGNATURE_HEADER, "")
    return bool(offered) and strict.equal(sign(secret, body), offered)


def to_order_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Map a v3 order resource to ShopOrder fields (validated by the caller's pydantic model).

    Everything WooCommerce lets an order lack is optional here: the e-mail and phone (an order added
    in the admin for a phone customer), the name (a company only), the addresses (`billing` or
    `shipping` missing or null), the product lines, the shipping lines (digital goods). PHP encodes
    an empty field as "" and money as "0.00"; both mean nothing."""
    billing, shipping = _object(payload.get("billing")), _object(payload.get("shipping"))
    meta = woocommerce_shipping.meta(payload.get("meta_data"))
    lines = _list(payload.get("shipping_lines"))
    for line in lines:
        line_meta = woocommerce_shipping.meta(line.get("meta_data"))
        meta.update({k: v for k, v in line_meta.items() if k not in meta})
    created = _gmt(payload.get("date_created_gmt")) or _gmt(payload.get("date_modified_gmt"))
    return {
        "number": str(payload.get("number") or payload.get("id") or ""),
        "shop_order_id": _text(payload.get("id")) or None,
        "platform": "woocommerce",
        "status": STATUS.get(str(payload.get("status")), ShopStatus.PROCESSING),
        "customer_name": _name(billing, shipping),
        "email": usable_email(billing.get("email")),
        "phone": normalize_phone(_text(billing.get("phone")) or _text(shipping.get("phone"))),
        "delivery": _delivery(payload, shipping, lines, meta),
        "items": [item for item in map(_item, _list(payload.get("line_items"))) if item],
        "total": to_grosze(payload.get("total") or "0"),
        "currency": payload.get("currency") or "PLN",
        "payment_method": _payment(str(payload.get("payment_method") or "")),
        "marketing_consent": any(_truthy(meta.get(k)) for k in CONSENT_META_KEYS),
        "shipments": woocommerce_shipping.shipments(meta),
        "created_at": created,
        "modified_at": _gmt(payload.get("date_modified_gmt")) or created,
    }


def _name(billing: Mapping[str, Any], shipping: Mapping[str, Any]) -> str:
    """The buyer's name; a company's name when the order has no person's; "" when it has neither."""
    for address in (billing, shipping):
        name = " ".join(p for p in (_text(address.get("first_name")), _text(address.get("last_name"))) if p)
        if name:
            return name[:200]
    return (_text(billing.get("company")) or _text(shipping.get("company")))[:200]


def _gmt(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "yes", "true", "on", "tak"}


def _payment(gateway: str) -> PaymentMethod:
    if gateway in PAYMENT:
        return PAYMENT[gateway]
    return PaymentMethod.ONLINE if any(g in gateway.lower() for g in ONLINE_GATEWAYS) else PaymentMethod.OTHER


def _item(line: Mapping[str, Any]) -> OrderItem | None:
    """A product line; None for one with no quantity (WooCommerce keeps such a line after an edit)."""
    qty = int(line.get("quantity") or 0)
    if qty <= 0:
        return None
    gross = to_grosze(line.get("total") or "0") + to_grosze(line.get("total_tax") or "0")
    sku = _text(line.get("sku")) or _text(line.get("product_id")) or _text(line.get("id")) or "?"
    meta = woocommerce_shipping.meta(line.get("meta_data"))
    return OrderItem(
        sku=sku[:100],
        name=(_text(line.get("name")) or sku)[:300],
        qty=min(qty, 10_000),
        unit_price=max(0, round(gross / qty)),
        withdrawal_excluded=_truthy(meta.get("_withdrawal_excluded")),
    )


def _delivery(
    payload: Mapping[str, Any], shipping: Mapping[str, Any], lines: list[Mapping[str, Any]], meta: dict
) -> Delivery:
    method_id = _text(lines[0].get("method_id")).lower() if lines else ""
    point = woocommerce_shipping.pickup_point(payload, meta)
    address = " ".join(p for p in (_text(shipping.get("address_1")), _text(shipping.get("address_2"))) if p)
    if point or any(s in method_id for s in LOCKER_METHODS):
        method = DeliveryMethod.PACZKOMAT
    elif method_id == "local_pickup" or method_id.startswith("pickup_location"):
        method = DeliveryMethod.PICKUP
    elif not lines and not address:
        method = DeliveryMethod.NONE  # virtual or downloadable goods: WooCommerce adds no shipping line
    else:
        method = DeliveryMethod.COURIER
    return Delivery(
        method=method,
        point_id=point[0] if point else None,
        point_carrier=point[1] if point else None,
        address_line=address[:300] or None,
        postcode=_text(shipping.get("postcode"))[:12] or None,
        city=_text(shipping.get("city"))[:100] or None,
        shipping_cost=max(
            0, to_grosze(payload.get("shipping_total") or "0") + to_grosze(payload.get("shipping_tax") or "0")
        ),
    )
