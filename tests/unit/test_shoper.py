"""Shoper webhooks: the X-Webhook-SHA1 scheme and the order body (shop-platforms.md section 1)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from tests.factories import SHOPER_SECRET, shoper_headers, shoper_order
from zwrotnica.errors import InvalidPayload, InvalidSignature
from zwrotnica.models.order import ShopOrder, ShopStatus
from zwrotnica.providers import shop, shoper
from zwrotnica.secrets import Secrets

SECRETS = Secrets(link_signing_key="x" * 16, shoper_webhook_secret=SHOPER_SECRET)


def test_signature_is_plain_sha1_of_id_key_and_body():
    # The spec's generated fixture: id 5, key test-klucz-123 (shop-platforms.md 1.4)
    body = b'{"order_id":"1001","status_id":"2","email":"","sum":"149.99"}'
    assert shoper.sign("5", "test-klucz-123", body) == "c76801861e873da9b00f12d40d09abb8f2051854"
    expected = hashlib.sha1(b"5:test-klucz-123:" + body, usedforsecurity=False).hexdigest()
    assert shoper.sign("5", "test-klucz-123", body) == expected


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h.update({"x-webhook-sha1": "0" * 40}),
        lambda h: h.update({"x-webhook-id": "6"}),  # the id is signed too
        lambda h: h.pop("x-webhook-sha1"),
        lambda h: h.pop("x-webhook-id"),
    ],
)
def test_a_tampered_or_unsigned_delivery_is_refused(tamper):
    body = b'{"order_id":"8"}'
    headers = shoper_headers(body)
    tamper(headers)
    with pytest.raises(InvalidSignature):
        shop.verify_and_parse("shoper", headers, body, SECRETS, 0)


def test_without_a_configured_key_nothing_is_accepted():
    body = b'{"order_id":"8"}'
    with pytest.raises(InvalidSignature):
        shop.verify_and_parse(
            "shoper", shoper_headers(body, secret=""), body, Secrets(link_signing_key="x" * 16), 0
        )


def parse(order: dict, event: str = "order.create") -> ShopOrder | None:
    import json

    body = json.dumps(order, ensure_ascii=False).encode()
    return shop.verify_and_parse("shoper", shoper_headers(body, event=event), body, SECRETS, 0)


def test_the_documented_order_body_maps_to_our_order():
    order = parse(shoper_order())
    assert (order.number, order.shop_order_id, order.platform) == ("8", "8", "shoper")
    assert order.status is ShopStatus.PENDING_PAYMENT  # type 1 "new", not paid, not cash on delivery
    assert (order.customer_name, order.email, order.phone) == (
        "Anna Kowalska",
        "anna.kowalska@example.com",
        "+48600100200",
    )
    assert (order.delivery.method.value, order.delivery.point_id, order.delivery.point_carrier) == (
        "paczkomat",
        "KRA010",
        "inpost",
    )
    assert [(i.sku, i.qty, i.unit_price) for i in order.items] == [
        ("KURTKA-ZIM-M", 1, 20000),
        ("CZAPKA-WEL", 2, 2500),
    ]
    assert (order.total, order.delivery.shipping_cost, order.currency) == (26499, 1499, "PLN")
    assert order.items_total + order.delivery.shipping_cost == order.total
    assert order.payment_method.value == "online"
    # 13:37:23 in Warsaw (CEST) is 11:37:23 UTC
    assert order.created_at == datetime(2026, 9, 29, 11, 37, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"status": {"type": "1"}, "is_paid": True}, ShopStatus.PROCESSING),
        ({"status": {"type": "1"}, "is_cash_on_delivery": True}, ShopStatus.PROCESSING),
        ({"status": {"type": "2"}}, ShopStatus.PROCESSING),
        ({"status": {"type": "3"}}, ShopStatus.COMPLETED),
        ({"status": {"type": "4"}}, ShopStatus.CANCELLED),
        ({"status": None}, ShopStatus.PROCESSING),
    ],
)
def test_status_types(changes, status):
    assert parse(shoper_order(**changes)).status is status


def test_a_later_status_change_is_a_newer_version():
    created = parse(shoper_order())
    moved = parse(shoper_order(status_date="2026-09-30 08:00:00", status={"type": "2"}), "order.status")
    assert moved.version() > created.version() and moved.created_at == created.created_at


EDGES = [
    # a phone order typed in by staff: no e-mail
    ({"email": ""}, {"email": None, "phone": "+48600100200"}),
    # no phone anywhere
    ({"billingAddress": {"firstname": "Jan", "lastname": "Nowak", "phone": ""}, "deliveryAddress": {}},
     {"phone": None, "customer_name": "Jan Nowak"}),
    # the REST spelling of the addresses, a company only
    ({"billingAddress": None, "deliveryAddress": None,
      "billing_address": {"company": "Hurtownia Sp. z o.o.", "phone": "+48 501 222 333"}},
     {"customer_name": "Hurtownia Sp. z o.o.", "phone": "+48501222333"}),
    # a courier order (no point), a discount, goods sold by weight
    ({"pickup_point": None, "pickup_point_data": None,
      "products": [{"code": "SER-1", "name": "Ser", "price": "40.00", "quantity": "0.5",
                    "discount_perc": "10"}]},
     {"items": [{"sku": "SER-1", "name": "Ser", "qty": 1, "unit_price": 1800,
                 "withdrawal_excluded": False}]}),
    # ORLEN Paczka point (supplier PWR)
    ({"pickup_point_data": {"point": "104523", "supplier": "PWR"}}, {"delivery": {
        "method": "paczkomat", "point_id": "104523", "point_carrier": "orlen", "carrier": "orlen",
        "address_line": "ul. Testowa 1 m. 2", "postcode": "30-001", "city": "Kraków",
        "shipping_cost": 1499}}),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), EDGES)
def test_orders_shoper_really_sends(changes, expected):
    dumped = parse(shoper_order(**changes)).model_dump()
    assert {k: dumped[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("shipping", "carrier"),
    [
        ("Kurier DPD", "dpd"),
        ("Pocztex Kurier48", "poczta_polska"),
        ("Kurier", None),
        ("Odbiór osobisty", None),
    ],
)
def test_a_courier_orders_carrier_is_the_one_its_shipping_method_names(shipping, carrier):
    order = parse(shoper_order(pickup_point="", pickup_point_data=None, shipping={"name": shipping}))
    assert (order.delivery.method.value, order.delivery.carrier) == ("courier", carrier)


@pytest.mark.parametrize("number", ["ZAM/2026/52020", "ŻÓŁW-12"])
def test_numbers_with_a_slash_or_polish_letters(number):
    assert parse(shoper_order(number)).number == number


@pytest.mark.parametrize("event", ["parcel.create", "client.create", "product.edit", "order.delete"])
def test_other_events_are_acknowledged_without_storing(event):
    assert parse(shoper_order(), event) is None


def test_a_parcel_event_names_the_order_and_its_waybill():
    assert shoper.parcel_reference(
        {"parcel_id": "3", "order_id": "8", "shipping_code": "602677439331630337653846"}
    ) == (
        "8",
        "602677439331630337653846",
    )
    assert shoper.parcel_reference({"order_id": "8", "shipping_code": ""}) is None


def test_an_xml_webhook_is_refused_with_a_reason():
    body = b"<order><order_id>8</order_id></order>"
    headers = shoper_headers(body) | {"content-type": "application/xml"}
    with pytest.raises(InvalidPayload, match="JSON"):
        shop.verify_and_parse("shoper", headers, body, SECRETS, 0)
