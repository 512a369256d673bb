"""Shop platforms: verify the signature on the raw body, then parse into one ShopOrder (strictly:
zwrotnica.strict, inside providers.payload.reading)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from zwrotnica.domain.phone import normalize_phone
from zwrotnica.errors import InvalidPayload, InvalidSignature, UnknownSource
from zwrotnica.models.order import ParcelAdded, ShopOrder, usable_email
from zwrotnica.providers import shoper, standard_webhooks, woocommerce
from zwrotnica.providers.payload import reading
from zwrotnica.secrets import Secrets
from zwrotnica.strict import json_body

PLATFORMS = ("woocommerce", "shoper", "generic")
GENERIC_TYPES = {"order.created", "order.updated"}


def to_shop_order(fields: Mapping[str, Any]) -> ShopOrder:
    try:
        return ShopOrder.model_validate(fields)
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})[:10]
        raise InvalidPayload("invalid fields: " + ", ".join(where)) from exc


def verify_and_parse(
    platform: str, headers: Mapping[str, str], body: bytes, secrets: Secrets, now: float
) -> ShopOrder | ParcelAdded | None:
    """Return the order (or a waybill added to one), or None for a delivery we acknowledge without
    storing (ping, other topics)."""
    if platform == "woocommerce":
        return _woocommerce(headers, body, secrets)
    if platform == "shoper":
        return _shoper(headers, body, secrets)
    if platform == "generic":
        return _generic(headers, body, secrets, now)
    raise UnknownSource()


def _woocommerce(headers: Mapping[str, str], body: bytes, secrets: Secrets) -> ShopOrder | None:
    if woocommerce.SIGNATURE_HEADER not in headers and woocommerce.is_ping(body):
        return None  # the unsigned ping WooCommerce sends when the webhook is saved
    if not secrets.woocommerce_webhook_secret or not woocommerce.verify(
        secrets.woocommerce_webhook_secret, headers, body
    ):
        raise InvalidSignature()
    if headers.get("x-wc-webhook-topic") not in woocommerce.ORDER_TOPICS:
        return None
    payload = json_body(body)
    if not isinstance(payload, dict):
        raise InvalidPayload("an order object was expected")
    if payload.get("status") == "checkout-draft":
        return None  # a cart being filled in, not an order yet
    with reading("WooCommerce order"):
        return to_shop_order(woocommerce.to_order_fields(payload))


def _shoper(headers: Mapping[str, str], body: bytes, secrets: Secrets) -> ShopOrder | ParcelAdded | None:
    if not shoper.verify(secrets.shoper_webhook_secret, headers, body):
        raise InvalidSignature()
    event = headers.get(shoper.NAME_HEADER, "").strip()
    if event not in shoper.ORDER_EVENTS | shoper.PARCEL_EVENTS:
        return None  # clients, products, order.delete: acknowledged, nothing to store
    if "xml" in headers.get("content-type", "").lower():
        raise InvalidPayload("set the webhook's format to JSON in the Shoper panel")
    payload = json_body(body)
    if not isinstance(payload, dict):
        raise InvalidPayload("an order object was expected")
    if event in shoper.PARCEL_EVENTS:
        with reading("Shoper parcel"):
            return _shoper_parcel(payload)
    with reading("Shoper order"):
        return to_shop_order(shoper.to_order_fields(payload))


def _shoper_parcel(payload: Mapping[str, Any]) -> ParcelAdded | None:
    """A parcel with its waybill; None while it has none yet (a later parcel.dispatch brings it), or
    when the waybill is no tracking number we could follow (acknowledged, nothing stored)."""
    found = shoper.parcel_reference(payload)
    if found is None:
        return None
    try:
        return ParcelAdded(platform="shoper", order_number=found[0], tracking_number=found[1])
    except ValidationError:
        return None


def _generic(headers: Mapping[str, str], body: bytes, secrets: Secrets, now: float) -> ShopOrder | None:
    if not standard_webhooks.verify(secrets.standard_webhooks_secrets, headers, body, now):
        raise InvalidSignature()
    envelope = json_body(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise InvalidPayload("expected {type, timestamp, data}")
    kind = str(envelope.get("type") or "")
    if not kind.startswith("order."):
        # Signed with the shared secret but meant for another route (tracking, tickets): refuse it.
        raise InvalidPayload("event type is not for this route")
    if kind not in GENERIC_TYPES:
        return None  # another order event (order.deleted): acknowledged, nothing to store
    with reading("order event"):
        data = {"platform": "generic"} | envelope["data"]
        if isinstance(data.get("phone"), str):
            # "600 100 200", "0048…": normalised like WooCommerce's; not a phone at all: dropped, the
            # order is kept and the customer hears from us by e-mail (a bad phone never costs an order).
            data["phone"] = normalize_phone(data["phone"])
        if isinstance(data.get("email"), str):
            data["email"] = usable_email(data["email"])  # "" or a masked address: kept without it
        return to_shop_order(data)
