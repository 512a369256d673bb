"""IdoSell (formerly IAI-Shop): orders polled by modification time. IdoSell publishes no order webhook.

Admin API: `https://{shop}/api/admin/v{N}/...`, header `X-API-KEY` (a key made in the panel for an
admin account); on CLOUD plans every call is charged against a monthly pool, so we ask only for what
changed. What the community SDK (ltung7/idosell, API v8.1) sends and reads:

- `POST /orders/orders/search` {"params": {"ordersRange": {"ordersDateRange": {"ordersDateType":
  "modified", "ordersDateBegin", "ordersDateEnd"}}, "resultsPage": 0.., "resultsLimit": 100}} →
  {"Results": [order], "resultsNumberAll", "resultsNumberPage", "resultsPage", "resultsLimit"}.
- `GET /orders/packages?orderNumbers=1,2` → {"results": [{"eventId": order serial number,
  "deliveryPackage": {"deliveryShippingNumber", "courierName", ...}}]}.

An order: `orderId` (the panel's id), `orderSerialNumber` (the number the shop shows), `clientResult`
{clientAccount{clientEmail, clientPhone1}, clientBillingAddress, clientDeliveryAddress{..., Type
client|pickupPoint|warehouse}, clientPickupPointAddress{pickupPointId, externalPickupPointId}},
`orderDetails` {orderStatus, orderAddDate, orderChangeDate (shop time, no zone), payments{
orderPaymentType, orderCurrency{currencyId, orderProductsCost, orderDeliveryCost, orderPayformCost,
orderInsuranceCost}}, dispatch{courierName}, productsResults[]}.
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
from zwrotnica.providers.payload import local_time
from zwrotnica.providers.payload import obj as _object
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

if TYPE_CHECKING:
    import httpx

API_VERSION = 8
PAGE_SIZE = 100
SHOP_TIME = ZoneInfo("Europe/Warsaw")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
STATUS = {
    "new": ShopStatus.PROCESSING,  # "not handled" yet, but placed
    "payment_waiting": ShopStatus.PENDING_PAYMENT,
    "delivery_waiting": ShopStatus.PROCESSING,
    "on_order": ShopStatus.PROCESSING,
    "packed": ShopStatus.PROCESSING,
    "packed_fulfillment": ShopStatus.PROCESSING,
    "packed_ready": ShopStatus.PROCESSING,
    "ready": ShopStatus.PROCESSING,
    "wait_for_dispatch": ShopStatus.PROCESSING,
    "suspended": ShopStatus.ON_HOLD,
    "missing": ShopStatus.ON_HOLD,
    "lost": ShopStatus.ON_HOLD,
    "finished": ShopStatus.COMPLETED,
    "finished_ext": ShopStatus.COMPLETED,
    "canceled": ShopStatus.CANCELLED,
    "false": ShopStatus.CANCELLED,
    "joined": ShopStatus.CANCELLED,  # merged into another order, which carries on
}
ONLINE_WORDS = ("payu", "przelewy24", "p24", "tpay", "blik", "paypal", "idopay", "karta", "online")


class IdoSellClient:
    def __init__(
        self,
        shop_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        version: int = API_VERSION,
    ) -> None:
        import httpx

        if not api_key:
            raise ValueError("an IdoSell API key is required")
        self._http = httpx.Client(
            base_url=f"{shop_url.rstrip('/')}/api/admin/v{version}",
            headers={"X-API-KEY": api_key, "Accept": "application/json"},
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def changed_orders(self, window: Window, page: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the orders modified in the window, and how many pages the window has."""
        date_range = {
            "ordersDateType": "modified",
            "ordersDateBegin": window.begin.astimezone(SHOP_TIME).strftime(DATE_FORMAT),
            "ordersDateEnd": window.end.astimezone(SHOP_TIME).strftime(DATE_FORMAT),
        }
        params = {
            "ordersRange": {"ordersDateRange": date_range},
            "resultsPage": page,
            "resultsLimit": PAGE_SIZE,
        }
        body = self._json("POST", "/orders/orders/search", json={"params": params})
        results = [r for r in body.get("Results") or [] if isinstance(r, dict)]
        paging = body.get("pagination") if isinstance(body.get("pagination"), dict) else body
        pages = paging.get("resultsNumberPage")
        return results, pages if isinstance(pages, int) and pages >= 0 else (1 if results else 0)

    def packages(self, serial_numbers: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """The parcels of these orders, by order serial number."""
        numbers = ",".join(str(n) for n in serial_numbers)
        body = self._json("GET", "/orders/packages", params={"orderNumbers": numbers})
        out: dict[int, list[dict[str, Any]]] = {}
        for result in body.get("results") or []:
            package = result.get("deliveryPackage") if isinstance(result, dict) else None
            if isinstance(package, dict) and isinstance(result.get("eventId"), int):
                out.setdefault(result["eventId"], []).append(package)
        return out

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        from zwrotnica.providers.errors import ProviderError, http_error, json_object, send

        response = send(self._http, "idosell", method, path, **kwargs)
        body = json_object(response)
        if not response.is_success:
            raise http_error("idosell", response.status_code, _fault(body))
        fault = _fault(body)
        if fault and fault not in ("0", "2"):  # 2: nothing found, an empty answer, not an error
            raise ProviderError(f"idosell: fault {fault}", retryable=False, code=fault)
        return body


def to_order_fields(order: Mapping[str, Any], packages: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A search result (with its packages) as ShopOrder fields."""
    client = _object(order.get("clientResult"))
    account = _object(client.get("clientAccount"))
    billing = _object(client.get("clientBillingAddress"))
    shipping = _object(client.get("clientDeliveryAddress"))
    details = _object(order.get("orderDetails"))
    payments = _object(details.get("payments"))
    money = _object(payments.get("orderCurrency"))
    items = [item for item in map(_item, _list(details.get("productsResults"))) if item]
    costs = ("orderProductsCost", "orderDeliveryCost", "orderPayformCost", "orderInsuranceCost")
    phones = (
        shipping.get("clientDeliveryAddressPhone1"),
        billing.get("clientPhone1"),
        account.get("clientPhone1"),
        shipping.get("clientDeliveryAddressPhone2"),  # land lines last: they cannot take an SMS
        billing.get("clientPhone2"),
        account.get("clientPhone2"),
    )
    phone = next((p for p in map(_text, phones) if p), "")
    created = _local(details.get("orderAddDate"))
    return {
        "number": _text(order.get("orderSerialNumber")) or _text(order.get("orderId")),
        "shop_order_id": _text(order.get("orderId")) or None,
        "platform": "idosell",
        "status": STATUS.get(_text(details.get("orderStatus")), ShopStatus.PROCESSING),
        "customer_name": _name(billing, shipping),
        "email": usable_email(account.get("clientEmail")),
        "phone": normalize_phone(phone),
        "delivery": _delivery(client, shipping, _object(details.get("dispatch")), money),
        "items": items,
        "total": sum(max(0, to_grosze(_number(money.get(k)))) for k in costs),
        "currency": _text(money.get("currencyId")).upper() or "PLN",
        "payment_method": _payment(payments, details),
        "shipments": _shipments(packages),
        "created_at": created,
        "modified_at": _local(details.get("orderChangeDate")) or created,
    }


def _delivery(
    client: Mapping[str, Any],
    shipping: Mapping[str, Any],
    dispatch: Mapping[str, Any],
    money: Mapping[str, Any],
) -> Delivery:
    point = _object(client.get("clientPickupPointAddress"))
    point_id = _text(point.get("externalPickupPointId")) or _text(point.get("pickupPointId"))
    kind = _text(shipping.get("clientDeliveryAddressType"))
    courier = _text(dispatch.get("courierName"))
    if kind == "pickupPoint" and point_id:
        method = DeliveryMethod.PACZKOMAT
    elif kind == "warehouse":
        method = DeliveryMethod.PICKUP
    else:
        method, point_id = DeliveryMethod.COURIER, ""
    return Delivery(
        method=method,
        point_id=point_id.upper()[:32] or None,
        point_carrier=carrier_id(courier) if point_id and courier else None,
        address_line=_text(shipping.get("clientDeliveryAddressStreet"))[:300] or None,
        postcode=_text(shipping.get("clientDeliveryAddressZipCode"))[:12] or None,
        city=_text(shipping.get("clientDeliveryAddressCity"))[:100] or None,
        shipping_cost=max(0, to_grosze(_number(money.get("orderDeliveryCost")))),
    )


def _item(product: Mapping[str, Any]) -> OrderItem | None:
    quantity = product.get("productQuantity")
    qty = int(quantity) if isinstance(quantity, int | float) and not isinstance(quantity, bool) else 0
    if qty <= 0:
        return None
    sku = _text(product.get("productCode")) or _text(product.get("productId")) or "?"
    return OrderItem(
        sku=sku[:100],
        name=(_text(product.get("productName")) or sku)[:300],
        qty=min(qty, 10_000),
        unit_price=max(0, to_grosze(_number(product.get("productOrderPrice")))),
    )


def _shipments(packages: Iterable[Mapping[str, Any]]) -> list[ShipmentRef]:
    refs: list[ShipmentRef] = []
    for package in packages:
        number = _text(package.get("deliveryShippingNumber")) or _text(package.get("deliveryPackageNumber"))
        ref = ShipmentRef.read(carrier_id(_text(package.get("courierName"))), number)
        if ref and all(r.tracking_number != ref.tracking_number for r in refs):
            refs.append(ref)
    return refs[:20]


def _payment(payments: Mapping[str, Any], details: Mapping[str, Any]) -> PaymentMethod:
    kind = _text(payments.get("orderPaymentType"))
    if kind == "cash_on_delivery":
        return PaymentMethod.COD
    names = " ".join(_text(p.get("payformName")) for p in _list(details.get("prepaids"))).lower()
    if kind == "prepaid" and any(word in names for word in ONLINE_WORDS):
        return PaymentMethod.ONLINE
    return PaymentMethod.TRANSFER if "przelew" in names else PaymentMethod.OTHER


def _name(billing: Mapping[str, Any], shipping: Mapping[str, Any]) -> str:
    pairs = (
        (billing.get("clientFirstName"), billing.get("clientLastName")),
        (shipping.get("clientDeliveryAddressFirstName"), shipping.get("clientDeliveryAddressLastName")),
    )
    for first, last in pairs:
        if name := " ".join(p for p in (_text(first), _text(last)) if p):
            return name[:200]
    return (_text(billing.get("clientFirm")) or _text(shipping.get("clientDeliveryAddressFirm")))[:200]


def _fault(body: Mapping[str, Any]) -> str | None:
    errors = body.get("errors")
    errors = errors[0] if isinstance(errors, list) and errors else errors
    code = errors.get("faultCode") if isinstance(errors, dict) else None
    return str(code) if isinstance(code, int | str) else None


def _number(value: Any) -> str:
    return (
        str(value) if isinstance(value, int | float) and not isinstance(value, bool) else _text(value) or "0"
    )


def _local(value: Any) -> datetime | None:
    return local_time(value, SHOP_TIME)
