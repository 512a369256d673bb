"""Payments as the official shop plugins name them (shop-platforms.md section 6; domain.payment_refs
presets): PayU for WooCommerce `{post id}_{uniqid}`, PayU for PrestaShop `{id_order}-{uniqid}`,
Przelewy24 for WooCommerce `{post id}_{md5}{uniqid}`, Przelewy24 for PrestaShop `{id_cart}|{sha224}`.

Through the real handlers on moto: a payment before its order (received with 200, held under the
platform's id, applied when the order comes), several attempts of one order (each its own record, the
order paid once), Przelewy24 verified with the session the plugin registered. Notifications are signed
as the providers sign them (tests.factories)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from order_status.app import lambda_handler as handler
from tests.factories import (
    PAYU_ORDER_ID,
    generic_order,
    generic_webhook,
    p24_notification,
    p24_webhook,
    payu_order_body,
    payu_webhook,
    woo_order,
    woo_webhook,
)
from tests.integration.test_payment_webhook import FakeP24
from tests.usecases import request_refund
from zwrotnica.dispatch import sweeps
from zwrotnica.providers import payment_clients
from zwrotnica.store import orders as order_store
from zwrotnica.store import tickets
from zwrotnica.store.table import client, from_item, table_name, to_item

pytestmark = pytest.mark.integration
NUMBER, POST_ID = "ZAM/2026/52020", 77  # a sequential-number plugin: the number is not WooCommerce's id
# PHP uniqid($id . "_", true): 13 hex digits of time, then a digit, a dot and 8 digits (php.net example)
FIRST, LATER = "66a1f0c2b3d4e5.12345678", "66a1f12ab0c1f3.87654321"
MD5 = "0cc175b9c0f1b6a831c399e269772661"
SHA224 = "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"


@pytest.fixture
def p24(monkeypatch) -> FakeP24:
    fake = FakeP24()
    monkeypatch.setattr(payment_clients, "p24_client", fake.client)
    return fake


def body(response: dict) -> dict:
    return json.loads(response["body"])


def items(pk: str) -> list[dict]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": pk}),
    )
    return [from_item(i) for i in page["Items"]]


def order(number: str = NUMBER) -> dict:
    return order_store.load_view(number).order


def partition(number: str = NUMBER) -> list[dict]:
    return order_store.load_view(number).timeline


def attempts(token: str) -> dict[str, str]:
    return {
        i["payment_id"]: i["status"] for i in items(f"ORDER#{token}") if i["sk"].startswith("PAYATTEMPT#")
    }


def woo(context, **changes) -> dict:
    return handler(woo_webhook(woo_order(NUMBER, **({"id": POST_ID} | changes))), context)


def payu(context, ext_order_id: str, status: str, order_id: str = PAYU_ORDER_ID, amount: int = 26100) -> dict:
    doc = json.loads(payu_order_body("x", status, amount, order_id=order_id))
    doc["order"]["extOrderId"] = ext_order_id
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return handler(payu_webhook(raw), context)


def payments_received(sent) -> list[str]:
    return [e.subject for e in sent.emails if "płatność" in e.subject or "Płatność" in e.subject]


def test_payu_woocommerce_payment_before_its_order_is_received_and_applied_when_it_comes(
    stack, context, sent
):
    early = payu(context, f"{POST_ID}_{FIRST}", "COMPLETED")
    again = payu(context, f"{POST_ID}_{FIRST}", "COMPLETED")

    # PayU resends anything but 200 for 72 hours: received, held under the WooCommerce post id
    assert (early["statusCode"], body(early)) == (200, {"result": "unmatched"})
    assert (again["statusCode"], body(again)) == (200, {"result": "duplicate"})
    [held] = items(f"UNMATCHED#PAY#order_id#{POST_ID}")
    assert held["queue"] == "payment_grace" and "anna" not in held["event"]

    assert woo(context)["statusCode"] == 200
    assert (order()["payment_status"], order()["payment_ref"]) == ("paid", f"{POST_ID}_{FIRST}")
    assert items(f"UNMATCHED#PAY#order_id#{POST_ID}") == []
    assert items(f"SHOPREF#order_id#{POST_ID}")[0]["number"] == NUMBER
    assert payments_received(sent) == [f"Otrzymaliśmy płatność za zamówienie nr {NUMBER}"]


def test_two_attempts_of_one_order_are_two_records_and_the_order_is_paid_once(stack, context, sent):
    assert woo(context)["statusCode"] == 200
    first, later = f"{POST_ID}_{FIRST}", f"{POST_ID}_{LATER}"
    results = [
        payu(context, first, "PENDING", order_id="ATTEMPT1GUEST000P01"),
        payu(context, first, "CANCELED", order_id="ATTEMPT1GUEST000P01"),  # "pay again"
        payu(context, later, "PENDING", order_id="ATTEMPT2GUEST000P01"),
        payu(context, later, "COMPLETED", order_id="ATTEMPT2GUEST000P01"),
        payu(context, later, "COMPLETED", order_id="ATTEMPT2GUEST000P01"),  # PayU's redelivery
        payu(context, first, "CANCELED", order_id="ATTEMPT1GUEST000P01"),  # a late one of the first
    ]
    assert [(r["statusCode"], body(r)["result"]) for r in results] == [
        (200, "applied"),
        (200, "applied"),
        (200, "applied"),
        (200, "applied"),
        (200, "ignored"),
        (200, "ignored"),
    ]
    stored = order()
    assert (stored["payment_status"], stored["payment_id"], stored["paid_amount"]) == (
        "paid",
        "ATTEMPT2GUEST000P01",
        26100,
    )
    assert attempts("ZAM~2F2026~2F52020") == {
        "ATTEMPT1GUEST000P01": "cancelled",
        "ATTEMPT2GUEST000P01": "paid",
    }
    assert payments_received(sent) == [
        f"Płatność za zamówienie nr {NUMBER} nie powiodła się",
        f"Otrzymaliśmy płatność za zamówienie nr {NUMBER}",
    ]
    # The customer pays a third time in another tab: still paid once, finance hears of the double payment
    third = payu(context, f"{POST_ID}_66a1f2b0c1d2e4.11111111", "COMPLETED", order_id="ATTEMPT3GUEST000P01")
    assert body(third)["result"] == "flagged"
    assert (order()["payment_id"], order()["paid_amount"]) == ("ATTEMPT2GUEST000P01", 26100)
    [lock] = [i for i in items("ORDER#ZAM~2F2026~2F52020") if i["sk"] == "OPENTICKET#payment"]
    assert tickets.get(lock["ticket_id"])["subject"].startswith("Druga płatność za opłacone zamówienie")
    assert len(payments_received(sent)) == 2


def test_a_late_pending_of_an_earlier_attempt_never_moves_the_current_one_back(stack, context):
    assert woo(context)["statusCode"] == 200
    payu(context, f"{POST_ID}_{LATER}", "PENDING", order_id="ATTEMPT2GUEST000P01")
    late = payu(context, f"{POST_ID}_{FIRST}", "WAITING_FOR_CONFIRMATION", order_id="ATTEMPT1GUEST000P01")
    assert body(late)["result"] == "ignored"  # the earlier uniqid: not the attempt the customer is on
    assert (order()["payment_status"], order()["payment_id"]) == ("pending", "ATTEMPT2GUEST000P01")
    assert attempts("ZAM~2F2026~2F52020") == {
        "ATTEMPT1GUEST000P01": "waiting_for_confirmation",
        "ATTEMPT2GUEST000P01": "pending",
    }


def test_p24_woocommerce_is_verified_and_refunded_with_the_session_the_plugin_registered(
    stack, context, sent, p24
):
    assert woo(context)["statusCode"] == 200
    session = f"{POST_ID}_{MD5}{FIRST}"
    response = handler(p24_webhook(p24_notification(session, 26100)), context)

    assert (response["statusCode"], body(response)["result"]) == (200, "applied")
    [verify] = p24.verify_calls
    assert (verify["sessionId"], verify["amount"], verify["orderId"]) == (session, 26100, 300001234)
    assert (order()["payment_status"], order()["payment_ref"]) == ("paid", session)
    request_refund(NUMBER, 5000, "RMA-2026-000099", datetime.now(UTC))
    [refund] = p24.refund_posts
    assert refund["refunds"][0]["sessionId"] == session


def test_p24_prestashop_cart_payment_before_its_order_is_verified_only_when_the_order_comes(
    stack, context, sent, p24
):
    session = f"412|{SHA224}"
    early = handler(p24_webhook(p24_notification(session, 36399)), context)
    assert (early["statusCode"], body(early)) == (200, {"result": "unmatched"})
    assert p24.verify_calls == []  # nothing to compare the amount with yet: P24 keeps resending
    assert len(items("UNMATCHED#PAY#cart_id#412")) == 1

    placed = generic_order("XKBKNABJK", shop_order_id="1337", cart_id="412")
    assert handler(generic_webhook(placed), context)["statusCode"] == 200

    assert [c["sessionId"] for c in p24.verify_calls] == [session]
    assert order("XKBKNABJK")["payment_status"] == "paid"
    assert items("UNMATCHED#PAY#cart_id#412") == []
    # P24 had not heard back from verify in time and sends it again: received, nothing twice
    again = handler(p24_webhook(p24_notification(session, 36399)), context)
    assert (again["statusCode"], body(again)["result"]) == (200, "ignored")
    assert len(p24.verify_calls) == 1


def test_an_order_update_rewrites_no_index_it_already_has(stack, context, sent, monkeypatch):
    from zwrotnica.store import orders as store

    assert woo(context)["statusCode"] == 200
    written = []
    real = store.ref_items
    monkeypatch.setattr(store, "ref_items", lambda order: written.append(order.number) or real(order))
    assert woo(context, status="completed", date_modified_gmt="2026-11-20T15:00:00")["statusCode"] == 200
    assert written == []  # the stored order holds the same ids: no SHOPREF write
    assert woo(context, id=78, date_modified_gmt="2026-11-20T16:00:00")["statusCode"] == 200
    assert written == [NUMBER] and items("SHOPREF#order_id#78")[0]["number"] == NUMBER


def test_payu_prestashop_names_the_id_order(stack, context, sent):
    placed = generic_order("XKBKNABJK", shop_order_id="1337", cart_id="412")
    assert handler(generic_webhook(placed), context)["statusCode"] == 200
    response = payu(context, f"1337-{FIRST}", "COMPLETED", amount=36399)
    assert body(response)["result"] == "applied"
    assert order("XKBKNABJK")["payment_status"] == "paid"


def test_a_reference_held_for_an_order_stored_before_it_was_indexed_is_applied_by_the_grace_sweep(
    stack, context, sent
):
    assert woo(context)["statusCode"] == 200
    # As an order stored before platform ids were kept: no id on the order, no index item
    client().delete_item(
        TableName=table_name(), Key=to_item({"pk": f"SHOPREF#order_id#{POST_ID}", "sk": "SHOPREF"})
    )
    client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": "ORDER#ZAM~2F2026~2F52020", "sk": "ORDER"}),
        UpdateExpression="REMOVE shop_order_id",
    )
    assert body(payu(context, f"{POST_ID}_{FIRST}", "COMPLETED"))["result"] == "unmatched"
    update = woo(context, status="completed", date_modified_gmt="2026-11-20T15:00:00")
    assert update["statusCode"] == 200 and items(f"SHOPREF#order_id#{POST_ID}")  # indexed now
    assert order()["payment_status"] == "pending"  # an update claims nothing held

    assert sweeps.payment_queues(datetime.now(UTC) + timedelta(hours=25), 10) == 0
    assert order()["payment_status"] == "paid"
    [held] = items(f"UNMATCHED#PAY#order_id#{POST_ID}")
    assert "applied_at" in held and "queue" not in held


@pytest.mark.parametrize(
    "ext_order_id",
    [
        "x" * 100,  # longer than any order number
        "ZAM\n2026",  # a line break: no order is named so
    ],
)
def test_a_reference_no_order_can_have_is_received_and_held_for_finance(stack, context, ext_order_id):
    response = payu(context, ext_order_id, "COMPLETED")
    assert (response["statusCode"], body(response)) == (200, {"result": "unmatched"})
    assert len(items(f"UNMATCHED#PAY#payu:{PAYU_ORDER_ID}")) == 1
