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

from zwrotnica.domain.phone import normalize_phone
from zwrotnica.domain.shipment_status import carrier_id
from zwrotnica.models.order import Delivery, DeliveryMethod, OrderItem, PaymentMethod, ShipmentRef, ShopStatus
from zwrotnica.money import to_grosze

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
# Meta keys used by the common InPost plugins for the chosen Paczkomat, and by consent checkboxes.
POINT_META_KEYS = (
    "_paczkomat_id",
    "paczkomat_id",
    "_parcel_machine_id",
    "parcel_machine_id",
    "_inpost_point",
)
CONSENT_META_KEYS = ("_marketing_consent", "marketing_consent", "_newsletter_consent")
TRACKING_META_KEY = "_wc_shipment_tracking_items"  # WooCommerce Shipment Tracking extension


def is_ping(body: bytes) -> bool:
    return bool(_PING.match(body.strip()))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    offered = headers.get(SIGNATURE_HEADER, "")
    return bool(offered) and hmac.compare_digest(sign(secret, body), offered)


def to_order_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Map a v3 order resource to ShopOrder fields (validated by the caller's pydantic model)."""
    billing, shipping = payload.get("billing") or {}, payload.get("shipping") or {}
    meta = _meta(payload.get("meta_data"))
    lines = payload.get("shipping_lines") or []
    for line in lines:
        meta.update({k: v for k, v in _meta(line.get("meta_data")).items() if k not in meta})
    first, last = billing.get("first_name") or shipping.get("first_name"), billing.get("last_name")
    return {
        "number": str(payload.get("number") or payload.get("id") or ""),
        "platform": "woocommerce",
        "status": STATUS.get(str(payload.get("status")), ShopStatus.PROCESSING),
        "customer_name": " ".join(p for p in (first, last or shipping.get("last_name")) if p).strip(),
        "email": (billing.get("email") or "").strip(),
        "phone": normalize_phone(billing.get("phone") or shipping.get("phone")),
        "delivery": _delivery(payload, shipping, lines, meta),
        "items": [_item(line) for line in payload.get("line_items") or []],
        "total": to_grosze(payload.get("total") or "0"),
        "currency": payload.get("currency") or "PLN",
        "payment_method": _payment(str(payload.get("payment_method") or "")),
        "marketing_consent": any(_truthy(meta.get(k)) for k in CONSENT_META_KEYS),
        "shipments": _shipments(meta.get(TRACKING_META_KEY)),
        "created_at": _gmt(payload.get("date_created_gmt")),
        "modified_at": _gmt(payload.get("date_modified_gmt") or payload.get("date_created_gmt")),
    }


def _meta(entries: Any) -> dict[str, Any]:
    return {str(e.get("key")): e.get("value") for e in entries or [] if isinstance(e, dict)}


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


def _item(line: Mapping[str, Any]) -> OrderItem:
    qty = int(line.get("quantity") or 0)
    gross = to_grosze(line.get("total") or "0") + to_grosze(line.get("total_tax") or "0")
    meta = _meta(line.get("meta_data"))
    return OrderItem(
        sku=str(line.get("sku") or line.get("product_id") or line.get("id")),
        name=str(line.get("name") or ""),
        qty=qty,
        unit_price=round(gross / qty) if qty else 0,
        withdrawal_excluded=_truthy(meta.get("_withdrawal_excluded")),
    )


def _delivery(payload: Mapping[str, Any], shipping: Mapping[str, Any], lines: list, meta: dict) -> Delivery:
    method_id = str((lines[0].get("method_id") if lines else "") or "").lower()
    point = next((str(meta[k]).strip().upper() for k in POINT_META_KEYS if meta.get(k)), None)
    if point or any(s in method_id for s in ("paczkomat", "parcel_machine", "easypack", "inpost_locker")):
        method = DeliveryMethod.PACZKOMAT
    elif method_id == "local_pickup" or method_id.startswith("pickup_location"):
        method = DeliveryMethod.PICKUP
    else:
        method = DeliveryMethod.COURIER
    address = " ".join(p for p in (shipping.get("address_1"), shipping.get("address_2")) if p) or None
    return Delivery(
        method=method,
        point_id=point,
        address_line=address,
        postcode=shipping.get("postcode") or None,
        city=shipping.get("city") or None,
        shipping_cost=to_grosze(payload.get("shipping_total") or "0")
        + to_grosze(payload.get("shipping_tax") or "0"),
    )


def _shipments(items: Any) -> list[ShipmentRef]:
    refs = []
    for entry in items if isinstance(items, list) else []:
        provider = str(entry.get("tracking_provider") or entry.get("custom_tracking_provider") or "").lower()
        carrier = carrier_id(provider)
        number = str(entry.get("tracking_number") or "").strip()
        if number:
            refs.append(ShipmentRef(carrier=carrier, tracking_number=number))
    return refs
