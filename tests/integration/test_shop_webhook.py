"""Shop order webhooks end to end: the real handler, in-process, against moto."""

from __future__ import annotations

import json
import time

import pytest

from order_status.app import lambda_handler
from tests.factories import (
    api_event,
    generic_order,
    generic_webhook,
    shoper_order,
    shoper_webhook,
    woo_body,
    woo_headers,
    woo_order,
    woo_webhook,
)
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import shipments as shipment_store

pytestmark = pytest.mark.integration


def body(response: dict) -> dict:
    return json.loads(response["body"])


def test_woocommerce_order_is_stored_and_received_email_sent(stack, context, sent):
    # Given a signed WooCommerce order.created delivery
    event = woo_webhook(woo_order("1001"))

    # When it arrives
    response = lambda_handler(event, context)

    # Then the order is stored with money in grosze and a normalised phone
    assert response["statusCode"] == 200, response
    assert body(response) == {"order_number": "1001", "action": "create"}
    view = order_store.load_view("1001")
    assert view.order["total"] == 26100
    assert view.order["phone"] == "+48600100200"
    assert view.order["delivery"] == {
        "method": "paczkomat",
        "point_id": "KRA010",
        "point_carrier": "inpost",
        "address_line": "ul. Testowa 1 m. 2",
        "postcode": "30-001",
        "city": "Kraków",
        "shipping_cost": 1600,
    }
    assert [(i["sku"], i["qty"], i["unit_price"]) for i in view.order["items"]] == [
        ("KURTKA-ZIM-M", 1, 20000),
        ("CZAPKA-WEL", 2, 2250),
    ]
    assert view.order["payment_status"] == "pending"
    assert [t["kind"] for t in view.timeline] == ["order_received"]
    # And exactly one "order received" e-mail went out, in Polish, with a signed status link
    assert len(sent.emails) == 1
    email = sent.emails[0]
    assert email.destinations["ToAddresses"] == ["anna.kowalska@example.com"]
    assert email.subject == "Otrzymaliśmy Twoje zamówienie nr 1001"
    assert "3 produkty" in email.body and "261,00" in email.body and "Paczkomatu KRA010" in email.body
    assert "https://sklep.example.com/api/orders/1001/status?t=" in email.body
    [message] = outbox_store.list_for_order("1001")
    assert message.status == "sent"


def test_redelivery_of_the_same_event_is_a_no_op(stack, context, sent):
    event = woo_webhook(woo_order("1002"))
    first = lambda_handler(event, context)
    second = lambda_handler(woo_webhook(woo_order("1002")), context)
    assert body(first)["action"] == "create"
    assert body(second)["action"] == "duplicate"
    assert len(sent.emails) == 1
    assert len(order_store.load_view("1002").timeline) == 1


def test_older_update_never_overwrites_a_newer_one(stack, context, sent):
    # Given the order was completed at 15:00
    newer = woo_order("1003", modified="2026-11-20T15:00:00", status="completed")
    assert body(lambda_handler(woo_webhook(newer, topic="order.updated"), context))["action"] == "create"
    # When a 14:00 "on-hold" update arrives late
    older = woo_order("1003", modified="2026-11-20T14:00:00", status="on-hold")
    response = lambda_handler(woo_webhook(older, topic="order.updated"), context)
    # Then it is acknowledged and ignored
    assert body(response)["action"] == "stale"
    assert order_store.load_view("1003").order["shop_status"] == "completed"


def test_newer_update_changes_status_and_keeps_our_own_state(stack, context, sent):
    lambda_handler(woo_webhook(woo_order("1004")), context)
    updated = woo_order("1004", modified="2026-11-21T08:00:00", status="completed")
    response = lambda_handler(woo_webhook(updated, topic="order.updated"), context)
    assert body(response)["action"] == "update"
    view = order_store.load_view("1004")
    assert view.order["shop_status"] == "completed"
    assert view.order["payment_status"] == "pending"
    assert sorted(t["kind"] for t in view.timeline) == ["order_received", "order_status_changed"]
    assert len(sent.emails) == 1


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda h, b: h.update({"X-WC-Webhook-Signature": "AAAA"}), 401),
        (lambda h, b: h.pop("X-WC-Webhook-Signature"), 401),
        (
            lambda h, b: h.update(
                {"X-WC-Webhook-Signature": woo_headers(b, secret="wrong")["X-WC-Webhook-Signature"]}
            ),
            401,
        ),
    ],
)
def test_bad_signature_is_refused_and_nothing_stored(stack, context, sent, mutate, status):
    payload = woo_body(woo_order("1005"))
    headers = woo_headers(payload)
    mutate(headers, payload)
    response = lambda_handler(
        api_event("POST", "/webhooks/shop/woocommerce", body=payload, headers=headers), context
    )
    assert response["statusCode"] == status
    assert body(response)["message"] == "invalid or missing signature"
    assert order_store.load_view("1005") is None
    assert sent.emails == []


def test_tampered_body_is_refused(stack, context, sent):
    payload = woo_body(woo_order("1006"))
    headers = woo_headers(payload)
    tampered = payload.replace(b'"261.00"', b'"1.00"')
    response = lambda_handler(
        api_event("POST", "/webhooks/shop/woocommerce", body=tampered, headers=headers), context
    )
    assert response["statusCode"] == 401
    assert order_store.load_view("1006") is None


def test_woocommerce_ping_when_saving_the_webhook_answers_200(stack, context, sent):
    event = api_event(
        "POST",
        "/webhooks/shop/woocommerce",
        body="webhook_id=7",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = lambda_handler(event, context)
    assert response["statusCode"] == 200
    assert body(response) == {"message": "acknowledged"}


def test_unknown_platform_is_404(stack, context):
    payload = woo_body(woo_order("1007"))
    response = lambda_handler(
        api_event("POST", "/webhooks/shop/magento", body=payload, headers=woo_headers(payload)), context
    )
    assert response["statusCode"] == 404


def test_body_over_256_kb_is_413(stack, context):
    order = woo_order("1008", customer_note="x" * (257 * 1024))
    response = lambda_handler(woo_webhook(order), context)
    assert response["statusCode"] == 413
    assert order_store.load_view("1008") is None


def test_signed_but_malformed_json_is_400(stack, context):
    payload = b'{"id": 1009, "number": '
    response = lambda_handler(
        api_event("POST", "/webhooks/shop/woocommerce", body=payload, headers=woo_headers(payload)), context
    )
    assert response["statusCode"] == 400


def test_signed_order_without_items_is_stored_not_refused(stack, context, sent):
    # WooCommerce lets the admin save an order with no product lines (a fee, a voucher top-up); a 4xx
    # would count as a failed delivery, and WooCommerce disables a webhook after repeated failures.
    response = lambda_handler(woo_webhook(woo_order("1010", line_items=[])), context)
    assert response["statusCode"] == 200
    assert order_store.load_view("1010").order["items"] == []


def test_signed_order_with_a_field_no_platform_sends_is_422_with_a_short_reason(stack, context, sent):
    response = lambda_handler(woo_webhook(woo_order("1011", currency="złoty")), context)
    assert response["statusCode"] == 422
    assert body(response)["message"] == "invalid fields: currency"
    assert order_store.load_view("1011") is None


def test_generic_standard_webhooks_order(stack, context, sent):
    response = lambda_handler(generic_webhook(generic_order("SH-2001")), context)
    assert response["statusCode"] == 200, response
    view = order_store.load_view("SH-2001")
    assert view.order["platform"] == "generic" and view.order["total"] == 36399
    assert [e.destinations["ToAddresses"] for e in sent.emails] == [["jan.nowak@example.com"]]


def test_generic_webhook_accepts_any_of_several_signatures_for_key_rotation(stack, context, sent):
    event = generic_webhook(generic_order("SH-2002"))
    event["headers"]["webhook-signature"] = "v1,b2xkc2lnbmF0dXJl " + event["headers"]["webhook-signature"]
    assert lambda_handler(event, context)["statusCode"] == 200


def test_generic_webhook_outside_the_replay_window_is_refused(stack, context, sent):
    event = generic_webhook(generic_order("SH-2003"), timestamp=int(time.time()) - 301)
    assert lambda_handler(event, context)["statusCode"] == 401
    assert order_store.load_view("SH-2003") is None


def test_generic_webhook_with_unknown_extra_fields_is_accepted(stack, context, sent):
    envelope = generic_order("SH-2004", loyalty_points=120)
    envelope["extra"] = {"anything": True}
    assert lambda_handler(generic_webhook(envelope), context)["statusCode"] == 200


# --- Orders without e-mail, any order number, Shoper (issue 13) -------------------------------------
def test_a_phone_order_without_e_mail_is_stored_and_confirmed_by_sms(stack, context, sent, clock):
    # `clock`: 10:00 in Warsaw, outside the SMS quiet hours (messages.policy), whatever time the suite runs
    # Given an order typed in by staff: WooCommerce sends "" for the e-mail (PHP's empty string)
    order = woo_order(
        "1020", billing={"first_name": "Jan", "last_name": "Nowak", "email": "", "phone": "501 222 333"}
    )

    # When it arrives
    response = lambda_handler(woo_webhook(order), context)

    # Then it is stored (never a 4xx that would make WooCommerce disable the webhook) and texted
    assert response["statusCode"] == 200, response
    view = order_store.load_view("1020")
    assert "email" not in view.order and view.order["phone"] == "+48501222333"
    assert sent.emails == []
    [(phone, text)] = sent.sms
    assert phone == "+48501222333" and "zam. 1020" in text and "/orders/1020/status?t=" in text


def test_an_order_without_e_mail_and_phone_is_stored_with_a_note_and_nothing_sent(stack, context, sent):
    order = woo_order("1021", billing={"email": "", "phone": ""}, shipping=None)
    response = lambda_handler(woo_webhook(order), context)
    assert response["statusCode"] == 200, response
    view = order_store.load_view("1021")
    assert sorted(t["kind"] for t in view.timeline) == ["order_received", "order_received_not_sent"]
    assert sent.emails == [] and sent.sms == []


def test_customers_the_shop_cannot_reach_by_e_mail_are_counted_once(stack, context, sent, monkeypatch):
    from zwrotnica.observability import metrics

    counted: list[str] = []
    real = metrics.add_metric
    monkeypatch.setattr(metrics, "add_metric", lambda **kw: counted.append(kw["name"]) or real(**kw))
    phone_only = woo_order("1022", billing={"email": "", "phone": "501 222 333"})
    nothing = woo_order("1023", billing={"email": "", "phone": ""}, shipping=None)
    for order in (phone_only, phone_only, nothing):
        assert lambda_handler(woo_webhook(order), context)["statusCode"] == 200
    assert counted.count("OrderReceivedBySms") == 1  # the redelivery counts nothing
    assert counted.count("OrderReceivedNotSent") == 1


def test_a_number_with_slashes_is_stored_and_its_link_carries_the_token(stack, context, sent):
    response = lambda_handler(woo_webhook(woo_order("ZAM/2026/52020")), context)
    assert response["statusCode"] == 200 and body(response)["order_number"] == "ZAM/2026/52020"
    assert order_store.load_view("ZAM/2026/52020").order["number"] == "ZAM/2026/52020"
    [email] = sent.emails
    assert email.subject == "Otrzymaliśmy Twoje zamówienie nr ZAM/2026/52020"
    assert "/orders/ZAM~2F2026~2F52020/status?t=" in email.body


def test_a_shoper_order_webhook_is_stored_and_confirmed(stack, context, sent):
    response = lambda_handler(shoper_webhook(shoper_order("ŻÓŁW/12")), context)
    assert response["statusCode"] == 200, response
    assert body(response) == {"order_number": "ŻÓŁW/12", "action": "create"}
    view = order_store.load_view("ŻÓŁW/12")
    assert (view.order["platform"], view.order["total"], view.order["delivery"]["point_id"]) == (
        "shoper",
        26499,
        "KRA010",
    )
    [email] = sent.emails
    assert email.destinations["ToAddresses"] == ["anna.kowalska@example.com"]
    assert "/orders/~C5~BB~C3~93~C5~81W~2F12/status?t=" in email.body


def test_a_shoper_status_change_updates_and_a_redelivery_is_absorbed(stack, context, sent):
    lambda_handler(shoper_webhook(shoper_order("31")), context)
    moved = shoper_order("31", status_date="2026-09-30 08:00:00", status={"type": "3"})
    first = lambda_handler(shoper_webhook(moved, event="order.status"), context)
    again = lambda_handler(shoper_webhook(moved, event="order.status"), context)
    assert [body(r)["action"] for r in (first, again)] == ["update", "duplicate"]
    assert order_store.load_view("31").order["shop_status"] == "completed"
    assert len(sent.emails) == 1


def test_a_shoper_order_without_e_mail_or_phone_is_stored(stack, context, sent):
    order = shoper_order("32", email="", billingAddress={"firstname": "Jan", "phone": ""}, deliveryAddress={})
    assert lambda_handler(shoper_webhook(order), context)["statusCode"] == 200
    assert order_store.load_view("32").order["customer_name"] == "Jan"
    assert sent.emails == [] and sent.sms == []


def test_a_shoper_delivery_with_a_wrong_key_is_refused_and_nothing_stored(stack, context, sent):
    response = lambda_handler(shoper_webhook(shoper_order("33"), secret="not-the-klucz"), context)
    assert response["statusCode"] == 401
    assert order_store.load_view("33") is None


def shoper_parcel(order_id: str, code: str, parcel_id: str = "3") -> dict:
    """A Shoper parcel object (shop-platforms.md 1.6: ids as strings, shipping_code the waybill)."""
    return {
        "parcel_id": parcel_id,
        "order_id": order_id,
        "shipping_id": "3",
        "shipping_code": code,
        "sent": "1",
        "send_date": "2026-09-30 09:12:00",
        "delivery_date": "0000-00-00 00:00:00",
    }


def test_a_shoper_parcel_event_adds_the_parcel_with_the_orders_carrier(stack, context, sent):
    from courier_webhook.app import lambda_handler as couriers
    from tests.factories import aftership_webhook

    assert lambda_handler(shoper_webhook(shoper_order("ZAM/2026/52020")), context)["statusCode"] == 200
    # AfterShip reports the parcel delivered before the shop typed its waybill in: held
    assert json.loads(couriers(aftership_webhook(), context)["body"]) == {"result": "unmatched"}

    event = shoper_webhook(
        shoper_parcel("ZAM/2026/52020", "6026 7743 9331 6303 3765 3846"), event="parcel.create"
    )
    first, again = lambda_handler(event, context), lambda_handler(event, context)

    assert (first["statusCode"], body(first)) == (
        200,
        {"order_number": "ZAM/2026/52020", "action": "parcel_added"},
    )
    assert (again["statusCode"], body(again)["action"]) == (200, "duplicate")
    [parcel] = order_store.load_view("ZAM/2026/52020").shipments
    # "InPost Paczkomat 24/7" is the order's shipping method; the held event was replayed onto it
    assert (parcel["carrier"], parcel["tracking_number"]) == ("inpost", "602677439331630337653846")
    assert parcel["status"] == "DELIVERED" and parcel["email"] == "anna.kowalska@example.com"
    assert shipment_store.find("inpost", "602677439331630337653846")[1] is None  # no longer held


def test_a_shoper_parcel_without_a_waybill_or_for_an_unknown_order_stores_nothing(stack, context, sent):
    lambda_handler(shoper_webhook(shoper_order("40")), context)
    no_code = lambda_handler(shoper_webhook(shoper_parcel("40", ""), event="parcel.create"), context)
    assert (no_code["statusCode"], body(no_code)) == (200, {"message": "acknowledged"})
    unknown = lambda_handler(
        shoper_webhook(shoper_parcel("41", "602677439331630337653846"), event="parcel.dispatch"), context
    )
    assert (unknown["statusCode"], body(unknown)) == (200, {"order_number": "41", "action": "unmatched"})
    assert order_store.load_view("40").shipments == [] and order_store.load_view("41") is None


def test_a_shoper_courier_order_gives_its_parcels_the_shipping_methods_carrier(stack, context, sent):
    courier = shoper_order(
        "42", pickup_point="", pickup_point_data=None, shipping={"shipping_id": "4", "name": "Kurier DPD"}
    )
    assert lambda_handler(shoper_webhook(courier), context)["statusCode"] == 200
    event = shoper_webhook(shoper_parcel("42", "0000123456789A"), event="parcel.dispatch")
    assert body(lambda_handler(event, context))["action"] == "parcel_added"
    [parcel] = order_store.load_view("42").shipments
    assert parcel["carrier"] == "dpd"
