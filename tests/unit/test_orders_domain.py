"""Order intake rules without AWS: versions, links, phones, money, WooCommerce mapping, signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zwrotnica.domain import links
from zwrotnica.domain.orders import StoredVersion, UpsertAction, apply_shop_order
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.messages.sms import segments
from zwrotnica.models.order import ShopOrder, ShopStatus
from zwrotnica.money import to_grosze
from zwrotnica.providers import standard_webhooks, woocommerce

EVENTS = Path(__file__).parents[1] / "events"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def sample_order(**changes) -> ShopOrder:
    payload = json.loads((EVENTS / "woocommerce/order_created.json").read_text(encoding="utf-8"))
    payload.update(changes)
    return ShopOrder.model_validate(woocommerce.to_order_fields(payload))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("600 700 800", "+48600700800"),
        ("600-700-800", "+48600700800"),
        ("+48 600 700 800", "+48600700800"),
        ("0048600700800", "+48600700800"),
        ("48600700800", "+48600700800"),
        ("(22) 123 45 67", "+48221234567"),
        ("+49 30 1234567", "+49301234567"),
        ("060070080", None),
        ("12345", None),
        ("+48 600 700 80", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("value", "grosze"),
    [("123.45", 12345), ("0.005", 1), ("18.295", 1830), (162.6, 16260), (10, 1000), (" 7.10 ", 710)],
)
def test_amounts_to_grosze_exactly(value, grosze):
    assert to_grosze(value) == grosze


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "Infinity"])
def test_bad_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        to_grosze(bad)


def test_woocommerce_sample_maps_to_our_order():
    order = sample_order()
    assert (order.number, order.status, order.total, order.currency) == (
        "1001",
        ShopStatus.PROCESSING,
        26100,
        "PLN",
    )
    assert order.customer_name == "Anna Kowalska" and order.phone == "+48600100200"
    assert (order.delivery.method.value, order.delivery.point_id, order.delivery.shipping_cost) == (
        "paczkomat",
        "KRA010",
        1600,
    )
    assert order.payment_method.value == "online" and order.marketing_consent is False
    assert order.created_at == datetime(2026, 11, 20, 13, 3, 11, tzinfo=UTC)
    assert order.items_total + order.delivery.shipping_cost == order.total


@pytest.mark.parametrize(
    ("gateway", "method"),
    [
        ("cod", "cod"),
        ("bacs", "transfer"),
        ("przelewy24", "online"),
        ("payu", "online"),
        ("mystery", "other"),
    ],
)
def test_woocommerce_payment_methods(gateway, method):
    assert sample_order(payment_method=gateway).payment_method.value == method


def test_woocommerce_tracking_items_and_courier_delivery():
    order = sample_order(
        meta_data=[
            {
                "key": "_wc_shipment_tracking_items",
                "value": [{"tracking_provider": "dpd-poland", "tracking_number": "0000123456789U"}],
            }
        ],
        shipping_lines=[{"method_id": "flat_rate", "total": "15.00", "total_tax": "0.00"}],
    )
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("dpd", "0000123456789U")]
    assert order.delivery.method.value == "courier" and order.delivery.point_id is None


def test_new_order_is_created_with_a_received_email():
    change = apply_shop_order(
        None, sample_order(), now=NOW, status_url="https://x/s", shop_name="Sklep Testowy"
    )
    assert change.action is UpsertAction.CREATE
    [message] = change.messages
    assert (
        message.dedup_key == "order:1001:received:email" and message.recipient == "anna.kowalska@example.com"
    )
    assert "Sklep Testowy" in message.text and "https://x/s" in message.html


@pytest.mark.parametrize(
    ("stored_modified", "action"),
    [
        (datetime(2026, 11, 20, 13, 3, 12, tzinfo=UTC), UpsertAction.DUPLICATE),
        (datetime(2026, 11, 20, 13, 3, 13, tzinfo=UTC), UpsertAction.STALE),
        (datetime(2026, 11, 20, 13, 3, 11, 999999, tzinfo=UTC), UpsertAction.UPDATE),
    ],
)
def test_versions_decide_update_duplicate_stale(stored_modified, action):
    stored = StoredVersion(
        version=sample_order(date_modified_gmt=stored_modified.replace(tzinfo=None).isoformat()).version(),
        status=ShopStatus.PROCESSING,
    )
    change = apply_shop_order(stored, sample_order(), now=NOW, status_url="u", shop_name="s")
    assert change.action is action
    assert change.messages == []


def test_status_change_goes_on_the_timeline_in_polish():
    stored = StoredVersion(version="2000-01-01T00:00:00.000000Z", status=ShopStatus.PROCESSING)
    change = apply_shop_order(
        stored, sample_order(status="completed"), now=NOW, status_url="u", shop_name="s"
    )
    [entry] = change.timeline
    assert (entry.kind, entry.text_pl) == ("order_status_changed", "Zamówienie zostało zrealizowane.")


def test_html_in_customer_data_is_escaped_in_the_email():
    order = sample_order(
        billing={"first_name": "<b>Ala</b>", "last_name": "X", "email": "a@example.com", "phone": ""},
        line_items=[
            {
                "sku": "S",
                "name": "<script>alert(1)</script>",
                "quantity": 1,
                "total": "1.00",
                "total_tax": "0",
            }
        ],
    )
    change = apply_shop_order(
        None, order, now=NOW, status_url="https://x/?a=1&b=<2>", shop_name="<i>Sklep</i>"
    )
    html = change.messages[0].html
    assert "<i>" not in html and "&lt;i&gt;Sklep&lt;/i&gt;" in html and "&amp;b=&lt;2&gt;" in html


def test_link_tokens_verify_expire_and_bind_to_the_order():
    token = links.make_token("k" * 32, "1001", NOW, timedelta(days=90))
    assert links.token_valid("k" * 32, "1001", token, NOW + timedelta(days=89))
    assert not links.token_valid("k" * 32, "1001", token, NOW + timedelta(days=91))
    assert not links.token_valid("k" * 32, "1002", token, NOW)
    assert not links.token_valid("x" * 32, "1001", token, NOW)
    assert not links.token_valid("k" * 32, "1001", token.split(".")[0] + ".forged", NOW)
    assert not links.token_valid("k" * 32, "1001", "garbage", NOW)


def test_standard_webhooks_published_vector():
    # The vector every official Standard Webhooks library tests against (payments.md section 5).
    secret, msg_id, ts, body = (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert (
        standard_webhooks.sign(secret, msg_id, ts, body) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    assert standard_webhooks.verify([secret], headers, body, now=ts + 10) == msg_id
    assert standard_webhooks.verify([secret], headers, body, now=ts + 301) is None
    assert standard_webhooks.verify([secret], headers, body, now=ts - 301) is None
    assert standard_webhooks.verify([secret], headers, body + b" ", now=ts) is None
    assert standard_webhooks.verify(["whsec_" + "A" * 32], headers, body, now=ts) is None


def test_woocommerce_signature_and_ping():
    body = b'{"id":1}'
    import base64
    import hashlib
    import hmac

    good = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert woocommerce.verify("s3cret", {"x-wc-webhook-signature": good}, body)
    assert not woocommerce.verify("s3cret", {"x-wc-webhook-signature": good}, body + b" ")
    assert not woocommerce.verify("s3cret", {}, body)
    assert woocommerce.is_ping(b"webhook_id=15") and not woocommerce.is_ping(b"webhook_id=15&x=1")


# --- Orders without e-mail: phone orders, marketplace orders, B2B orders (issue 13, item 1) -----------
def _received(**changes):
    return apply_shop_order(
        None, sample_order(**changes), now=NOW, status_url=LINK, shop_name="Sklep Testowy"
    )


LINK = "https://sklep.example.com/api/orders/ZAM~2F2026~2F1/status?t=1767225600.abcdefghijklmnopqrstuvwx"
NO_EMAIL = {"billing": {"first_name": "Jan", "last_name": "Nowak", "email": "", "phone": "600 100 200"}}


def test_an_order_without_e_mail_is_confirmed_by_sms_with_the_status_link():
    change = _received(**NO_EMAIL)
    [message] = change.messages
    assert (message.channel, message.recipient, message.template) == ("sms", "+48600100200", "order_received")
    assert message.text == f"Mamy Twoje zam. 1001. Napiszemy, gdy paczka wyruszy. Status: {LINK}"
    assert segments(message.text) == 1  # GSM-7 only (the "~" of the token counts twice): 159 septets
    assert message.dedup_key == "order:1001:received:sms"
    assert change.metrics == ("OrderReceivedBySms",)
    assert [t.kind for t in change.timeline] == ["order_received"]


@pytest.mark.parametrize(
    "billing",
    [
        {"email": "", "phone": ""},  # typed in by staff, nothing asked
        {"email": "", "phone": "22 123 45 67"},  # a landline: no SMS
        {"email": "*****@*****", "phone": "+49 30 1234567"},  # masked e-mail, foreign number
    ],
)
def test_an_order_with_no_way_to_reach_the_customer_is_kept_with_a_note(billing):
    change = _received(billing=billing, shipping={})
    assert change.action is UpsertAction.CREATE and change.messages == []
    assert change.order.email is None
    assert [t.kind for t in change.timeline] == ["order_received", "order_received_not_sent"]
    assert change.timeline[1].text_pl == (
        "Nie wysłaliśmy potwierdzenia zamówienia: brak adresu e-mail i polskiego numeru komórkowego."
    )
    assert change.metrics == ("OrderReceivedNotSent",)


def test_an_order_with_an_e_mail_still_gets_only_the_e_mail():
    change = _received()
    assert [m.channel for m in change.messages] == ["email"] and change.metrics == ()


def test_a_number_with_polish_letters_leaves_no_room_for_the_link_and_the_sms_stays_short():
    number = "ZAMÓWIENIE-ŁÓDŹ-2026-000000012345"  # outside GSM-7: 70 characters a segment
    [message] = _received(number=number, **NO_EMAIL).messages
    assert message.text == f"Mamy Twoje zam. {number}."
    assert segments(message.text) == 1


# WooCommerce REST v3 as PHP json-encodes it: "" for every empty text, "0.00" for no money, null for an
# address the order never had, [] for no lines. Each is an order WooCommerce really produces.
PHP_SHAPES = [
    ({"billing": None, "shipping": None}, {"customer_name": "", "email": None, "phone": None}),
    ({"billing": {"first_name": "", "last_name": "", "company": "Hurtownia Sp. z o.o.", "email": ""},
      "shipping": {"first_name": "", "last_name": "", "company": ""}},
     {"customer_name": "Hurtownia Sp. z o.o.", "email": None}),
    ({"line_items": []}, {"items": []}),
    ({"line_items": [{"id": 7, "name": "", "sku": "", "product_id": 0, "quantity": 0, "total": "0.00"}]},
     {"items": []}),
    ({"shipping_lines": [], "shipping": {"address_1": "", "city": ""}, "meta_data": [],
      "shipping_total": "0.00", "shipping_tax": "0.00"},
     {"delivery": {"method": "none", "point_id": None, "point_carrier": None, "address_line": None,
                   "postcode": None, "city": None, "shipping_cost": 0}}),
    ({"total": "0.00"}, {"total": 0}),
    ({"payment_method": "", "payment_method_title": ""}, {"payment_method": "other"}),
    ({"number": "ZAM/2026/52020"}, {"number": "ZAM/2026/52020", "shop_order_id": "1001"}),
    ({"date_created_gmt": None}, {"created_at": datetime(2026, 11, 20, 13, 3, 12, tzinfo=UTC)}),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), PHP_SHAPES)
def test_woocommerce_orders_as_php_encodes_them_are_accepted(changes, expected):
    order = sample_order(**changes)
    dumped = order.model_dump()
    assert {key: dumped[key] for key in expected} == expected


def test_a_virtual_order_says_nothing_of_parcels():
    change = _received(shipping_lines=[], shipping={}, meta_data=[])
    [message] = change.messages
    assert "Zamówienie nie wymaga wysyłki." in message.text and "paczka" not in message.text


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("anna.kowalska@example.com", "anna.kowalska@example.com"),
        (" anna@example.com ", "anna@example.com"),
        ("abc123+def@allegromail.pl", "abc123+def@allegromail.pl"),  # a marketplace relay: it forwards
        ("", None),
        ("*****@*****", None),  # masked
        ("brak", None),
        (None, None),
        (17, None),
    ],
)
def test_only_a_usable_address_is_kept(raw, kept):
    from zwrotnica.models.order import usable_email

    assert usable_email(raw) == kept


@pytest.mark.parametrize(
    "smuggled", ["a@example.com\r\nBcc: evil@example.com", "a@example.com, b@example.com"]
)
def test_an_address_shaped_to_add_recipients_is_refused_not_dropped(smuggled):
    with pytest.raises(ValueError, match="email"):
        sample_order(billing={"email": smuggled})
