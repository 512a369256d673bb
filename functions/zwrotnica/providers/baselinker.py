"""BaseLinker (base.com): the order journal polled from the last event id, orders and their parcels.

One endpoint, `POST https://api.baselinker.com/connector.php`, form fields `method` and `parameters`
(a JSON string), the token in the `X-BLToken` header; 100 requests a minute, past which the token is
blocked for a while (api.baselinker.com). Errors come back as HTTP 200 with `"status": "ERROR"`.

- `getJournalList` {last_log_id, logs_types} → `logs[]` {id, order_id, log_type, object_id, date}: the
  events of the last 3 days (the account must ask BaseLinker support to switch it on; until then it
  answers an empty list). domain.order_feeds plans what to read from it.
- `getOrders` {order_id} or {date_confirmed_from} → `orders[]` (at most 100): every channel the shop
  sells on (its shop, Allegro, Amazon), `email` and `phone` empty when the channel hides them.
- `getOrderPackages` {order_id} → `packages[]` {courier_code, courier_package_nr, courier_other_name,
  is_return, ...}: the waybills, every one (getOrders names the first only).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from zwrotnica.domain.phone import normalize_phone
from zwrotnica.domain.shipment_status import carrier_id
from zwrotnica.models.order import (
    Delivery,
    DeliveryMethod,
    OrderItem,
    PaymentMethod,
    ShipmentRef,
    ShopStatus,
    usable_email,
)
from zwrotnica.money import to_grosze
from zwrotnica.providers.payload import integer as _int
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

if TYPE_CHECKING:  # httpx is imported by the client only: parsing stays off the cold import path
    import httpx

API_URL = "https://api.baselinker.com/connector.php"
REQUESTS_PER_MINUTE = 100
# Journal events that change what we keep of an order: created, delivery form filled in (confirmed),
# paid, parcel created or deleted, delivery data or order data edited, status changed.
JOURNAL_LOG_TYPES = (1, 2, 3, 9, 10, 11, 16, 18)
# Answers after which the same call later may succeed; every other error code is permanent.
RETRYABLE_CODES = frozenset({"ERROR_BLOCKED_TOKEN", "ERROR_USER_LIMIT", "ERROR_INTERNAL"})
ONLINE_WORDS = ("payu", "przelewy24", "p24", "tpay", "blik", "allegro", "paypal", "stripe", "online", "karta")


class BaseLinkerClient:
    """The three calls we need, under the documented 100 requests a minute (waits, never bursts)."""

    def __init__(
        self,
        token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        per_minute: int = REQUESTS_PER_MINUTE,
        url: str = API_URL,
    ) -> None:
        import httpx

        if not token:
            raise ValueError("a BaseLinker API token is required")
        self._http = httpx.Client(headers={"X-BLToken": token}, transport=transport, timeout=timeout)
        self._url, self._clock, self._sleep, self._per_minute = url, clock, sleep, per_minute
        self._sent: deque[float] = deque()

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
        from zwrotnica.providers.errors import ProviderError, http_error, json_object, send

        self._wait_for_slot()
        form = {"method": method, "parameters": json.dumps(dict(parameters))}
        response = send(self._http, "baselinker", "POST", self._url, data=form)
        body = json_object(response)
        if response.status_code != 200:
            raise http_error("baselinker", response.status_code, body.get("error_code"))
        if body.get("status") != "SUCCESS":
            code = str(body.get("error_code") or "unknown")
            raise ProviderError(f"baselinker: {method} {code}", retryable=code in RETRYABLE_CODES, code=code)
        return body

    def journal(self, last_log_id: int) -> list[dict[str, Any]]:
        answer = self.call(
            "getJournalList", {"last_log_id": last_log_id, "logs_types": list(JOURNAL_LOG_TYPES)}
        )
        return [log for log in answer.get("logs") or [] if isinstance(log, dict)]

    def order(self, order_id: int) -> dict[str, Any] | None:
        """One order, unconfirmed ones too (an Allegro order before its delivery form is still one)."""
        answer = self.call("getOrders", {"order_id": order_id, "get_unconfirmed_orders": True})
        return next((o for o in answer.get("orders") or [] if isinstance(o, dict)), None)

    def orders_confirmed_since(self, unix_time: int) -> list[dict[str, Any]]:
        """Up to 100 orders confirmed at or after `unix_time`, oldest first (the fallback read when the
        journal's 3 days have passed: page on with the last order's date_confirmed + 1)."""
        answer = self.call("getOrders", {"date_confirmed_from": unix_time})
        return [o for o in answer.get("orders") or [] if isinstance(o, dict)]

    def packages(self, order_id: int) -> list[dict[str, Any]]:
        answer = self.call("getOrderPackages", {"order_id": order_id})
        return [p for p in answer.get("packages") or [] if isinstance(p, dict)]

    def _wait_for_slot(self) -> None:
        """At most `per_minute` calls in any 60 seconds: wait for the oldest to leave the window."""
        now = self._clock()
        while self._sent and now - self._sent[0] >= 60:
            self._sent.popleft()
        if len(self._sent) >= self._per_minute:
            self._sleep(60 - (now - self._sent[0]))
            self._sent.popleft()
        self._sent.append(self._clock())


def to_order_fields(
    order: Mapping[str, Any],
    packages: Iterable[Mapping[str, Any]] = (),
    *,
    changed_at: int = 0,
    statuses: Mapping[int, ShopStatus] | None = None,
    number_from: str = "order_id",
) -> dict[str, Any]:
    """A getOrders order (with its getOrderPackages parcels) as ShopOrder fields.

    `statuses`: the account's own status ids (getOrderStatusList) mapped to ours; an id not mapped is
    "processing". `number_from`: "order_id" (BaseLinker's number, default) or "shop_order_id" (the
    shop's own number, for orders that came from the shop; others keep BaseLinker's). `changed_at`:
    the newest journal event of the order, part of its version."""
    order_id = _text(order.get("order_id"))
    shop_number = _text(order.get("shop_order_id"))  # 0 for an order that did not come from the shop
    number = shop_number if number_from == "shop_order_id" and shop_number not in ("", "0") else ""
    items = [item for item in map(_item, _list(order.get("products"))) if item]
    delivery_price = to_grosze(_text(order.get("delivery_price")) or "0")
    stamps = [_int(order.get(k)) for k in ("date_add", "date_confirmed", "date_in_status")] + [changed_at]
    cod = _truthy(order.get("payment_method_cod"))
    return {
        "number": number or order_id,
        "shop_order_id": order_id or None,
        "platform": "baselinker",
        "status": (statuses or {}).get(_int(order.get("order_status_id")), ShopStatus.PROCESSING),
        "customer_name": _name(order),
        "email": usable_email(order.get("email")),
        "phone": normalize_phone(_text(order.get("phone"))),
        "delivery": _delivery(order, max(0, delivery_price)),
        "items": items,
        "total": sum(i.unit_price * i.qty for i in items) + max(0, delivery_price),
        "currency": _text(order.get("currency")).upper() or "PLN",
        "payment_method": PaymentMethod.COD if cod else _payment(_text(order.get("payment_method"))),
        "shipments": shipments(order, packages),
        "created_at": _unix(order.get("date_add")),
        "modified_at": _unix(max(stamps)),
    }


def shipments(order: Mapping[str, Any], packages: Iterable[Mapping[str, Any]]) -> list[ShipmentRef]:
    """Every outgoing parcel's waybill (returns left out); without packages read, the first one that
    getOrders names."""
    found: list[tuple[str, str]] = []
    for package in packages:
        if _truthy(package.get("is_return")):
            continue
        courier = _text(package.get("courier_code")) or _text(package.get("courier_other_name"))
        found.append((courier, _text(package.get("courier_package_nr"))))
    if not found and _text(order.get("delivery_package_nr")):
        found.append((_text(order.get("delivery_package_module")), _text(order["delivery_package_nr"])))
    refs: list[ShipmentRef] = []
    for courier, number in found:
        ref = ShipmentRef.read(carrier_id(courier), number)
        if ref and all(r.tracking_number != ref.tracking_number for r in refs):
            refs.append(ref)
    return refs[:20]


def _delivery(order: Mapping[str, Any], price: int) -> Delivery:
    point = _text(order.get("delivery_point_id"))
    courier = _text(order.get("delivery_package_module")) or _text(order.get("delivery_method"))
    address = _text(order.get("delivery_address"))
    return Delivery(
        method=DeliveryMethod.PACZKOMAT if point else DeliveryMethod.COURIER,
        point_id=point.upper()[:32] or None,
        point_carrier=carrier_id(courier) if point and courier else None,
        address_line=address[:300] or None,
        postcode=_text(order.get("delivery_postcode"))[:12] or None,
        city=_text(order.get("delivery_city"))[:100] or None,
        shipping_cost=price,
    )


def _item(product: Mapping[str, Any]) -> OrderItem | None:
    qty = _int(product.get("quantity"))
    if qty <= 0:
        return None
    sku = _text(product.get("sku")) or _text(product.get("product_id")) or _text(product.get("ean")) or "?"
    return OrderItem(
        sku=sku[:100],
        name=(_text(product.get("name")) or sku)[:300],
        qty=min(qty, 10_000),
        unit_price=max(0, to_grosze(_text(product.get("price_brutto")) or "0")),
    )


def _name(order: Mapping[str, Any]) -> str:
    for key in ("delivery_fullname", "invoice_fullname", "delivery_company", "invoice_company"):
        if name := _text(order.get(key)):
            return name[:200]
    return ""


def _payment(name: str) -> PaymentMethod:
    lowered = name.lower()
    if any(word in lowered for word in ONLINE_WORDS):
        return PaymentMethod.ONLINE
    return PaymentMethod.TRANSFER if "przelew" in lowered else PaymentMethod.OTHER


def _unix(value: Any) -> datetime | None:
    stamp = _int(value)
    return datetime.fromtimestamp(stamp, UTC) if stamp > 0 else None


def _truthy(value: Any) -> bool:
    return value is True or _text(value) in ("1", "true")
