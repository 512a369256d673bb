"""Test data and event builders: real provider shapes, signed the way the providers sign."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from infra import template
from infra.local.bootstrap import DEV_SECRETS
from infra.local.gateway import FakeContext, build_event
from zwrotnica.providers import shoper, standard_webhooks, woocommerce

# DEV_SECRETS, imported above, are the local stack's secret values (what the `stack` fixture puts into
# the moto secret): tests take them from here rather than from infra.local.
EVENTS = Path(__file__).parent / "events"
WOO_SECRET = DEV_SECRETS["woocommerce_webhook_secret"]
SHOPER_SECRET = DEV_SECRETS["shoper_webhook_secret"]
SW_SECRET = DEV_SECRETS["standard_webhooks_secrets"][0]
DECISION_SECRET = DEV_SECRETS["case_decision_secrets"][0]  # the team's decisions: a secret of their own


def lambda_context(function_name: str = "test", timeout_ms: int = 10_000) -> FakeContext:
    """What Lambda hands a handler: a name, a request id, the time left (the whole timeout at each call: a
    test hands one context to many invocations)."""
    return FakeContext(function_name=function_name, timeout_ms=timeout_ms, reused=True)


def sweeper_context() -> FakeContext:
    """A scheduled sweeper run's context, with the sweeper's own 120 s timeout (its loop stops 10 s early)."""
    return lambda_context("sweeper", timeout_ms=120_000)


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def api_event(
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: dict | None = None,
    query: str = "",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API v2.0 event for the route of template.yaml that matches."""
    common = {"query": query, "headers": headers, "body": body, "source_ip": source_ip}
    for route in template.routes():
        params = route.match(method, path)
        if params is not None:
            return build_event(route, method, path, path_params=params, **common)
    return build_event(None, method, path, **common)


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


def shoper_order(number: str = "8", **changes: Any) -> dict[str, Any]:
    """A Shoper order webhook body (shop-platforms.md 1.3/1.6: ids and amounts as strings)."""
    order = copy.deepcopy(load_event("shoper/order_create.json"))
    order["order_id"] = number
    order.update(changes)
    return order


def shoper_headers(
    body: bytes, *, secret: str = SHOPER_SECRET, event: str = "order.create", webhook_id: str = "5"
) -> dict[str, str]:
    """The headers of a real Shoper delivery (a third party's capture, Shoper 5.26.54)."""
    return {
        "x-shop-license": "0123456789abcdef0123456789abcdef01234567",
        "x-shop-domain": "sklep-testowy.shoparena.pl",
        "x-shop-version": "5.26.54",
        "x-webhook-name": event,
        "x-webhook-id": webhook_id,
        "x-webhook-sha1": shoper.sign(webhook_id, secret, body),
        "user-agent": "Shop Webhook Sender 5.26.54",
        "content-type": "application/json; charset=utf-8",
    }


def shoper_webhook(order: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    body = json.dumps(order, ensure_ascii=False).encode()
    return api_event("POST", "/webhooks/shop/shoper", body=body, headers=shoper_headers(body, **kwargs))


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


def decision_webhook(
    rma: str,
    payload: dict[str, Any],
    *,
    secret: str = DECISION_SECRET,
    msg_id: str | None = None,
    path_rma: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The team's tool deciding on a case's returned goods: Standard Webhooks-signed JSON sent to
    `/cases/{path_rma or rma}/decision`; `payload` is the body as is (it names its case itself); signed
    at `at` (a test's clock), else now."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    ts = int(at.timestamp()) if at else int(time.time())
    msg_id = msg_id or f"dec_{rma}_{hashlib.sha1(body).hexdigest()[:8]}"  # noqa: S324
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, body),
    }
    return api_event("POST", f"/cases/{path_rma or rma}/decision", body=body, headers=headers)


def tickets_webhook(
    payload: dict[str, Any], msg_id: str = "msg_t1", *, secret: str = SW_SECRET
) -> dict[str, Any]:
    """An outside tool (a chatbot's handoff, a contact form) opening a ticket: Standard Webhooks-signed
    JSON to POST /tickets."""
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, body),
    }
    return api_event("POST", "/tickets", body=body, headers=headers)


# --- Couriers: InPost ShipX (unsigned, secret path token), AfterShip (HMAC), generic (Standard Webhooks) ---
INPOST_TOKEN = DEV_SECRETS["inpost_webhook_token"]
AFTERSHIP_SECRET = DEV_SECRETS["aftership_webhook_secret"]
INPOST_IP = "91.216.25.17"  # inside ShipX's documented source range
PARCEL = "602677439331630337653846"  # the tracking number of couriers.md's verbatim samples


def _routed(method: str, path: str, body: bytes | None, headers: dict, source_ip: str) -> dict[str, Any]:
    return api_event(method, path, body=body, headers=headers, source_ip=source_ip)


def inpost_body(
    status: str = "out_for_delivery",
    *,
    number: str | None = PARCEL,
    at: str = "2025-03-03 07:42:19 +0100",
    event: str = "shipment_status_changed",
    return_number: str | None = None,
) -> dict[str, Any]:
    """A ShipX webhook in the documented shape (couriers.md 2.2): `event_ts` is not ISO-8601."""
    payload: dict[str, Any] = {"shipment_id": 1592329201, "tracking_number": number}
    if event == "shipment_status_changed":
        payload["status"] = status
    if return_number:
        payload["return_tracking_number"] = return_number
    return {"event_ts": at, "event": event, "organization_id": 123456, "payload": payload}


def inpost_webhook(
    status: str = "out_for_delivery",
    *,
    body: dict[str, Any] | bytes | None = None,
    token: str | None = INPOST_TOKEN,
    source_ip: str = INPOST_IP,
    method: str = "POST",
    **fields: Any,
) -> dict[str, Any]:
    """What ShipX sends to `/webhooks/couriers/inpost/{token}`: a JSON POST, or the GET of the URL check."""
    path = "/webhooks/couriers/inpost" + (f"/{token}" if token is not None else "")
    if method == "GET":
        return _routed("GET", path, None, {"User-Agent": "InPost"}, source_ip)
    raw = body if isinstance(body, bytes) else json.dumps(body or inpost_body(status, **fields)).encode()
    return _routed("POST", path, raw, {"Content-Type": "application/json"}, source_ip)


def aftership_body(name: str = "delivered.json", **msg: Any) -> dict[str, Any]:
    doc = copy.deepcopy(load_event(f"aftership/{name}"))
    doc["msg"].update(msg)
    return doc


def aftership_webhook(
    doc: dict[str, Any] | None = None, *, secret: str = AFTERSHIP_SECRET, signature: str | None = None
) -> dict[str, Any]:
    body = json.dumps(doc or aftership_body(), ensure_ascii=False).encode()
    from zwrotnica.providers import aftership

    headers = {
        "Content-Type": "application/json",
        "aftership-hmac-sha256": aftership.sign(secret, body) if signature is None else signature,
    }
    return _routed("POST", "/webhooks/couriers/aftership", body, headers, "52.1.2.3")


def tracking_webhook(
    data: dict[str, Any], *, secret: str = SW_SECRET, msg_id: str = "trk_1"
) -> dict[str, Any]:
    """A generic Standard Webhooks-signed tracking event in our canonical shape."""
    body = json.dumps({"type": "tracking.event", "timestamp": "2026-11-21T09:00:01Z", "data": data}).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, body),
    }
    return _routed("POST", "/webhooks/couriers/generic", body, headers, "10.0.0.1")


def woo_order_shipped(
    number: str = "1001", tracking: str = PARCEL, provider: str = "InPost", **changes: Any
) -> dict[str, Any]:
    """A WooCommerce order update that names its parcel (WooCommerce Shipment Tracking meta)."""
    order = woo_order(number, **changes)
    order["meta_data"] = [
        *order.get("meta_data", []),
        {
            "key": "_wc_shipment_tracking_items",
            "value": [{"tracking_provider": provider, "tracking_number": tracking}],
        },
    ]
    return order


def shipx_tracking(number: str, statuses: list[str], point: str | None = "KRA010") -> dict[str, Any]:
    """ShipX `GET /v1/tracking/{number}` (couriers.md 2.4; point detail shape from shipx-php-sdk)."""
    details = [
        {
            "status": s,
            "origin_status": s.upper(),
            "agency": point,
            "datetime": "2025-03-03T13:11:05.000+01:00",
        }
        for s in reversed(statuses)
    ]
    attributes: dict[str, Any] = {"size": "B"}
    if point:
        attributes |= {
            "target_machine_id": point,
            "target_machine_detail": {
                "name": point,
                "location_description": "Przy sklepie Żabka",
                "address": {"line1": "ul. Zielona 5", "line2": "30-001 Kraków"},
            },
        }
    return {
        "tracking_number": number,
        "service": "inpost_locker_standard",
        "type": "inpost_locker_standard",
        "status": statuses[-1] if statuses else "created",
        "custom_attributes": attributes,
        "created_at": "2025-03-01T10:30:00.000+01:00",
        "updated_at": "2025-03-03T13:11:05.000+01:00",
        "tracking_details": details,
        "expected_flow": [],
    }


# --- Payments: PayU signs the raw body (OpenPayu-Signature, HASH(body + second key)); Przelewy24 signs
# the documented fields as compact JSON with the CRC key (payments.md 1.3, 2.2). Computed here with
# hashlib, independently of the adapters under test. ---
PAYU_SECOND_KEY = DEV_SECRETS["payu_second_key"]
PAYU_POS_ID = DEV_SECRETS["payu_pos_id"]
P24_CRC = DEV_SECRETS["p24_crc"]
P24_MERCHANT_ID = DEV_SECRETS["p24_merchant_id"]
P24_POS_ID = DEV_SECRETS["p24_pos_id"]
PAYU_ORDER_ID = "WZ7D2KQ1MH261120GUEST000P01"
P24_ORDER_ID = 300001234
_PAYU_HASH = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA256": "sha256", "SHA-512": "sha512"}
_P24_FIELDS = (
    "merchantId",
    "posId",
    "sessionId",
    "amount",
    "originAmount",
    "currency",
    "orderId",
    "methodId",
    "statement",
)
_P24_REFUND_FIELDS = ("orderId", "sessionId", "refundsUuid", "merchantId", "amount", "currency", "status")


def payu_order_body(
    number: str = "1001",
    status: str = "COMPLETED",
    amount: int = 26100,
    *,
    order_id: str = PAYU_ORDER_ID,
    currency: str = "PLN",
    pos_id: str = PAYU_POS_ID,
) -> bytes:
    """A PayU order notification in the documented shape (payments.md 1.2), buyer fields included."""
    order: dict[str, Any] = {
        "orderId": order_id,
        "extOrderId": number,
        "orderCreateDate": "2026-11-20T13:05:00",
        "notifyUrl": "https://sklep.example.com/api/webhooks/payments/payu",
        "customerIp": "127.0.0.1",
        "merchantPosId": pos_id,
        "description": f"Zamówienie {number}",
        "currencyCode": currency,
        "totalAmount": str(amount),
        "status": status,
    }
    doc: dict[str, Any] = {"order": order}
    if status == "COMPLETED":
        order["buyer"] = {"email": "anna.kowalska@example.com", "phone": "600100200", "language": "pl"}
        order["payMethod"] = {"type": "PBL"}
        doc["localReceiptDateTime"] = "2026-11-20T14:06:00.000+01:00"
        doc["properties"] = [{"name": "PAYMENT_ID", "value": "151471228"}]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def payu_refund_body(
    number: str = "1001",
    amount: int = 2000,
    status: str = "FINALIZED",
    *,
    refund_id: str = "912128",
    order_id: str = PAYU_ORDER_ID,
) -> bytes:
    refund = {
        "refundId": refund_id,
        "amount": str(amount),
        "currencyCode": "PLN",
        "status": status,
        "statusDateTime": "2026-11-25T10:43:31.418+01:00",
        "reason": "refund",
        "reasonDescription": "zwrot towaru",
        "refundDate": "2026-11-25T10:43:30.150+01:00",
    }
    doc = {"orderId": order_id, "extOrderId": number, "refund": refund}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def payu_signature(body: bytes, key: str = PAYU_SECOND_KEY, algorithm: str = "MD5") -> str:
    digest = hashlib.new(_PAYU_HASH[algorithm], body + key.encode()).hexdigest()
    return f"sender=checkout;signature={digest};algorithm={algorithm};content=DOCUMENT"


def payu_webhook(
    body: bytes,
    *,
    key: str = PAYU_SECOND_KEY,
    algorithm: str = "MD5",
    signature: str | None = None,
    provider: str = "payu",
) -> dict[str, Any]:
    """What PayU POSTs to notifyUrl; `signature` replaces the header value (None: sign correctly)."""
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "OpenPayu-Signature": payu_signature(body, key, algorithm) if signature is None else signature,
    }
    return api_event("POST", f"/webhooks/payments/{provider}", body=body, headers=headers)


def p24_sign(fields: dict[str, Any], keys: tuple[str, ...], crc: str = P24_CRC) -> str:
    text = json.dumps({**{k: fields[k] for k in keys}, "crc": crc}, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode()).hexdigest()


def p24_notification(
    number: str = "1001", amount: int = 26100, *, crc: str = P24_CRC, **changes: Any
) -> dict[str, Any]:
    """A signed Przelewy24 transaction notification (sent only for a paid transaction)."""
    fields: dict[str, Any] = {
        "merchantId": P24_MERCHANT_ID,
        "posId": P24_POS_ID,
        "sessionId": number,
        "amount": amount,
        "originAmount": amount,
        "currency": "PLN",
        "orderId": P24_ORDER_ID,
        "methodId": 154,
        "statement": f"p24-{number}",
    } | changes
    return fields | {"sign": p24_sign(fields, _P24_FIELDS, crc)}


def p24_refund_notification(
    number: str = "1001",
    amount: int = 26100,
    refunds_uuid: str = "rf-1001-1",
    status: int = 0,
    **changes: Any,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "orderId": P24_ORDER_ID,
        "sessionId": number,
        "merchantId": P24_MERCHANT_ID,
        "requestId": refunds_uuid,
        "refundsUuid": refunds_uuid,
        "amount": amount,
        "currency": "PLN",
        "timestamp": 1795000000,
        "status": status,
    } | changes
    return fields | {"sign": p24_sign(fields, _P24_REFUND_FIELDS)}


def p24_webhook(body: dict[str, Any] | bytes) -> dict[str, Any]:
    """What P24 POSTs to urlStatus: JSON, authenticated only by its `sign` field."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return api_event(
        "POST", "/webhooks/payments/przelewy24", body=raw, headers={"Content-Type": "application/json"}
    )


def delivered(number: str, days_ago: int) -> None:
    """Seed moto: the order's outbound parcel delivered `days_ago`, as the courier webhook records it (the
    return form's 14-day window counts from its possession date)."""
    from zwrotnica.models.common import iso
    from zwrotnica.store.table import client, order_pk, to_item

    client().put_item(
        TableName="ZwrotnicaTable",
        Item=to_item(
            {
                "pk": order_pk(number),
                "sk": "SHIPMENT#inpost#620000000000000000000001",
                "type": "shipment",
                "carrier": "inpost",
                "tracking_number": "620000000000000000000001",
                "status": "DELIVERED",
                "possessed_at": iso(datetime.now(UTC) - timedelta(days=days_ago)),
            }
        ),
    )
