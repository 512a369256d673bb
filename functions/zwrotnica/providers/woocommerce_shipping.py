"""Pickup point and tracking numbers from what Polish WooCommerce shipping plugins store on an order.

Read in each plugin's code (shop-platforms.md section 7); the REST v3 order (= the webhook body) carries
order meta in `meta_data[]`, shipping-line meta in `shipping_lines[].meta_data[]`:

- InPost PL (official, inpost-for-woocommerce): point `_parcel_machine_id`; tracking
  `_easypack_parcel_tracking` (numbers, comma-separated for several parcels).
- WP Desk Paczkomaty (Flexible Shipping): point `_paczkomat_id`, on the order when BaseLinker creates it,
  else on a `shipment` post that BaseLinker-Woo adds PHP-serialised as `shipment_meta`; tracking key not
  published.
- Furgonetka: point `_furgonetkaPoint`, its operator `_furgonetkaService`; tracking `tracking_info` =
  {number: {"courierService": ...}}.
- Apaczka.pl: point `apaczka_delivery_point` {apm_access_point_id, apm_supplier}; tracking
  `_apaczka`.apaczka_order.waybill_number.
- Sendit / Bliskapaczka.pl: point in shipping-line meta `_bliskapaczka_posCode`, operator
  `_bliskapaczka_posOperator`; tracking key not published.
- BaseLinker-Woo: point as the top-level field `bl_delivery_point_id` (Packeta, Polkurier); where its
  "Link shipment number" writes in WooCommerce is not published.
- Shipment Tracking (WooCommerce.com) and Advanced Shipment Tracking: tracking
  `_wc_shipment_tracking_items` = [{tracking_provider, tracking_number, ...}].

Carrier ids are `domain.shipment_status.carrier_id`'s. A value that is not a usable tracking number (too
short, odd characters) is skipped: the order is kept without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zwrotnica.domain.shipment_status import carrier_id
from zwrotnica.models.order import ShipmentRef
from zwrotnica.providers.payload import rows as _list
from zwrotnica.providers.payload import text as _text

TRACKING_META_KEY = "_wc_shipment_tracking_items"  # WooCommerce Shipment Tracking extension
INPOST_TRACKING_KEY = "_easypack_parcel_tracking"
FURGONETKA_TRACKING_KEY = "tracking_info"
APACZKA_ORDER_KEY = "_apaczka"
# (meta key of the point, meta key of its operator or a fixed operator name)
POINT_SOURCES = (
    ("_parcel_machine_id", "inpost"),
    ("parcel_machine_id", "inpost"),
    ("_paczkomat_id", "inpost"),
    ("paczkomat_id", "inpost"),
    ("_inpost_point", "inpost"),
    ("_furgonetkaPoint", "_furgonetkaService"),
    ("_bliskapaczka_posCode", "_bliskapaczka_posOperator"),
)
_SERIALISED_PACZKOMAT = re.compile(r's:13:"_paczkomat_id";a:1:\{i:0;s:\d+:"([^"]{1,32})";\}')


def meta(entries: Any) -> dict[str, Any]:
    """`meta_data[]` as a dict; entries that are not {key, value} objects are ignored."""
    return {str(e.get("key")): e.get("value") for e in entries or [] if isinstance(e, dict)}


def pickup_point(payload: Mapping[str, Any], order_meta: Mapping[str, Any]) -> tuple[str, str] | None:
    """(point id, carrier id) of the point the customer chose, or None."""
    for key, operator in POINT_SOURCES:
        if point := _text(order_meta.get(key)):
            name = _text(order_meta.get(operator)) if operator.startswith("_") else operator
            return _point(point), carrier_id(name)
    apaczka = order_meta.get("apaczka_delivery_point")
    if isinstance(apaczka, Mapping) and (point := _text(apaczka.get("apm_access_point_id"))):
        return _point(point), carrier_id(_text(apaczka.get("apm_supplier")))
    if point := _text(payload.get("bl_delivery_point_id")):  # its operator: the shipping line's title
        lines = [line for line in payload.get("shipping_lines") or [] if isinstance(line, Mapping)]
        return _point(point), carrier_id(_text(lines[0].get("method_title")) if lines else "")
    found = _SERIALISED_PACZKOMAT.search(_text(payload.get("shipment_meta")))
    return (_point(found.group(1)), "inpost") if found else None


def shipments(order_meta: Mapping[str, Any]) -> list[ShipmentRef]:
    """Every tracking number the plugins recorded, once each, in the order above."""
    refs: list[tuple[str, str]] = []
    for item in _list(order_meta.get(TRACKING_META_KEY)):
        provider = _text(item.get("tracking_provider")) or _text(item.get("custom_tracking_provider"))
        refs.append((carrier_id(provider), _text(item.get("tracking_number"))))
    for number in re.split(r"[\s,;]+", _text(order_meta.get(INPOST_TRACKING_KEY))):
        refs.append(("inpost", number))
    furgonetka = order_meta.get(FURGONETKA_TRACKING_KEY)
    for number, info in furgonetka.items() if isinstance(furgonetka, Mapping) else ():
        service = _text(info.get("courierService")) if isinstance(info, Mapping) else ""
        refs.append((carrier_id(service), _text(number)))
    apaczka = order_meta.get(APACZKA_ORDER_KEY)
    order = apaczka.get("apaczka_order") if isinstance(apaczka, Mapping) else None
    if isinstance(order, Mapping):
        point = order_meta.get("apaczka_delivery_point")
        supplier = _text(point.get("apm_supplier")) if isinstance(point, Mapping) else ""
        refs.append((carrier_id(supplier or "apaczka"), _text(order.get("waybill_number"))))
    out: list[ShipmentRef] = []
    for carrier, number in refs:
        ref = ShipmentRef.read(carrier, number)
        if ref and all(ref.tracking_number != s.tracking_number for s in out):
            out.append(ref)
    return out[:20]


def _point(value: str) -> str:
    return value.upper()[:32]
