"""PrestaShop (1.7, 8, 9): orders polled through the core webservice. No module needs installing.

PrestaShop's core sends no HTTP webhooks (order events are PHP hooks; modules that post them are third
party). Its webservice, switched on in Advanced Parameters → Webservice with a 32-character key that may
GET `orders`, `customers`, `addresses`, `order_carriers`, `carriers` and `currencies`, answers JSON with
`output_format=JSON`, the key as the Basic-auth user and an empty password. Filtering or sorting on
`date_upd` needs `date=1` (else "This filter does not exist"); `filter[f]=[a,b]` is an interval,
`[1|5]` a choice, `limit=offset,count` a page (devdocs.prestashop-project.org webservice cheat-sheet;
classes/webservice/WebserviceRequest.php). An empty result is `[]`, not `{"orders": []}`.

One window of changed orders costs one page of orders plus one batched read each of their customers
(e-mail), delivery addresses (phone), order_carriers (tracking numbers), carriers (names) and
currencies (ISO codes): six calls per 100 orders. Whether adding a tracking number moves the order's
`date_upd` is not documented: a waybill added later reaches us with the order's next change (the
sweeper may also re-read `order_carriers` by their own `date_add`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from zwrotnica.domain.order_feeds import Window
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
from zwrotnica.providers.payload import local_time
from zwrotnica.providers.payload import obj as _object
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

if TYPE_CHECKING:
    import httpx

PAGE_SIZE = 100
MAX_ID = 4_294_967_295  # ids are unsigned INT(10): the open end of an id interval
SHOP_TIME = ZoneInfo("Europe/Warsaw")  # date_add/date_upd are the shop's local time, without a zone
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# The order states of a fresh PrestaShop install (ps_order_state ids); a shop's own states: `statuses`.
STATUS = {
    1: ShopStatus.PENDING_PAYMENT,  # awaiting check payment
    2: ShopStatus.PROCESSING,  # payment accepted
    3: ShopStatus.PROCESSING,  # processing in progress
    4: ShopStatus.PROCESSING,  # shipped
    5: ShopStatus.COMPLETED,  # delivered
    6: ShopStatus.CANCELLED,
    7: ShopStatus.REFUNDED,
    8: ShopStatus.FAILED,  # payment error
    9: ShopStatus.PROCESSING,  # on backorder (paid)
    10: ShopStatus.PENDING_PAYMENT,  # awaiting bank wire payment
    11: ShopStatus.PROCESSING,  # remote payment accepted
    12: ShopStatus.PENDING_PAYMENT,  # on backorder (not paid)
    13: ShopStatus.PROCESSING,  # awaiting cash-on-delivery validation
}
PAYMENT_MODULES = {
    "ps_cashondelivery": PaymentMethod.COD,
    "cashondelivery": PaymentMethod.COD,
    "ps_wirepayment": PaymentMethod.TRANSFER,
    "bankwire": PaymentMethod.TRANSFER,
}
ONLINE_WORDS = ("payu", "przelewy24", "tpay", "blik", "paypal", "stripe", "imoje", "paynow", "hipay")


class PrestaShopClient:
    def __init__(
        self, shop_url: str, key: str, transport: httpx.BaseTransport | None = None, timeout: float = 10.0
    ) -> None:
        import httpx

        if not key:
            raise ValueError("a PrestaShop webservice key is required")
        self._http = httpx.Client(
            base_url=f"{shop_url.rstrip('/')}/api",
            auth=httpx.BasicAuth(key, ""),
            params={"output_format": "JSON"},
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def changed_orders(
        self, window: Window, page: int = 0, *, after_id: int | None = None
    ) -> list[dict[str, Any]]:
        """One page of the orders whose date_upd is in the window, oldest change first. A page shorter
        than PAGE_SIZE is the last.

        `after_id`: the page of orders with a higher id instead, by id (the sweeper's way: an order
        modified while the window is read leaves the window, and an offset page would then skip the
        order that moved up into its place; a page after an id cannot)."""
        begin = window.begin.astimezone(SHOP_TIME).strftime(DATE_FORMAT)
        end = window.end.astimezone(SHOP_TIME).strftime(DATE_FORMAT)
        params = {
            "display": "full",
            "date": "1",
            "filter[date_upd]": f"[{begin},{end}]",
            "sort": "[date_upd_ASC,id_ASC]",
            "limit": f"{page * PAGE_SIZE},{PAGE_SIZE}",
        }
        if after_id is not None:
            params |= {
                "filter[id]": f"[{after_id + 1},{MAX_ID}]",
                "sort": "[id_ASC]",
                "limit": f"0,{PAGE_SIZE}",
            }
        return self._list("orders", params)

    def by_ids(self, resource: str, ids: Iterable[int | str], field: str = "id") -> list[dict[str, Any]]:
        """`customers`, `addresses`, `carriers`, `currencies` by id, or `order_carriers` by id_order: one
        call."""
        wanted = sorted({str(i) for i in ids if str(i).isdigit() and str(i) != "0"})
        if not wanted:
            return []
        return self._list(resource, {"display": "full", f"filter[{field}]": f"[{'|'.join(wanted)}]"})

    def _list(self, resource: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        from zwrotnica.providers.errors import http_error, send

        response = send(self._http, "prestashop", "GET", f"/{resource}", params=dict(params))
        if not response.is_success:
            raise http_error("prestashop", response.status_code)
        try:
            body = response.json()
        except ValueError:
            body = None
        rows = body.get(resource) if isinstance(body, dict) else None  # an empty result is []
        return [r for r in rows or [] if isinstance(r, dict)]


def to_order_fields(
    order: Mapping[str, Any],
    *,
    customer: Mapping[str, Any] | None = None,
    address: Mapping[str, Any] | None = None,
    order_carriers: Iterable[Mapping[str, Any]] = (),
    carrier_names: Mapping[str, str] | None = None,
    statuses: Mapping[int, ShopStatus] | None = None,
    currency: str = "PLN",
) -> dict[str, Any]:
    """An order (display=full) with its customer, delivery address, order_carriers and carrier names.
    `currency`: the ISO code of the order's id_currency (the order holds only the id).

    The number is `reference`, the code PrestaShop shows the buyer (9 letters by default); `id` and
    `id_cart` are kept for payments: the payment modules name the order or its cart by those."""
    address = address or {}
    names = carrier_names or {}
    rows = _list(_object(order.get("associations")).get("order_rows"))
    items = [item for item in map(_item, rows) if item]
    carrier = names.get(_text(order.get("id_carrier")), "")
    created = _local(order.get("date_add"))
    total = _text(order.get("total_paid_tax_incl")) or _text(order.get("total_paid")) or "0"
    person = " ".join(p for p in (_text(address.get("firstname")), _text(address.get("lastname"))) if p)
    return {
        "number": _text(order.get("reference")) or _text(order.get("id")),
        "shop_order_id": _text(order.get("id")) or None,
        "cart_id": _text(order.get("id_cart")) or None,
        "platform": "prestashop",
        "status": {**STATUS, **(statuses or {})}.get(_int(order.get("current_state")), ShopStatus.PROCESSING),
        "customer_name": (person or _text(address.get("company")))[:200],
        "email": usable_email((customer or {}).get("email")),
        "phone": normalize_phone(_text(address.get("phone_mobile")) or _text(address.get("phone"))),
        "delivery": _delivery(order, address, carrier),
        "items": items,
        "total": max(0, to_grosze(total)),
        "currency": currency,
        "payment_method": _payment(_text(order.get("module"))),
        "shipments": _shipments(order_carriers, names, carrier),
        "created_at": created,
        "modified_at": _local(order.get("date_upd")) or created,
    }


def _delivery(order: Mapping[str, Any], address: Mapping[str, Any], carrier: str) -> Delivery:
    street = " ".join(p for p in (_text(address.get("address1")), _text(address.get("address2"))) if p)
    shipping = _text(order.get("total_shipping_tax_incl")) or _text(order.get("total_shipping")) or "0"
    locker = any(word in carrier.lower() for word in ("paczkomat", "locker"))
    return Delivery(
        method=DeliveryMethod.PACZKOMAT if locker else DeliveryMethod.COURIER,
        point_carrier=carrier_id(carrier) if locker else None,
        address_line=street[:300] or None,
        postcode=_text(address.get("postcode"))[:12] or None,
        city=_text(address.get("city"))[:100] or None,
        shipping_cost=max(0, to_grosze(shipping)),
    )


def _item(row: Mapping[str, Any]) -> OrderItem | None:
    qty = _int(row.get("product_quantity"))
    if qty <= 0:
        return None
    sku = _text(row.get("product_reference")) or _text(row.get("product_id")) or "?"
    price = _text(row.get("unit_price_tax_incl")) or _text(row.get("product_price")) or "0"
    return OrderItem(
        sku=sku[:100],
        name=(_text(row.get("product_name")) or sku)[:300],
        qty=min(qty, 10_000),
        unit_price=max(0, to_grosze(price)),
    )


def _shipments(
    order_carriers: Iterable[Mapping[str, Any]], names: Mapping[str, str], default: str
) -> list[ShipmentRef]:
    refs: list[ShipmentRef] = []
    for row in order_carriers:
        name = names.get(_text(row.get("id_carrier")), default)
        ref = ShipmentRef.read(carrier_id(name), _text(row.get("tracking_number")))
        if ref and all(r.tracking_number != ref.tracking_number for r in refs):
            refs.append(ref)
    return refs[:20]


def _payment(module: str) -> PaymentMethod:
    if module in PAYMENT_MODULES:
        return PAYMENT_MODULES[module]
    return PaymentMethod.ONLINE if any(w in module.lower() for w in ONLINE_WORDS) else PaymentMethod.OTHER


def _local(value: Any) -> datetime | None:
    return local_time(value, SHOP_TIME)
