"""The return form end to end in-process: lookup, rules, one case per submission, confirmation e-mail."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests.factories import api_event, delivered, woo_order, woo_webhook
from zwrotnica.store import cases, tickets

pytestmark = pytest.mark.integration


@pytest.fixture
def order(stack, context):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    return "1001"


def form_post(context, fields: dict) -> dict:
    body = urlencode(fields)
    return returns_app(
        api_event(
            "POST", "/returns", body=body, headers={"content-type": "application/x-www-form-urlencoded"}
        ),
        context,
    )


def json_post(context, payload: dict) -> dict:
    return returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_form_page_is_polish_accessible_html(stack, context):
    response = returns_app(api_event("GET", "/returns", headers={"accept": "text/html"}), context)
    page = response["body"]
    assert response["statusCode"] == 200 and '<html lang="pl">' in page
    assert '<label for="f-order_number">Numer zamówienia</label>' in page and 'id="f-order_number"' in page


def test_whole_withdrawal_through_the_html_form(order, context, sent):
    delivered(order, days_ago=3)
    # Step 1: lookup
    details = form_post(
        context, {"step": "lookup", "order_number": order, "email": "anna.kowalska@example.com"}
    )
    assert details["statusCode"] == 200, details["body"][:500]
    page = details["body"]
    assert "możesz odesłać: 2 szt." in page and "Na odstąpienie od umowy masz czas do" in page
    # Step 2: submit
    fields = {
        "step": "submit",
        "order_number": order,
        "email": "anna.kowalska@example.com",
        "csrf": hidden(page, "csrf"),
        "submission_key": hidden(page, "submission_key"),
        "qty_KURTKA-ZIM-M": "1",
        "qty_CZAPKA-WEL": "2",
        "kind": "withdrawal",
        "reason": "wrong_size",
        "return_method": "paczkomat",
    }
    confirmation = form_post(context, fields)
    assert confirmation["statusCode"] == 201, confirmation["body"][:800]
    rma = re.search(r"Otrzymaliśmy Twoje zgłoszenie zwrotu nr (ZW-\d{4}-\d{6})", confirmation["body"]).group(
        1
    )
    case = cases.get(rma)
    # Whole order withdrawn: items + the cheapest delivery (9,99 zł), due 14 days after the statement
    assert case["refund_amount"] == 20000 + 4500 + 999
    assert case["status"] == "label_sent" and case["items"] == {"KURTKA-ZIM-M": 1, "CZAPKA-WEL": 2}
    # A double click sends the same submission again: still one case, one confirmation e-mail
    again = form_post(context, fields)
    assert again["statusCode"] == 201 and rma in again["body"]
    confirmations = [e for e in sent.emails if e.subject == f"Otrzymaliśmy Twoje zgłoszenie zwrotu nr {rma}"]
    assert len(confirmations) == 1 and "254,99" in confirmations[0].body


def test_past_the_window_is_refused_with_the_date_and_a_complaint_is_offered(order, context):
    delivered(order, days_ago=40)
    page = form_post(
        context, {"step": "lookup", "order_number": order, "email": "anna.kowalska@example.com"}
    )["body"]
    assert "Termin na odstąpienie od umowy minął" in page
    assert 'value="complaint" checked' in page
    response = json_post(
        context,
        {
            "order_number": order,
            "email": "anna.kowalska@example.com",
            "items": {"CZAPKA-WEL": 1},
            "kind": "withdrawal",
            "return_method": "paczkomat",
            "submission_key": "key-past-window",
        },
    )
    assert response["statusCode"] == 422
    assert "Termin na odstąpienie od umowy minął" in json.loads(response["body"])["fields"]["kind"]


def test_past_two_years_the_form_says_when_they_ended_and_how_to_report_an_earlier_defect(order, context):
    delivered(order, days_ago=800)
    response = json_post(
        context,
        {
            "order_number": order,
            "phone": "600100200",
            "items": {"KURTKA-ZIM-M": 1},
            "kind": "complaint",
            "description": "Rozpruty szew na rękawie.",
            "demand": "repair",
            "return_method": "courier_pickup",
            "submission_key": "key-complaint-late",
        },
    )
    assert response["statusCode"] == 422
    text = json.loads(response["body"])["fields"]["kind"]
    assert "nie jest już możliwa" not in text  # UPK art. 43c: a defect shown within two years still counts
    assert "art. 43c ustawy o prawach konsumenta" in text and "nadal możesz ją zgłosić" in text
    assert "sklep@example.com" in text  # where to write (the shop's support address, else its sender)


def test_complaint_opens_a_case_with_the_legal_deadline_and_a_ticket(order, context, sent):
    delivered(order, days_ago=40)
    response = json_post(
        context,
        {
            "order_number": order,
            "phone": "600100200",
            "items": {"KURTKA-ZIM-M": 1},
            "kind": "complaint",
            "description": "Rozpruty szew na rękawie.",
            "demand": "repair",
            "return_method": "courier_pickup",
            "submission_key": "key-complaint-1",
        },
    )
    assert response["statusCode"] == 201, response["body"]
    answer = json.loads(response["body"])
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    assert answer["answer_due"] == (today + timedelta(days=14)).isoformat()
    ticket = tickets.get(tickets.ticket_id_for(f"case:{answer['case_id']}"))
    # 23:59 Warsaw on the answer day is still that day in UTC
    assert ticket["category"] == "complaint" and ticket["legal_deadline"][:10] == answer["answer_due"]


def test_quantities_beyond_what_is_left_and_csrf(order, context):
    delivered(order, days_ago=2)
    page = form_post(
        context, {"step": "lookup", "order_number": order, "email": "anna.kowalska@example.com"}
    )["body"]
    fields = {
        "step": "submit",
        "order_number": order,
        "email": "anna.kowalska@example.com",
        "csrf": hidden(page, "csrf"),
        "submission_key": "abcdefgh12",
        "qty_CZAPKA-WEL": "3",
        "kind": "withdrawal",
        "return_method": "paczkomat",
    }
    invalid = form_post(context, fields)
    assert invalid["statusCode"] == 422 and "Możesz zwrócić najwyżej 2 szt." in invalid["body"]
    assert 'aria-invalid="true"' in invalid["body"]
    forged = form_post(context, fields | {"csrf": "1999999999.forged", "qty_CZAPKA-WEL": "1"})
    assert forged["statusCode"] == 403


def test_wrong_email_and_unknown_order_answer_the_same(order, context):
    wrong = form_post(context, {"step": "lookup", "order_number": order, "email": "ktos@example.com"})
    missing = form_post(
        context, {"step": "lookup", "order_number": "77777", "email": "anna.kowalska@example.com"}
    )
    assert wrong["statusCode"] == missing["statusCode"] == 404
    assert "Nie znaleźliśmy zamówienia" in wrong["body"] and "Nie znaleźliśmy zamówienia" in missing["body"]


def test_cash_on_delivery_needs_a_valid_account(stack, context):
    orders(woo_webhook(woo_order("1002", payment_method="cod")), context)
    payload = {
        "order_number": "1002",
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": "key-cod-1",
        "bank_account": "PL62 1090 1014 0000 0712 1981 2874",
    }
    refused = json_post(context, payload)
    assert refused["statusCode"] == 422 and "bank_account" in json.loads(refused["body"])["fields"]
    accepted = json_post(context, payload | {"bank_account": "PL61 1090 1014 0000 0712 1981 2874"})
    assert accepted["statusCode"] == 201
    assert (
        cases.get(json.loads(accepted["body"])["case_id"])["bank_account"] == "PL61109010140000071219812874"
    )


def test_customer_text_is_escaped_in_the_page(order, context):
    response = form_post(
        context,
        {
            "step": "lookup",
            "order_number": order,
            "email": "anna.kowalska@example.com",
            "phone": '"><script>alert(1)</script>',
        },
    )
    assert "<script>alert(1)</script>" not in response["body"]


def test_guessing_e_mails_for_one_order_is_throttled(order, context):
    def lookup(email: str) -> dict:
        return form_post(context, {"step": "lookup", "order_number": order, "email": email})

    for attempt in range(20):
        assert lookup(f"guess{attempt}@example.com")["statusCode"] == 404
    throttled = lookup("guess20@example.com")
    assert throttled["statusCode"] == 429 and "Zbyt wiele prób" in throttled["body"]
    # The customer with the right e-mail is let through until the order's hard limit (issue 12)...
    assert lookup("anna.kowalska@example.com")["statusCode"] == 200
    for attempt in range(21, 50):
        assert lookup(f"guess{attempt}@example.com")["statusCode"] == 429
    # ...of 50 failures in the hour
    blocked = lookup("anna.kowalska@example.com")
    assert blocked["statusCode"] == 429 and "Zbyt wiele prób" in blocked["body"]


def status_page_return_link(context, order: str) -> str:
    """The "Zwróć lub zareklamuj towar" link as the customer's status page carries it."""
    page = orders(
        api_event(
            "GET",
            f"/orders/{order}/status",
            query="email=anna.kowalska%40example.com",
            headers={"accept": "text/html"},
        ),
        context,
    )["body"]
    href = re.search(r'<a class="button" href="([^"]*/returns\?[^"]*)"', page).group(1)
    return href.replace("&amp;", "&").split("?", 1)[1]


def form_get(context, query: str) -> dict:
    return returns_app(api_event("GET", "/returns", query=query, headers={"accept": "text/html"}), context)


def test_the_status_pages_signed_link_opens_the_orders_form_without_asking_the_e_mail_again(order, context):
    delivered(order, days_ago=3)
    query = status_page_return_link(context, order)
    opened = form_get(context, query + "&kind=complaint")
    page = opened["body"]
    # Straight to the order's details: its products, the kind chosen, no e-mail field, the link carried
    assert opened["statusCode"] == 200 and "możesz odesłać: 2 szt." in page
    assert (
        'name="email"' not in page
        and hidden(page, "t")
        and not re.search(r'name="step" value="lookup"', page)
    )
    assert re.search(r'value="complaint"[^>]*checked', page)
    fields = {
        "step": "submit",
        "order_number": order,
        "t": hidden(page, "t"),
        "csrf": hidden(page, "csrf"),
        "submission_key": hidden(page, "submission_key"),
        "qty_CZAPKA-WEL": "1",
        "kind": "withdrawal",
        "reason": "wrong_size",
        "return_method": "paczkomat",
    }
    confirmation = form_post(context, fields)
    assert confirmation["statusCode"] == 201, confirmation["body"][:800]
    rma = re.search(r"zgłoszenie zwrotu nr (ZW-\d{4}-\d{6})", confirmation["body"]).group(1)
    assert cases.get(rma)["items"] == {"CZAPKA-WEL": 1}


def test_a_changed_expired_or_foreign_link_asks_for_the_e_mail_and_opens_nothing(order, context):
    from tests.factories import DEV_SECRETS
    from zwrotnica.domain import links

    assert orders(woo_webhook(woo_order("1002")), context)["statusCode"] == 200
    key, now = DEV_SECRETS["link_signing_key"], datetime.now(ZoneInfo("UTC"))
    query = status_page_return_link(context, order)
    token = re.search(r"t=([^&]+)", query).group(1)
    refused = {
        "changed": query.replace(f"t={token}", f"t={token[:-2]}xx"),
        "expired": f"order={order}&t="
        + links.make_token(key, f"returns:{order}", now - timedelta(days=40), timedelta(days=1)),
        "another order's": f"order=1002&t={token}",
        "a status link's": f"order={order}&t="
        + links.make_token(key, f"status:{order}", now, timedelta(days=1)),
    }
    for why, bad in refused.items():
        response = form_get(context, bad)
        page = response["body"]
        assert response["statusCode"] == 200, why
        assert "Link do formularza wygasł" in page and 'name="email"' in page, why
        assert "możesz odesłać" not in page, why
    # A submission carrying a bad link is refused like a wrong e-mail: no case
    fields = {
        "step": "submit",
        "order_number": order,
        "t": token[:-2] + "xx",
        "csrf": links.make_token(key, f"form:{order}", now, timedelta(hours=1)),
        "submission_key": "k" * 16,
        "qty_CZAPKA-WEL": "1",
        "kind": "withdrawal",
        "return_method": "paczkomat",
    }
    assert form_post(context, fields)["statusCode"] == 404
    # And the form's link never opens the status page
    status = orders(api_event("GET", f"/orders/{order}/status", query=f"t={token}"), context)
    assert status["statusCode"] == 404
