"""The customer's order status: proof required, no enumeration, JSON or an accessible Polish page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from order_status.app import lambda_handler
from tests.factories import DEV_SECRETS, api_event, woo_order, woo_webhook
from zwrotnica.domain import links

pytestmark = pytest.mark.integration
KEY = DEV_SECRETS["link_signing_key"]


@pytest.fixture
def order_1001(stack, context):
    assert lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200


def status(context, number: str, query: str = "", accept: str = "application/json") -> dict:
    return lambda_handler(
        api_event("GET", f"/orders/{number}/status", query=query, headers={"accept": accept}), context
    )


def test_status_with_the_orders_email_shows_payment_shipments_and_timeline(order_1001, context):
    response = status(context, "1001", "email=" + quote("Anna.Kowalska@example.com"))
    assert response["statusCode"] == 200
    view = json.loads(response["body"])
    assert view["order_number"] == "1001"
    assert view["status"] == {"code": "processing", "label": "W realizacji"}
    assert view["payment"] == {"code": "pending", "label": "Czekamy na wpłatę"}  # agrees with "Płatność"
    assert view["total"] == 26100
    assert [t["kind"] for t in view["timeline"]] == ["order_received"]
    assert view["cases"] == []


def test_status_with_the_orders_phone_in_another_format(order_1001, context):
    assert status(context, "1001", "phone=" + quote("+48 600-100-200"))["statusCode"] == 200


def test_status_with_the_signed_link_from_the_email(order_1001, context, sent):
    link = next(part for part in sent.emails[0].body.split('"') if "/orders/1001/status?t=" in part)
    token = link.split("t=", 1)[1].replace("&amp;", "&")
    assert status(context, "1001", f"t={token}")["statusCode"] == 200


def test_the_contact_digests_follow_the_orders_email_and_reach_orders_stored_before_them(order_1001, context):
    """Issue 12: the proof is compared with the order's CONTACT digests, rewritten only when they change
    (the order keeps their fingerprint): a new e-mail opens the order and the old one no longer does, and
    an order stored before the digests existed gets them with its next version."""
    from zwrotnica.store.table import client, table_name, to_item

    billing = woo_order("1001")["billing"] | {"email": "anna.nowak@example.com"}
    changed = woo_order("1001", modified="2026-11-21T09:00:00", billing=billing)
    assert lambda_handler(woo_webhook(changed, topic="order.updated"), context)["statusCode"] == 200
    assert status(context, "1001", "email=anna.nowak%40example.com")["statusCode"] == 200
    assert status(context, "1001", "email=anna.kowalska%40example.com")["statusCode"] == 404
    # An order as stored before issue 12: no CONTACT item, no fingerprint on the order
    client().delete_item(TableName=table_name(), Key=to_item({"pk": "ORDER#1001", "sk": "CONTACT"}))
    client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": "ORDER#1001", "sk": "ORDER"}),
        UpdateExpression="REMOVE contact_mark",
    )
    assert status(context, "1001", "email=anna.nowak%40example.com")["statusCode"] == 404
    again = woo_order("1001", modified="2026-11-22T09:00:00", billing=billing)
    assert lambda_handler(woo_webhook(again, topic="order.updated"), context)["statusCode"] == 200
    assert status(context, "1001", "email=anna.nowak%40example.com")["statusCode"] == 200
    assert status(context, "1001", "phone=600100200")["statusCode"] == 200


def test_expired_or_foreign_link_is_refused_like_a_wrong_email(order_1001, context):
    expired = links.make_token(KEY, "1001", datetime.now(UTC) - timedelta(days=10), timedelta(days=1))
    for_other_order = links.make_token(KEY, "1002", datetime.now(UTC), timedelta(days=1))
    wrong_email = status(context, "1001", "email=ktos@example.com")
    assert wrong_email["statusCode"] == 404
    for token in (expired, for_other_order):
        response = status(context, "1001", f"t={token}")
        assert (response["statusCode"], response["body"]) == (404, wrong_email["body"])


def test_no_such_order_answers_exactly_like_a_wrong_email(order_1001, context):
    missing = status(context, "9999", "email=anna.kowalska@example.com")
    wrong = status(context, "1001", "email=nie.ta@example.com")
    assert missing["statusCode"] == wrong["statusCode"] == 404
    assert missing["body"] == wrong["body"]
    assert (
        json.loads(missing["body"])["message"]
        == "Nie znaleźliśmy zamówienia o tym numerze dla podanych danych."
    )


def test_without_any_proof_the_customer_is_told_what_to_give(order_1001, context):
    response = status(context, "1001")
    assert response["statusCode"] == 400
    assert "adres e-mail" in json.loads(response["body"])["message"]


def test_browser_gets_an_accessible_polish_page(order_1001, context):
    response = status(
        context, "1001", "email=anna.kowalska%40example.com", accept="text/html,application/xhtml+xml"
    )
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    page = response["body"]
    assert '<html lang="pl">' in page and 'name="viewport"' in page
    assert "Zamówienie nr 1001" in page and "Czekamy na wpłatę" in page and "261,00" in page
    assert "Przyjęliśmy zamówienie." in page


def test_browser_error_page_is_polish_html(order_1001, context):
    response = status(context, "1001", "email=zly%40example.com", accept="text/html")
    assert response["statusCode"] == 404
    assert 'role="alert"' in response["body"] and "Nie znaleźliśmy zamówienia" in response["body"]


def test_order_number_with_forbidden_characters_is_422(stack, context):
    response = status(context, "1001%3Cscript%3E", "email=a%40example.com")
    assert response["statusCode"] == 422


def test_guessing_e_mails_for_one_order_is_throttled_but_signed_links_are_not(order_1001, context):
    for attempt in range(20):
        assert status(context, "1001", f"email=guess{attempt}%40example.com")["statusCode"] == 404
    # Past 20 failures in the hour a wrong e-mail is told to stop...
    throttled = status(context, "1001", "email=guess20%40example.com")
    assert throttled["statusCode"] == 429 and "Zbyt wiele prób" in json.loads(throttled["body"])["message"]
    # ...but the customer with the right one is not punished for strangers' guesses (issue 12)
    assert status(context, "1001", "email=anna.kowalska%40example.com")["statusCode"] == 200
    # until the order's hard limit: 50 failures in the hour, then the right e-mail waits too
    for attempt in range(21, 50):
        assert status(context, "1001", f"email=guess{attempt}%40example.com")["statusCode"] == 429
    blocked = status(context, "1001", "email=anna.kowalska%40example.com")
    assert blocked["statusCode"] == 429 and "Zbyt wiele prób" in json.loads(blocked["body"])["message"]
    token = links.make_token(KEY, "1001", datetime.now(UTC), timedelta(days=1))
    assert status(context, "1001", f"t={token}")["statusCode"] == 200
