"""Payment webhooks end to end: the real handler, in-process, against moto; PayU and Przelewy24 APIs
through httpx.MockTransport fakes that speak the documented shapes (never the network)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import httpx
import pytest

from order_status.app import lambda_handler
from tests.factories import (
    DEV_SECRETS,
    P24_ORDER_ID,
    PAYU_ORDER_ID,
    api_event,
    p24_notification,
    p24_refund_notification,
    p24_webhook,
    payu_order_body,
    payu_refund_body,
    payu_signature,
    payu_webhook,
    woo_order,
    woo_webhook,
)
from tests.usecases import request_refund
from zwrotnica.domain import payments as rules
from zwrotnica.domain.payments import Context, PaymentState
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import ConcurrentUpdate, NotRefundable
from zwrotnica.flows.refunds import refund_key
from zwrotnica.providers import payment_clients
from zwrotnica.providers import payu as payu_adapter
from zwrotnica.providers.errors import ProviderError
from zwrotnica.providers.payu import PayUClient
from zwrotnica.providers.przelewy24 import Przelewy24Client
from zwrotnica.store import orders as order_store
from zwrotnica.store import payments as payment_store
from zwrotnica.store import tickets, unit_of_work
from zwrotnica.store.table import client, from_item, table_name, to_item

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).parents[1] / "events"


def body(response: dict) -> dict:
    return json.loads(response["body"])


def items(pk: str) -> list[dict]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": pk}),
    )
    return [from_item(i) for i in page["Items"]]


def order(number: str) -> dict:
    return order_store.load_view(number).order


def kinds(number: str) -> list[str]:
    return sorted(t["kind"] for t in order_store.load_view(number).timeline)


def payment_tickets(number: str) -> list[dict]:
    locks = [i for i in items(f"ORDER#{number}") if i["sk"] == "OPENTICKET#payment"]
    return [tickets.get(lock["ticket_id"]) for lock in locks]


class FakeP24:
    """Przelewy24 REST: verify checks Basic auth and the sign; a refund is unique per requestId."""

    def __init__(self) -> None:
        self.merchant_id, self.pos_id = DEV_SECRETS["p24_merchant_id"], DEV_SECRETS["p24_pos_id"]
        self.crc = DEV_SECRETS["p24_crc"]
        self.verify_answer: httpx.Response | Exception | None = None  # None: success
        self.verify_calls: list[dict] = []
        self.refund_posts: list[dict] = []
        self.paid_out: dict[str, int] = {}

    def client(self) -> Przelewy24Client:
        return Przelewy24Client(
            "https://sandbox.przelewy24.pl",
            self.merchant_id,
            self.pos_id,
            DEV_SECRETS["p24_api_key"],
            self.crc,
            transport=httpx.MockTransport(self),
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = base64.b64encode(f"{self.pos_id}:{DEV_SECRETS['p24_api_key']}".encode()).decode()
        assert request.headers["authorization"] == f"Basic {auth}"
        data = json.loads(request.content)
        if request.method == "PUT" and request.url.path == "/api/v1/transaction/verify":
            self.verify_calls.append(data)
            if isinstance(self.verify_answer, Exception):
                raise self.verify_answer
            signed = {k: data[k] for k in ("sessionId", "orderId", "amount", "currency")} | {"crc": self.crc}
            text = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
            assert data["sign"] == hashlib.sha384(text.encode()).hexdigest()
            success = httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})
            return self.verify_answer or success
        if request.method == "POST" and request.url.path == "/api/v1/transaction/refund":
            self.refund_posts.append(data)
            if data["requestId"] in self.paid_out:
                return httpx.Response(400, json={"error": "Request already exists", "code": 400})
            self.paid_out[data["requestId"]] = data["refunds"][0]["amount"]
            item = data["refunds"][0] | {"status": True, "message": "success"}
            return httpx.Response(201, json={"data": [item], "responseCode": 0})
        return httpx.Response(404)


class FakePayU:
    """PayU REST: OAuth token, refunds; the same extRefundId again answers with the refund it made."""

    def __init__(self) -> None:
        self.refund_posts: list[dict] = []
        self.refunds: dict[str, dict] = {}  # extRefundId -> the one refund paid out
        self.lose_first_answer = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/pl/standard/user/oauth/authorize":
            token = {"access_token": "tok-1", "token_type": "bearer", "expires_in": 43199}
            return httpx.Response(200, json=token)
        assert request.url.path == f"/api/v2_1/orders/{PAYU_ORDER_ID}/refunds"
        assert request.headers["authorization"] == "Bearer tok-1"
        refund = json.loads(request.content)["refund"]
        self.refund_posts.append(refund)
        made = refund | {
            "refundId": str(5000 + len(self.refunds)),
            "status": "PENDING",
            "currencyCode": "PLN",
        }
        known = self.refunds.setdefault(refund["extRefundId"], made)
        if self.lose_first_answer and len(self.refund_posts) == 1:
            raise httpx.ReadTimeout("accepted, but the answer was lost")
        answer = {"orderId": PAYU_ORDER_ID, "refund": known, "status": {"statusCode": "SUCCESS"}}
        return httpx.Response(200, json=answer)


@pytest.fixture
def p24(monkeypatch) -> FakeP24:
    fake = FakeP24()
    monkeypatch.setattr(payment_clients, "p24_client", fake.client)
    return fake


@pytest.fixture
def payu(monkeypatch) -> FakePayU:
    fake = FakePayU()
    api = PayUClient(
        "https://secure.snd.payu.com", "300746", "secret", "300746", transport=httpx.MockTransport(fake)
    )
    monkeypatch.setattr(payment_clients, "payu_client", lambda: api)
    return fake


@pytest.fixture
def place(stack, context):
    """Place a WooCommerce order (261,00 zł, paid online): one "order received" e-mail."""

    def _place(number: str = "1001", **changes) -> None:
        assert lambda_handler(woo_webhook(woo_order(number, **changes)), context)["statusCode"] == 200

    return _place


def now() -> datetime:
    return datetime.now(UTC)


# --- PayU ---------------------------------------------------------------------------------------------
def test_payu_completed_marks_paid_once_and_sends_one_email(stack, context, sent, place):
    place()
    event = payu_webhook(payu_order_body("1001", "COMPLETED", 26100))

    first, second = lambda_handler(event, context), lambda_handler(event, context)

    assert (first["statusCode"], body(first)) == (200, {"result": "applied"})
    assert (second["statusCode"], body(second)) == (200, {"result": "ignored"})
    stored = order("1001")
    assert (stored["payment_status"], stored["paid_amount"]) == ("paid", 26100)
    assert (stored["payment_provider"], stored["payment_id"]) == ("payu", PAYU_ORDER_ID)
    assert kinds("1001") == ["order_received", "payment_paid"]
    [received] = [e for e in sent.emails if "płatność" in e.subject]
    assert received.subject == "Otrzymaliśmy płatność za zamówienie nr 1001"
    assert "261,00\u00a0zł" in received.body and "PayU" in received.body
    assert "https://sklep.example.com/api/orders/1001/status?t=" in received.body
    assert len(sent.emails) == 2
    # The idempotency marker lives at least 4 days (PayU retries for 72 hours)
    [marker] = [i for i in items("ORDER#1001") if i["sk"].startswith("PAYEVENT#")]
    assert marker["sk"] == f"PAYEVENT#payu#payu:order:{PAYU_ORDER_ID}:COMPLETED"
    assert marker["expires_at"] >= time.time() + 4 * 86400
    # And the customer sees it on the status page
    status = lambda_handler(
        api_event("GET", "/orders/1001/status", query="email=anna.kowalska%40example.com"), context
    )
    assert body(status)["payment"] == {"code": "paid", "label": "Otrzymana"}  # agrees with "Płatność"


def test_late_pending_or_canceled_after_paid_changes_nothing(stack, context, sent, place):
    place()
    lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)
    for status in ("PENDING", "WAITING_FOR_CONFIRMATION", "CANCELED"):
        response = lambda_handler(payu_webhook(payu_order_body("1001", status)), context)
        assert (response["statusCode"], body(response)["result"]) == (200, "ignored")
    assert order("1001")["payment_status"] == "paid"
    assert kinds("1001") == ["order_received", "payment_paid"]
    assert len(sent.emails) == 2


def test_canceled_payment_sends_how_to_pay_again_and_a_new_attempt_can_pay(stack, context, sent, place):
    place()
    lambda_handler(payu_webhook(payu_order_body("1001", "PENDING")), context)
    response = lambda_handler(payu_webhook(payu_order_body("1001", "CANCELED")), context)

    assert body(response)["result"] == "applied"
    assert order("1001")["payment_status"] == "cancelled"
    [failed] = [e for e in sent.emails if "nie powiodła" in e.subject]
    assert failed.subject == "Płatność za zamówienie nr 1001 nie powiodła się"
    assert "„Zapłać”" in failed.body and "Nie pobraliśmy żadnych pieniędzy" in failed.body
    assert "https://sklep.example.com/api/orders/1001/status?t=" in failed.body
    # The customer pays again: a new PayU order for the same shop order
    again = payu_order_body("1001", "COMPLETED", order_id="NEWATTEMPT2GUEST000P01")
    assert body(lambda_handler(payu_webhook(again), context))["result"] == "applied"
    assert order("1001")["payment_status"] == "paid"
    assert kinds("1001") == ["order_received", "payment_cancelled", "payment_paid", "payment_pending"]


def test_amount_mismatch_is_not_paid_and_opens_one_finance_ticket(stack, context, sent, place):
    place()
    event = payu_webhook(payu_order_body("1001", "COMPLETED", 2610))

    first, again = lambda_handler(event, context), lambda_handler(event, context)

    assert (first["statusCode"], body(first)["result"]) == (200, "flagged")
    assert body(again)["result"] == "duplicate"  # the marker: same notification, same transaction
    assert order("1001")["payment_status"] == "pending"
    assert kinds("1001") == ["order_received", "payment_amount_mismatch"]
    [ticket] = payment_tickets("1001")
    assert (ticket["category"], ticket["priority"], ticket["team"]) == ("payment", "high", "finance")
    assert len(ticket["notes"]) == 1
    assert "26,10" in ticket["notes"][0]["text"] and "261,00" in ticket["notes"][0]["text"]
    assert "anna" not in json.dumps(ticket, ensure_ascii=False, default=sorted).lower()
    assert len(sent.emails) == 1  # only "order received"


def test_currency_mismatch_is_not_paid(stack, context, sent, place):
    place()
    response = lambda_handler(
        payu_webhook(payu_order_body("1001", "COMPLETED", 26100, currency="EUR")), context
    )
    assert body(response)["result"] == "flagged"
    assert order("1001")["payment_status"] == "pending"


def test_waiting_for_confirmation_asks_finance_to_capture(stack, context, sent, place):
    place()
    response = lambda_handler(payu_webhook(payu_order_body("1001", "WAITING_FOR_CONFIRMATION")), context)
    assert body(response)["result"] == "applied"
    assert order("1001")["payment_status"] == "waiting_for_confirmation"
    [ticket] = payment_tickets("1001")
    assert "potwierdzenia" in ticket["subject"]
    lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)
    assert order("1001")["payment_status"] == "paid"


def test_both_header_names_and_sha256_are_accepted(stack, context, sent, place):
    place()
    payload = payu_order_body("1001", "COMPLETED")
    event = payu_webhook(payload, algorithm="SHA-256")
    event["headers"]["x-openpayu-signature"] = event["headers"].pop("openpayu-signature")
    assert body(lambda_handler(event, context))["result"] == "applied"


def test_unknown_order_is_held_and_applied_when_the_order_arrives(stack, context, sent):
    event = payu_webhook(payu_order_body("1001", "COMPLETED"))

    first, again = lambda_handler(event, context), lambda_handler(event, context)

    # Received (PayU resends anything but 200 for 72 hours), held until the order arrives
    assert (first["statusCode"], body(first)) == (200, {"result": "unmatched"})
    assert (again["statusCode"], body(again)) == (200, {"result": "duplicate"})
    assert items("ORDER#1001") == []
    [held] = items("UNMATCHED#PAY#1001")
    assert "anna" not in held["event"]  # the buyer's data is not kept
    # When the shop's order arrives, the payment is applied and the customer hears about both
    assert lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    assert order("1001")["payment_status"] == "paid"
    assert sorted(e.subject for e in sent.emails) == [
        "Otrzymaliśmy Twoje zamówienie nr 1001",
        "Otrzymaliśmy płatność za zamówienie nr 1001",
    ]
    assert items("UNMATCHED#PAY#1001") == []


def _refused_payu(case: str) -> dict:
    payload = payu_order_body("1001", "COMPLETED")
    if case == "wrong key":
        return payu_webhook(payload, key="not-the-second-key")
    if case == "tampered body":
        return payu_webhook(payload.replace(b'"26100"', b'"100"'), signature=payu_signature(payload))
    if case == "unknown algorithm":
        return payu_webhook(payload, signature=payu_signature(payload).replace("MD5", "CRC32"))
    if case == "garbage header":
        return payu_webhook(payload, signature="signature")
    if case == "unknown POS":
        return payu_webhook(payu_order_body("1001", "COMPLETED", pos_id="999999"))
    event = payu_webhook(payload)
    event["headers"].pop("openpayu-signature")
    return event


@pytest.mark.parametrize(
    "case", ["wrong key", "tampered body", "unknown algorithm", "garbage header", "unknown POS", "missing"]
)
def test_payu_refused_with_401_and_nothing_stored(stack, context, sent, case):
    response = lambda_handler(_refused_payu(case), context)
    assert response["statusCode"] == 401
    assert items("ORDER#1001") == [] and items("UNMATCHED#PAY#1001") == []


def test_p24_refused_with_401_and_nothing_stored(stack, context, sent, p24):
    tampered = p24_notification("1001") | {"amount": 100}
    foreign = p24_notification("1001", merchantId=99999, posId=99999)
    unsigned = {k: v for k, v in p24_notification("1001").items() if k != "sign"}
    for doc in (tampered, foreign, unsigned, p24_notification("1001", crc="wrong-crc")):
        assert lambda_handler(p24_webhook(doc), context)["statusCode"] == 401
    assert items("ORDER#1001") == [] and items("UNMATCHED#PAY#1001") == [] and p24.verify_calls == []


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (lambda: payu_webhook(b'{"order": {"orderId": '), 400),
        (lambda: payu_webhook(b'{"order": {"orderId": "X"}}'), 422),
        (lambda: p24_webhook(b'{"merchantId": 11111,'), 400),
        (lambda: p24_webhook(b"[1, 2]"), 400),
        (lambda: payu_webhook(payu_order_body("1001"), provider="tpay"), 404),
        (lambda: payu_webhook(payu_order_body("1001"), provider="stripe"), 404),
    ],
)
def test_malformed_bodies_and_unknown_providers(stack, context, event, status):
    assert lambda_handler(event(), context)["statusCode"] == status
    assert items("ORDER#1001") == [] and items("UNMATCHED#PAY#1001") == []


# --- Przelewy24 ---------------------------------------------------------------------------------------
def test_p24_is_verified_with_our_amount_before_it_is_paid(stack, context, sent, place, p24):
    place()
    event = p24_webhook(p24_notification("1001", 26100))

    first, again = lambda_handler(event, context), lambda_handler(event, context)

    assert (first["statusCode"], body(first)["result"]) == (200, "applied")
    assert body(again)["result"] == "ignored"
    [verify] = p24.verify_calls  # a redelivery of a paid order is not verified again
    assert {k: v for k, v in verify.items() if k != "sign"} == {
        "merchantId": 11111,
        "posId": 11111,
        "sessionId": "1001",
        "amount": 26100,
        "currency": "PLN",
        "orderId": P24_ORDER_ID,
    }
    assert (order("1001")["payment_status"], order("1001")["payment_id"]) == ("paid", str(P24_ORDER_ID))
    assert [e.subject for e in sent.emails][-1] == "Otrzymaliśmy płatność za zamówienie nr 1001"
    assert len(sent.emails) == 2


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"error": "Invalid input data", "code": 400}),
        httpx.Response(500, json={"error": "Unknown error", "code": 500}),
        httpx.ReadTimeout("no answer"),
    ],
)
def test_p24_verify_failure_is_503_and_the_order_stays_unpaid(stack, context, sent, place, p24, answer):
    place()
    p24.verify_answer = answer
    event = p24_webhook(p24_notification("1001", 26100))

    response = lambda_handler(event, context)

    assert response["statusCode"] == 503
    assert order("1001")["payment_status"] == "pending"
    assert kinds("1001") == ["order_received"]
    assert not [i for i in items("ORDER#1001") if i["sk"].startswith("PAYEVENT#")]
    assert len(sent.emails) == 1
    # P24 sends the notification again; now the verification goes through
    p24.verify_answer = None
    assert body(lambda_handler(event, context))["result"] == "applied"
    assert order("1001")["payment_status"] == "paid"


def test_p24_refused_verification_opens_a_ticket(stack, context, sent, place, p24):
    place()
    p24.verify_answer = httpx.Response(400, json={"error": "Invalid input data", "code": 400})
    lambda_handler(p24_webhook(p24_notification("1001", 26100)), context)
    [ticket] = payment_tickets("1001")
    assert "niepotwierdzona" in ticket["subject"]


def test_p24_amount_mismatch_is_neither_verified_nor_paid(stack, context, sent, place, p24):
    place()
    response = lambda_handler(p24_webhook(p24_notification("1001", 100)), context)
    assert body(response)["result"] == "flagged"
    assert p24.verify_calls == []
    assert order("1001")["payment_status"] == "pending"
    assert len(payment_tickets("1001")) == 1


# --- The spec's sample bodies, signed with the spec's keys ---------------------------------------------
SPEC_KEYS = {
    "payu_second_key": "test_second_key_0123456789abcdef",
    "p24_crc": "a1b2c3d4e5f6a7b8",
    "p24_merchant_id": 12345,
    "p24_pos_id": 12345,
}
SPEC_MD5 = "sender=checkout;signature=36b9407e4aaf73167db8ef35ba7fd74c;algorithm=MD5;content=DOCUMENT"
SPEC_SHA256 = (
    "sender=checkout;signature=47a804bc6ea4b432f07d4f5a77c732a35268106e554f28a8b81f7f76c6eabaea;"
    "algorithm=SHA-256;content=DOCUMENT"
)
SPEC_REFUND_MD5 = "sender=checkout;signature=ae073514a3c8ef5e8d4d6af9eb825a4e;algorithm=MD5;content=DOCUMENT"


@pytest.fixture
def spec_keys(stack, place):
    from aws_lambda_powertools.utilities import parameters

    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["SECRETS_NAME"], SecretString=json.dumps(DEV_SECRETS | SPEC_KEYS)
    )
    parameters.clear_caches()
    place("shop-order-1001", total="123.45")  # the samples' extOrderId / sessionId and amount


def test_payu_spec_samples_accepted_and_tampered_copies_refused(stack, context, sent, spec_keys):
    paid = (EVENTS / "payu" / "order_completed_signed.json").read_bytes()
    refund = (EVENTS / "payu" / "refund_finalized_signed.json").read_bytes()
    for tampered, header in (
        (paid.replace(b'"12345"', b'"12346"'), SPEC_MD5),
        (paid.replace(b"COMPLETED", b"CANCELED"), SPEC_SHA256),
        (refund.replace(b'"2000"', b'"20000"'), SPEC_REFUND_MD5),
    ):
        assert lambda_handler(payu_webhook(tampered, signature=header), context)["statusCode"] == 401
    assert kinds("shop-order-1001") == ["order_received"]

    assert body(lambda_handler(payu_webhook(paid, signature=SPEC_MD5), context))["result"] == "applied"
    assert body(lambda_handler(payu_webhook(paid, signature=SPEC_SHA256), context))["result"] == "ignored"
    assert (
        body(lambda_handler(payu_webhook(refund, signature=SPEC_REFUND_MD5), context))["result"] == "applied"
    )
    stored = order("shop-order-1001")
    assert (stored["payment_status"], stored["paid_amount"]) == ("partially_refunded", 12345)
    assert stored["refunds"]["payu:912128"] == {
        "amount": 2000,
        "status": "done",
        "provider": "payu",
        "refund_id": "912128",
    }


def test_p24_spec_samples_accepted_and_tampered_copies_refused(stack, context, sent, spec_keys, p24):
    p24.merchant_id = p24.pos_id = 12345
    p24.crc = SPEC_KEYS["p24_crc"]
    paid = json.loads((EVENTS / "przelewy24" / "transaction_notification.json").read_text())
    refund = json.loads((EVENTS / "przelewy24" / "refund_notification.json").read_text())
    for tampered in (
        paid | {"amount": 12346},
        paid | {"sessionId": "shop-order-1002"},
        refund | {"amount": 9},
    ):
        assert lambda_handler(p24_webhook(tampered), context)["statusCode"] == 401
    assert p24.verify_calls == [] and kinds("shop-order-1001") == ["order_received"]

    assert body(lambda_handler(p24_webhook(paid), context))["result"] == "applied"
    assert body(lambda_handler(p24_webhook(refund), context))["result"] == "applied"
    assert order("shop-order-1001")["payment_status"] == "partially_refunded"
    assert [c["sessionId"] for c in p24.verify_calls] == ["shop-order-1001"]


# --- Refunds ------------------------------------------------------------------------------------------
def test_payu_refund_retried_three_times_pays_once(stack, context, sent, place, payu):
    place()
    lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)

    results = [request_refund("1001", 26100, "RMA-2026-000001", now()) for _ in range(3)]

    assert [r.status for r in results] == ["requested", "pending", "pending"]
    assert len(payu.refund_posts) == 1 and len(payu.refunds) == 1
    [posted] = payu.refund_posts
    assert posted == {"description": "Zwrot, zamówienie 1001", "extRefundId": results[0].key, "amount": 26100}
    assert order("1001")["refunds"][results[0].key]["status"] == "pending"
    assert order("1001")["payment_status"] == "paid"
    # PayU's refund notification names only its refundId: matched through the id PayU answered with
    done = payu_webhook(payu_refund_body("1001", 26100, refund_id="5000"))
    assert body(lambda_handler(done, context))["result"] == "applied"
    assert body(lambda_handler(done, context))["result"] == "ignored"
    stored = order("1001")
    assert stored["payment_status"] == "refunded"
    assert list(stored["refunds"]) == [results[0].key]
    [refund_email] = [e for e in sent.emails if e.subject.startswith("Zwrot")]
    assert refund_email.subject == "Zwrot 261,00\u00a0zł za zamówienie nr 1001"
    assert "3–5 dni roboczych" in refund_email.body
    assert kinds("1001") == ["order_received", "payment_paid", "refund_done", "refund_requested"]


def test_payu_refund_whose_answer_was_lost_is_sent_again_with_the_same_key(stack, context, place, payu):
    place()
    lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)
    payu.lose_first_answer = True

    with pytest.raises(ProviderError) as lost:
        request_refund("1001", 5000, "RMA-2026-000002", now())
    assert lost.value.retryable
    request_refund("1001", 5000, "RMA-2026-000002", now())
    request_refund("1001", 5000, "RMA-2026-000002", now())

    assert len(payu.refund_posts) == 2  # the lost answer, then the retry with the same extRefundId
    assert {p["extRefundId"] for p in payu.refund_posts} == {refund_key("1001", "RMA-2026-000002")}
    assert len(payu.refunds) == 1  # paid once


def test_p24_refund_retried_three_times_pays_once(stack, context, sent, place, p24):
    place()
    lambda_handler(p24_webhook(p24_notification("1001", 26100)), context)

    results = [request_refund("1001", 10000, "RMA-2026-000003", now()) for _ in range(3)]

    assert len(p24.refund_posts) == 1 and p24.paid_out == {results[0].key: 10000}
    [posted] = p24.refund_posts
    assert posted == {
        "requestId": results[0].key,
        "refundsUuid": results[0].key,
        "urlStatus": "https://sklep.example.com/api/webhooks/payments/przelewy24",
        "refunds": [
            {
                "orderId": P24_ORDER_ID,
                "sessionId": "1001",
                "amount": 10000,
                "description": "Zwrot, zamówienie 1001",
            }
        ],
    }
    done = p24_webhook(p24_refund_notification("1001", 10000, refunds_uuid=results[0].key))
    assert body(lambda_handler(done, context))["result"] == "applied"
    assert order("1001")["payment_status"] == "partially_refunded"
    assert [e.subject for e in sent.emails][-1] == "Zwrot 100,00\u00a0zł za zamówienie nr 1001"


def test_p24_rejected_refund_keeps_paid_and_opens_a_ticket(stack, context, sent, place, p24):
    place()
    lambda_handler(p24_webhook(p24_notification("1001", 26100)), context)
    result = request_refund("1001", 26100, "RMA-2026-000004", now())
    rejected = p24_webhook(p24_refund_notification("1001", 26100, refunds_uuid=result.key, status=1))
    assert body(lambda_handler(rejected, context))["result"] == "applied"
    assert order("1001")["payment_status"] == "paid"
    assert order("1001")["refunds"][result.key]["status"] == "rejected"
    [ticket] = payment_tickets("1001")
    assert "odrzucony" in ticket["subject"]
    assert not [e for e in sent.emails if e.subject.startswith("Zwrot")]
    # Finance sorts it out and P24 reports the same refund done: a second notification, not a redelivery
    done = p24_webhook(p24_refund_notification("1001", 26100, refunds_uuid=result.key, status=0))
    assert body(lambda_handler(done, context))["result"] == "applied"
    assert order("1001")["payment_status"] == "refunded"


@pytest.mark.parametrize(("paid", "amount"), [(False, 100), (True, 26101), (True, 0)])
def test_refund_of_an_unpaid_order_or_more_than_paid_is_refused(stack, context, place, payu, paid, amount):
    place()
    if paid:
        lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)
    with pytest.raises(NotRefundable):
        request_refund("1001", amount, "RMA-2026-000005", now())
    assert payu.refund_posts == []


def test_a_stale_writer_loses_the_race_instead_of_overwriting(stack, context, place):
    place()
    stale = PaymentState.from_item(payment_store.get_state("1001"))
    lambda_handler(payu_webhook(payu_order_body("1001", "COMPLETED")), context)
    ctx = Context(now(), "https://example.invalid", "Sklep")
    cancel = payu_adapter.parse_notification(
        payu_order_body("1001", "CANCELED", order_id="OTHER1GUEST000P01")
    )
    decision = rules.on_payment(stale, cancel, ctx)
    assert decision.state.status == "cancelled"  # what the stale read would have decided
    stale_write = Effect().write(payment_store.state_update(decision.state, stale.rev, now()), Guard.CONFLICT)
    stale_write.write(payment_store.marker("1001", "payu", cancel.event_key, now()), Guard.DUPLICATE)
    with pytest.raises(ConcurrentUpdate):
        unit_of_work.commit(stale_write)
    assert order("1001")["payment_status"] == "paid"
