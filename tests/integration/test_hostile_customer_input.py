"""Hostile input at the customer endpoints (issue 7): order enumeration, e-mail header injection, phone
numbers that are not Polish mobiles. Handlers in-process against moto; assertions on HTTP answers,
what reached SES and SNS, and the table."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests import usecases
from tests.factories import (
    DEV_SECRETS,
    aftership_body,
    aftership_webhook,
    api_event,
    generic_order,
    generic_webhook,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from zwrotnica.domain.links import make_token
from zwrotnica.messages import compose
from zwrotnica.messages.templates import Email
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketRequest
from zwrotnica.notify import sender
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store.table import client, to_item

pytestmark = pytest.mark.integration
ATTACKER = "203.0.113.66"
CUSTOMER = "198.51.100.23"
ANNA = "anna.kowalska@example.com"
THROTTLED_PL = "Zbyt wiele prób sprawdzenia zamówień z Twojego adresu sieciowego"


@pytest.fixture
def order_1001(stack, context):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200


def status_event(number: str, query: str, ip: str, accept: str = "application/json") -> dict:
    return api_event("GET", f"/orders/{number}/status", query=query, headers={"accept": accept}, source_ip=ip)


def renumbered(event: dict, number: str) -> dict:
    """The same request for another order number, without re-reading template.yaml for each one."""
    copied = copy.deepcopy(event)
    path = f"/orders/{number}/status"
    copied["rawPath"] = copied["requestContext"]["http"]["path"] = path
    copied["pathParameters"] = {"order_number": number}
    return copied


def form_post(context, fields: dict, ip: str) -> dict:
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    event = api_event("POST", "/returns", body=urlencode(fields), headers=headers, source_ip=ip)
    return returns_app(event, context)


def message(response: dict) -> str:
    return json.loads(response["body"])["message"]


class DynamoCalls:
    """DynamoDB API calls made through the shared client, by operation."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()

    def __call__(self, model, **_: object) -> None:
        self.ops[model.name] += 1


@pytest.fixture
def dynamo_calls(stack):
    calls = DynamoCalls()
    client().meta.events.register("before-call.dynamodb.*", calls)
    yield calls
    client().meta.events.unregister("before-call.dynamodb.*", calls)


# The lookup counters are per clock hour: the customer handlers' clock stands still in the middle of
# this hour, so no test here can straddle two hours' counters (the 10,000 guesses take a while).
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch) -> None:
    import order_status.app
    import return_form.app

    for module in (order_status.app, return_form.app):
        monkeypatch.setattr(module, "datetime", _Frozen)


def counter(scope: str, key: str) -> int | None:
    bucket = NOW.strftime("%Y%m%d%H")
    item = (
        client()
        .get_item(TableName="ZwrotnicaTable", Key=to_item({"pk": f"ATTEMPTS#{scope}#{key}", "sk": bucket}))
        .get("Item")
    )
    return int(item["n"]["N"]) if item else None


# --- 1. order enumeration ----------------------------------------------------------------------------------


@pytest.fixture
def quiet_logs():
    """10,000 "request refused" lines cost a third of the loop's time; the answers are what we test."""
    from zwrotnica.observability import logger

    level = logger.log_level
    logger.setLevel("WARNING")
    yield
    logger.setLevel(level)


def test_ten_thousand_guessed_numbers_answer_like_a_wrong_email_then_429(
    order_1001, context, dynamo_calls, quiet_logs
):
    """The issue's 10,000 from one IP. Before the limit (100 an hour, template default) every answer is the
    wrong-e-mail answer byte for byte; then 429. A blocked client costs one write per container and
    hour, so the 9,900 refusals after the limit touch DynamoDB once in all (and keep this test ~5 s)."""
    wrong_email = orders(status_event("1001", "email=nie.ta%40example.com", CUSTOMER), context)
    assert wrong_email["statusCode"] == 404
    guess = status_event("1001", "email=" + quote(ANNA), ATTACKER)
    dynamo_calls.ops.clear()
    answers = [orders(renumbered(guess, str(100_000 + i)), context) for i in range(10_000)]
    for i, answer in enumerate(answers[:100]):
        assert answer == wrong_email, f"guess {i} differs from a wrong e-mail"
    assert {a["statusCode"] for a in answers[100:]} == {429}
    assert message(answers[100]) == message(answers[-1]) and message(answers[100]).startswith(THROTTLED_PL)
    assert 0 < int(answers[100]["headers"]["Retry-After"]) <= 3600  # when this hour's window ends
    assert "Retry-After" not in wrong_email["headers"]
    # Round trips: 100 × (client counter + order counter + Query), then one client write that finds the
    # block; the order counters of the refused 9,900 are never written.
    assert dynamo_calls.ops == {"UpdateItem": 201, "Query": 100}
    assert counter("client", ATTACKER) == 101
    assert counter("status", "100099") == 1 and counter("status", "100100") is None
    # Another client is unaffected, the real order still answers the real customer.
    assert orders(status_event("1001", "email=" + quote(ANNA), CUSTOMER), context)["statusCode"] == 200


def test_html_answers_are_identical_too_and_a_signed_link_is_never_counted(order_1001, context, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("LOOKUPS_PER_CLIENT_PER_HOUR", "5")
    get_settings.cache_clear()
    html = "text/html,application/xhtml+xml"
    wrong_email = orders(status_event("1001", "email=nie.ta%40example.com", CUSTOMER, html), context)
    assert wrong_email["statusCode"] == 404
    guesses = [
        orders(status_event(str(5000 + i), "email=" + quote(ANNA), ATTACKER, html), context) for i in range(6)
    ]
    assert guesses[:5] == [wrong_email] * 5
    blocked = guesses[5]
    assert blocked["statusCode"] == 429 and blocked["headers"]["Content-Type"].startswith("text/html")
    assert THROTTLED_PL in blocked["body"] and 'role="alert"' in blocked["body"]
    # The blocked client's own signed link (from our e-mail) still works: links are not counted.
    token = make_token(DEV_SECRETS["link_signing_key"], "1001", datetime.now(UTC), timedelta(days=1))
    assert orders(status_event("1001", f"t={token}", ATTACKER), context)["statusCode"] == 200
    get_settings.cache_clear()


def test_return_form_lookups_share_the_clients_limit(order_1001, context, monkeypatch):
    """The form and the status page count the same client: 3 status guesses + 3 form guesses = 6 > 5."""
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("LOOKUPS_PER_CLIENT_PER_HOUR", "5")
    get_settings.cache_clear()
    for i in range(3):
        assert (
            orders(status_event(str(7000 + i), "email=" + quote(ANNA), ATTACKER), context)["statusCode"]
            == 404
        )
    wrong_email = form_post(
        context, {"step": "lookup", "order_number": "1001", "email": "x@example.com"}, CUSTOMER
    )
    assert wrong_email["statusCode"] == 404
    answers = [
        form_post(context, {"step": "lookup", "order_number": str(8000 + i), "email": ANNA}, ATTACKER)
        for i in range(3)
    ]
    for number, answer in zip(("8000", "8001"), answers[:2], strict=True):
        # The page echoes what was typed; apart from that echo, a wrong number reads as a wrong e-mail.
        assert answer["statusCode"] == 404 and answer["headers"] == wrong_email["headers"]
        echoed = answer["body"].replace(f'value="{number}"', 'value="1001"').replace(ANNA, "x@example.com")
        assert echoed == wrong_email["body"]
    assert answers[2]["statusCode"] == 429 and THROTTLED_PL in answers[2]["body"]
    other = form_post(context, {"step": "lookup", "order_number": "1001", "email": ANNA}, "192.0.2.1")
    assert other["statusCode"] == 200 and "Zamówienie nr 1001" in other["body"]
    get_settings.cache_clear()


def test_exempt_chatbot_ip_is_not_limited_per_client_but_still_per_order(order_1001, context, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("LOOKUPS_PER_CLIENT_PER_HOUR", "3")
    monkeypatch.setenv("LOOKUP_LIMIT_EXEMPT", "10.0.0.0/24, 192.0.2.9")
    get_settings.cache_clear()
    for i in range(10):
        assert (
            orders(status_event(str(9000 + i), "email=" + quote(ANNA), "192.0.2.9"), context)["statusCode"]
            == 404
        )
    assert counter("client", "192.0.2.9") is None  # exempt: not even counted
    for _ in range(20):
        assert orders(status_event("1001", "email=x%40example.com", "10.0.0.7"), context)["statusCode"] == 404
    per_order = orders(status_event("1001", "email=x%40example.com", "10.0.0.7"), context)
    assert per_order["statusCode"] == 429 and "dla tego zamówienia" in message(per_order)
    # Failures are counted, not lookups (issue 12): the right e-mail still opens the order
    assert orders(status_event("1001", "email=" + quote(ANNA), "10.0.0.7"), context)["statusCode"] == 200
    get_settings.cache_clear()


def test_ipv6_client_is_counted_per_64(order_1001, context, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("LOOKUPS_PER_CLIENT_PER_HOUR", "3")
    get_settings.cache_clear()
    ips = [f"2001:db8:7:1::{i:x}" for i in range(1, 5)]  # four addresses of one /64
    answers = [
        orders(status_event(str(9100 + i), "email=" + quote(ANNA), ip), context) for i, ip in enumerate(ips)
    ]
    assert [a["statusCode"] for a in answers] == [404, 404, 404, 429]
    assert (
        orders(status_event("1001", "email=" + quote(ANNA), "2001:db8:7:2::1"), context)["statusCode"] == 200
    )
    get_settings.cache_clear()


# --- 3. e-mail header injection ----------------------------------------------------------------------------

CRLF_EMAIL = "a@example.com\r\nBcc: evil@example.com"


@pytest.mark.parametrize(
    "email",
    [
        CRLF_EMAIL,
        "a@example.com\nBcc: evil@example.com",
        "a@example.com, evil@example.com",
    ],
)
def test_shop_webhook_with_a_crlf_email_is_refused_and_nothing_is_sent(stack, context, sent, email):
    generic = orders(generic_webhook(generic_order("SH-1", email=email)), context)
    assert generic["statusCode"] == 422 and "email" in message(generic)
    woo = woo_order("1002")
    woo["billing"] = {**woo["billing"], "email": email}
    refused = orders(woo_webhook(woo), context)
    assert refused["statusCode"] == 422 and "email" in message(refused)
    assert order_store.load_view("SH-1") is None and order_store.load_view("1002") is None
    assert sent.emails == []


def test_crlf_in_the_customer_name_and_address_is_kept_as_one_line(stack, context, sent):
    order = generic_order(
        "SH-2",
        customer_name="Anna\r\nBcc: evil@example.com\r\n\r\nKowalska",
        delivery={
            "method": "courier",
            "address_line": "ul. Długa 1\r\nTo: evil@example.com",
            "postcode": "00-001",
            "city": "Warszawa\u202e",
            "shipping_cost": 0,
        },
    )
    assert orders(generic_webhook(order), context)["statusCode"] == 200
    stored = order_store.load_view("SH-2").order
    assert stored["customer_name"] == "Anna Bcc: evil@example.com Kowalska"
    assert stored["delivery"]["address_line"] == "ul. Długa 1 To: evil@example.com"
    assert stored["delivery"]["city"] == "Warszawa"
    [mail] = sent.emails
    assert mail.destinations == {"ToAddresses": ["jan.nowak@example.com"]}
    assert (
        "evil" not in json.dumps(mail.destinations) and "\r" not in mail.subject and "\n" not in mail.subject
    )


@pytest.mark.parametrize("email", [CRLF_EMAIL, "a@example.com%0D%0ABcc:%20evil@example.com"])
def test_status_lookup_with_a_crlf_email_is_a_polish_422_and_not_counted(order_1001, context, email):
    response = orders(status_event("1001", "email=" + quote(email, safe="%@"), CUSTOMER), context)
    assert response["statusCode"] == 422
    assert message(response) == "Podaj poprawny adres e-mail, np. anna.kowalska@example.com."
    assert counter("status", "1001") is None and counter("client", CUSTOMER) is None


def test_return_form_with_a_crlf_email_shows_the_field_error(order_1001, context):
    response = form_post(context, {"step": "lookup", "order_number": "1001", "email": CRLF_EMAIL}, CUSTOMER)
    assert response["statusCode"] == 422
    page = response["body"]
    assert '<p class="err" id="e-email">Podaj poprawny adres e-mail' in page
    assert 'id="f-email" name="email" value="a@example.com' in page and 'aria-invalid="true"' in page
    json_answer = returns_app(
        api_event(
            "POST",
            "/returns",
            body=json.dumps(
                {
                    "order_number": "1001",
                    "email": CRLF_EMAIL,
                    "items": {"CZAPKA-1": 1},
                    "kind": "withdrawal",
                    "return_method": "paczkomat",
                    "submission_key": "abcdefgh12",
                }
            ),
            headers={"content-type": "application/json"},
            source_ip=CUSTOMER,
        ),
        context,
    )
    assert json_answer["statusCode"] == 422
    assert json.loads(json_answer["body"])["fields"] == {
        "email": "Podaj poprawny adres e-mail, np. anna.kowalska@example.com."
    }


def test_a_stored_address_with_crlf_never_reaches_ses(order_1001, context, sent):
    """Defence in depth: an order stored before validation (or edited in the table) with a CR/LF address:
    the ticket reply is recorded, no e-mail is written or sent."""
    client().update_item(
        TableName="ZwrotnicaTable",
        Key=to_item({"pk": "ORDER#1001", "sk": "ORDER"}),
        UpdateExpression="SET email = :e",
        ExpressionAttributeValues=to_item({":e": CRLF_EMAIL}),
    )
    before = len(sent.emails)
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            channel=TicketChannel.FORM,
            category=TicketCategory.OTHER,
            subject="Pytanie",
            note="test",
            source_ref="test:crlf",
            at=datetime.now(UTC),
        )
    )
    result = usecases.reply(ticket_id, "Dzień dobry, paczka jest w drodze.", datetime.now(UTC))
    assert result.emailed is False
    assert len(sent.emails) == before
    assert [m for m in outbox_store.list_for_order("1001") if m.template == "ticket_reply"] == []


def test_subject_and_sender_are_single_header_lines_at_ses(stack, sent, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("SHOP_NAME", "Sklep Łąka, Kraków")
    get_settings.cache_clear()
    content = Email(subject="Zamówienie nr 1\r\nBcc: evil@example.com", text="treść", html="<p>treść</p>")
    built = compose.email(
        dedup_key="t:1",
        order_number="1",
        recipient=ANNA,
        template="t",
        content=content,
        now=datetime.now(UTC),
    )
    assert built is not None and built.subject == "Zamówienie nr 1 Bcc: evil@example.com"
    sender.send(built)
    [mail] = sent.emails
    assert mail.destinations == {"ToAddresses": [ANNA]}
    assert mail.subject == "Zamówienie nr 1 Bcc: evil@example.com"
    assert mail.source.startswith("=?utf-8?") and mail.source.endswith(" <sklep@example.com>")
    for bad in (CRLF_EMAIL, "Anna <a@example.com>", "a@example.com, b@example.com", ""):
        assert (
            compose.email(
                dedup_key="t:2",
                order_number="1",
                recipient=bad,
                template="t",
                content=content,
                now=datetime.now(UTC),
            )
            is None
        )
    get_settings.cache_clear()


# --- 4. phone numbers that are not Polish mobiles ----------------------------------------------------------

PARCEL_DPD = "1000635967411U"


def out_for_delivery(context) -> None:
    doc = aftership_body("attempt_fail.json", tag="OutForDelivery", subtag="OutForDelivery_001")
    response = couriers(aftership_webhook(doc), context)
    assert response["statusCode"] == 200, response["body"]


@pytest.mark.parametrize(
    ("phone", "texted"),
    [
        ("+48 600 100 200", "+48600100200"),
        ("0048 600-100-200", "+48600100200"),
        ("+48 22 123 45 67", None),  # Warsaw landline
        ("+49 151 23456789", None),  # German mobile
        ("+380 50 123 4567", None),  # Ukrainian mobile
        ("+48 701 234 567", None),  # premium rate
        ("112", None),  # short number: not a phone
        ("brak telefonu", None),
    ],
)
def test_only_polish_mobiles_get_an_sms_the_rest_get_the_email(stack, context, sent, phone, texted):
    order = woo_order_shipped("2001", PARCEL_DPD, provider="DPD Poland")
    order["billing"] = {**order["billing"], "phone": phone}
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    out_for_delivery(context)
    notices = [m for m in outbox_store.list_for_order("2001") if m.template == "shipment_out_for_delivery"]
    channels = sorted(m.channel.value for m in notices)
    if texted:
        assert channels == ["sms"] and notices[0].recipient == texted
    else:
        assert channels == ["email"] and notices[0].recipient == ANNA
        assert sent.sms == []
    assert all(number == "+48600100200" for number, _ in sent.sms)


def test_generic_shop_phone_in_local_format_is_normalized_and_garbage_dropped(stack, context):
    assert orders(generic_webhook(generic_order("SH-3", phone="600 100 300")), context)["statusCode"] == 200
    assert order_store.load_view("SH-3").order["phone"] == "+48600100300"
    garbage = generic_order("SH-4", phone="+48６００１００３００")
    assert orders(generic_webhook(garbage, msg_id="msg_4"), context)["statusCode"] == 200
    assert "phone" not in order_store.load_view("SH-4").order


@pytest.mark.parametrize("phone", ["112", "600 100 200 wew. 5", "abc", "+48 600 100 2000"])
def test_a_phone_that_is_no_number_gets_a_polish_error_where_it_was_typed(order_1001, context, phone):
    page = form_post(context, {"step": "lookup", "order_number": "1001", "phone": phone}, CUSTOMER)
    assert page["statusCode"] == 422
    assert '<p class="err" id="e-phone">Podaj numer telefonu z zamówienia, np. 600 100 200' in page["body"]
    assert '<a href="#f-phone">' in page["body"]
    answer = orders(status_event("1001", "phone=" + quote(phone), CUSTOMER), context)
    assert answer["statusCode"] == 422 and message(answer).startswith("Podaj numer telefonu z zamówienia")


def test_a_landline_still_proves_the_order(stack, context):
    order = woo_order("1003")
    order["billing"] = {**order["billing"], "phone": "22 123 45 67"}
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    found = orders(status_event("1003", "phone=" + quote("+48 22 123-45-67"), CUSTOMER), context)
    assert found["statusCode"] == 200
