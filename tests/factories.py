"""Test data and event builders: real provider shapes, signed the way the providers sign."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from infra.local import template
from infra.local.bootstrap import DEV_SECRETS
from infra.local.gateway import build_event
from zwrotnica.providers import standard_webhooks, woocommerce

EVENTS = Path(__file__).parent / "events"
WOO_SECRET = DEV_SECRETS["woocommerce_webhook_secret"]
SW_SECRET = DEV_SECRETS["standard_webhooks_secrets"][0]


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def api_event(
    method: str, path: str, *, body: bytes | str | None = None, headers: dict | None = None, query: str = ""
) -> dict[str, Any]:
    """An API Gateway HTTP API v2.0 event for the route of template.yaml that matches."""
    for route in template.routes():
        params = route.match(method, path)
        if params is not None:
            return build_event(
                route, method, path, query=query, headers=headers, body=body, path_params=params
            )
    return build_event(None, method, path, query=query, headers=headers, body=body)


def woo_order(
    number: str = "1001", *, modified: str = "2026-11-20T13:03:12", **changes: Any
) -> dict[str, Any]:
    order = copy.deepcopy(load_event("woocommerce/order_created.json"))
    order.update(
        {"number": number, "id": int(number) if number.isdigit() else 1, "date_modified_gmt": modified}
    )
    order.update(changes)
    return order


def woo_body(order: dict[str, Any]) -> bytes:
    return json.dumps(order, ensure_ascii=False).encode()


def woo_headers(body: bytes, *, secret: str = WOO_SECRET, topic: str = "order.created") -> dict[str, str]:
    signature = woocommerce.sign(secret, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7)",
        "X-WC-Webhook-Source": "https://sklep.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-ID": "7",
        "X-WC-Webhook-Delivery-ID": hashlib.md5(body, usedforsecurity=False).hexdigest(),
    }


def woo_webhook(order: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    body = woo_body(order)
    return api_event("POST", "/webhooks/shop/woocommerce", body=body, headers=woo_headers(body, **kwargs))


def generic_order(number: str = "SH-2001", **changes: Any) -> dict[str, Any]:
    data = {
        "number": number,
        "status": "processing",
        "customer_name": "Jan Nowak",
        "email": "jan.nowak@example.com",
        "phone": "+48600100300",
        "delivery": {
            "method": "courier",
            "address_line": "ul. Przykładowa 5",
            "postcode": "00-001",
            "city": "Warszawa",
            "shipping_cost": 1499,
        },
        "items": [{"sku": "BUT-42", "name": "Buty trekkingowe", "qty": 1, "unit_price": 34900}],
        "total": 36399,
        "currency": "PLN",
        "payment_method": "online",
        "marketing_consent": False,
        "created_at": "2026-11-21T09:00:00Z",
        "modified_at": "2026-11-21T09:00:00Z",
    }
    data.update(changes)
    return {"type": "order.created", "timestamp": "2026-11-21T09:00:01Z", "data": data}


def generic_webhook(
    envelope: dict[str, Any],
    *,
    secret: str = SW_SECRET,
    msg_id: str = "msg_2001",
    timestamp: int | None = None,
) -> dict[str, Any]:
    body = json.dumps(envelope, ensure_ascii=False).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, body),
    }
    return api_event("POST", "/webhooks/shop/generic", body=body, headers=headers)
