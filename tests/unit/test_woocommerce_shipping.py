"""Pickup points and waybills as the Polish WooCommerce shipping plugins store them on an order
(keys and shapes from the plugins' code, shop-platforms.md section 7; values are test data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zwrotnica.domain.shipment_status import carrier_id
from zwrotnica.models.order import ShopOrder
from zwrotnica.providers import woocommerce

EVENTS = Path(__file__).parents[1] / "events"


def order(meta: list[dict], **changes) -> ShopOrder:
    payload = json.loads((EVENTS / "woocommerce/order_created.json").read_text(encoding="utf-8"))
    payload.update({"meta_data": meta, "shipping_lines": [{"method_id": "flat_rate", "meta_data": []}]})
    payload.update(changes)
    return ShopOrder.model_validate(woocommerce.to_order_fields(payload))


def m(key: str, value) -> dict:
    return {"id": 1, "key": key, "value": value}


# (plugin, order meta, extra top-level fields, shipping-line meta, expected point, expected carrier)
POINTS = [
    ("InPost PL official", [m("_parcel_machine_id", "KRA010"), m("_parcel_machine_desc", "Przy Żabce")],
     {}, [], "KRA010", "inpost"),
    ("WP Desk via BaseLinker", [m("_paczkomat_id", "waw22a")], {}, [], "WAW22A", "inpost"),
    ("Furgonetka DPD Pickup", [m("_furgonetkaPoint", "PL11033"), m("_furgonetkaPointName", "DPD Pickup"),
                               m("_furgonetkaService", "dpd"), m("_furgonetkaServiceType", "pickup")],
     {}, [], "PL11033", "dpd"),
    ("Furgonetka ORLEN Paczka", [m("_furgonetkaPoint", "104523"), m("_furgonetkaService", "orlen")],
     {}, [], "104523", "orlen"),
    ("Apaczka.pl", [m("apaczka_delivery_point", {"apm_access_point_id": "POZ08M", "apm_supplier": "INPOST",
                                                 "apm_name": "POZ08M"})],
     {}, [], "POZ08M", "inpost"),
    ("Sendit / Bliskapaczka.pl", [], {}, [m("_bliskapaczka_posCode", "KRA01N"),
                                          m("_bliskapaczka_posOperator", "INPOST")], "KRA01N", "inpost"),
    ("BaseLinker-Woo (Polkurier)", [], {"bl_delivery_point_id": "9876", "bl_delivery_point_name": "9876"},
     [], "9876", "orlen"),
    ("BaseLinker-Woo shipment_meta (WP Desk)", [],
     {"shipment_meta": 'a:2:{s:13:"_paczkomat_id";a:1:{i:0;s:6:"GDA05M";}s:12:"_integration";a:1:'
                       '{i:0;s:10:"paczkomaty";}}'},
     [], "GDA05M", "inpost"),
]  # fmt: skip


@pytest.mark.parametrize(("plugin", "meta", "top", "line_meta", "point", "carrier"), POINTS)
def test_pickup_point_from_each_plugin(plugin, meta, top, line_meta, point, carrier):
    title = "ORLEN Paczka"  # the method's name: BaseLinker-Woo's point takes its operator from it
    lines = [{"method_id": "flexible_shipping_single", "method_title": title, "meta_data": line_meta}]
    delivery = order(meta, shipping_lines=lines, **top).delivery
    assert (delivery.method.value, delivery.point_id, delivery.point_carrier) == ("paczkomat", point, carrier)


P1, P2 = "602677439331630337653846", "602677439331630337653847"
# (plugin, order meta, expected (carrier, number) pairs)
TRACKING = [
    ("InPost PL official, one parcel", [m("_easypack_parcel_tracking", P1)], [("inpost", P1)]),
    ("InPost PL official, two parcels", [m("_easypack_parcel_tracking", f"{P1},{P2}")],
     [("inpost", P1), ("inpost", P2)]),
    ("Furgonetka", [m("tracking_info", {"0000123456789U": {"courierService": "dpd"},
                                        "PX1234567890": {"courierService": "poczta"}})],
     [("dpd", "0000123456789U"), ("poczta_polska", "PX1234567890")]),
    ("Apaczka.pl", [m("apaczka_delivery_point", {"apm_access_point_id": "POZ08M", "apm_supplier": "DHL"}),
                    m("_apaczka", {"apaczka_order": {"waybill_number": "JJD000030123456789",
                                                     "tracking_url": "https://www.apaczka.pl/"},
                                   "apaczka_response": {"order": {"id": 3017}}})],
     [("dhl", "JJD000030123456789")]),
    ("Shipment Tracking", [m("_wc_shipment_tracking_items", [
        {"tracking_provider": "InPost", "custom_tracking_provider": "", "custom_tracking_link": "",
         "tracking_number": "520000011395200025754311", "date_shipped": 1714521600, "tracking_id": "a1"},
        {"tracking_provider": "", "custom_tracking_provider": "ORLEN Paczka", "custom_tracking_link": "",
         "tracking_number": "0023 4567 8901", "date_shipped": 1714521600, "tracking_id": "a2"}])],
     [("inpost", "520000011395200025754311"), ("orlen", "002345678901")]),
    ("two plugins, one parcel", [m("_easypack_parcel_tracking", P1),
                                 m("_wc_shipment_tracking_items", [{"tracking_provider": "InPost",
                                                                    "tracking_number": P1}])],
     [("inpost", P1)]),
    ("not a waybill", [m("_easypack_parcel_tracking", "n/a"), m("tracking_info", {"??": {}}),
                       m("_apaczka", "x")], []),
]  # fmt: skip


@pytest.mark.parametrize(("plugin", "meta", "expected"), TRACKING)
def test_tracking_numbers_from_each_plugin(plugin, meta, expected):
    assert [(s.carrier, s.tracking_number) for s in order(meta).shipments] == expected


def test_carrier_ids_are_the_tracking_modules_own():
    found = {s.carrier for _, meta, _ in TRACKING for s in order(meta).shipments}
    assert found == {carrier_id(name) for name in ("InPost", "DPD", "Poczta Polska", "DHL", "ORLEN Paczka")}


def test_a_point_that_is_not_inpost_is_named_a_pickup_point_in_the_email():
    from datetime import UTC, datetime

    from zwrotnica.domain.orders import apply_shop_order

    dpd = order([m("_furgonetkaPoint", "PL11033"), m("_furgonetkaService", "dpd")])
    inpost = order([m("_parcel_machine_id", "KRA010")])
    now = datetime(2026, 11, 24, tzinfo=UTC)
    texts = [apply_shop_order(None, o, now=now, status_url="https://x/s", shop_name="S").messages[0].text
             for o in (dpd, inpost)]  # fmt: skip
    assert "Dostawa do punktu odbioru PL11033." in texts[0]
    assert "Dostawa do Paczkomatu KRA010." in texts[1]
