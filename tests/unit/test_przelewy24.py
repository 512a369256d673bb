"""Przelewy24 adapter: sign vectors (payments.md 2.2), notifications (2.1, 2.6), verify (2.4), refunds (2.6).

Published vectors come from mnastalski/przelewy24-php tests; the samples' signs are the spec's generated
ones (CRC a1b2c3d4e5f6a7b8). Response shapes are P24's OpenAPI schemas (TransactionVerificationResponse,
TransactionRefund201/409, InvalidInputDataRefund, Refund500Response). No test touches the network.
"""

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from zwrotnica.errors import InvalidPayload, MalformedBody
from zwrotnica.models.payment import PaymentStatus, RefundStatus
from zwrotnica.providers.errors import ProviderError
from zwrotnica.providers.przelewy24 import (
    Przelewy24Client,
    load_body,
    notification_sign,
    parse_notification,
    parse_refund_notification,
    refund_notification_sign,
    sha384_sign,
    verify_notification,
)

EVENTS = Path(__file__).parents[1] / "events" / "przelewy24"
CRC = "a1b2c3d4e5f6a7b8"
NOTIFICATION = json.loads((EVENTS / "transaction_notification.json").read_text())
REFUND_NOTIFICATION = json.loads((EVENTS / "refund_notification.json").read_text())


# ---------------------------------------------------------------------------------------------------
# sign
# ---------------------------------------------------------------------------------------------------
def test_published_transaction_notification_vector() -> None:
    fields = {
        "merchantId": 12345,
        "posId": 123,
        "sessionId": "0beec7",
        "amount": 1500,
        "originAmount": 1500,
        "currency": "PLN",
        "orderId": 123456789,
        "methodId": 32,
        "statement": "p24-XXX-YYY-ZZZ",
    }
    expected = (
        "703e946290d92230297c35d3bc8f554d4a458a4c97c9917665929c5ef5e682f7a868ac36e5dff20184c6a5302ef66c77"
    )
    assert notification_sign(fields, "bar") == expected
    assert verify_notification({**fields, "sign": expected}, "bar")
    assert not verify_notification({**fields, "sign": expected}, "baz")


@pytest.mark.parametrize(
    ("fields", "crc", "expected"),
    [
        (
            {
                "orderId": 123456789,
                "sessionId": "0beec7",
                "merchantId": 12345,
                "requestId": "ac0efa",
                "refundsUuid": "dda251",
                "amount": 1500,
                "currency": "PLN",
                "timestamp": 1706389444,
                "status": 0,
            },
            "bar",
            "689010bfd5819bcf683ee0556c0412808b760063a6a66ed4d305d9d85b0bb16ab38bc8fcd0808c85f977f5a041344688",
        ),
        (
            {
                "orderId": 4295430336,
                "sessionId": "1e715675-a42b-4d0b-81bb-f7288915be76",
                "merchantId": 235316,
                "requestId": "dae85bdc-1b8e-45bc-99be-43c6868dcc29",
                "refundsUuid": "97920952-1d9b-4c90-9238-2b74ae0f48bb",
                "amount": 500,
                "currency": "PLN",
                "timestamp": 1697544677,
                "status": 0,
            },
            "c4816521bf32ed54",
            "dad28db2e0336e595bc313e3c7282ab2ba2f265021f45b85271232901fefd4bc1329fd47aa4eb735ac818e2b82c4dc24",
        ),
    ],
)
def test_published_refund_notification_vectors(fields: dict, crc: str, expected: str) -> None:
    assert refund_notification_sign(fields, crc) == expected
    assert verify_notification({**fields, "sign": expected}, crc)
    assert not verify_notification({**fields, "amount": fields["amount"] + 1, "sign": expected}, crc)


def test_published_encoding_vector_unescaped_unicode_and_slashes() -> None:
    expected = (
        "4e9e3bc8c346c7487dbd4a4b4c6b5ec4561685d9018b775980e362159e3d4436e971036c3b278a07d9dd233298f0e45d"
    )
    assert sha384_sign({"slash": "foo/bar", "unicode": "ąźćż"}) == expected


def test_sign_is_over_the_exact_php_style_json_text() -> None:
    fields = {**NOTIFICATION, "statement": "Zamówienie/1001 – łódź"}
    text = (
        '{"merchantId":12345,"posId":12345,"sessionId":"shop-order-1001","amount":12345,"originAmount":12345,'
        '"currency":"PLN","orderId":300001234,"methodId":154,"statement":"Zamówienie/1001 – łódź",'
        '"crc":"a1b2c3d4e5f6a7b8"}'
    )
    assert notification_sign(fields, CRC) == hashlib.sha384(text.encode("utf-8")).hexdigest()


def test_spec_samples_verify() -> None:
    assert verify_notification(NOTIFICATION, CRC)
    assert verify_notification(REFUND_NOTIFICATION, CRC)
    assert not verify_notification(NOTIFICATION, CRC[:-1])
    assert not verify_notification(REFUND_NOTIFICATION, "")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 12346},
        {"originAmount": 1},
        {"sessionId": "shop-order-1002"},
        {"orderId": 300001235},
        {"methodId": 25},
        {"statement": "p24-A12-B34-C57"},
        {"currency": "EUR"},
        {"merchantId": 12346},
        {"posId": 1},
        {"amount": "12345.00"},
        {"amount": True},
        {"sign": NOTIFICATION["sign"][:-1] + "0"},
        {"sign": "ą" * 96},
        {"sign": ""},
        {"sign": None},
        {"sign": 12},
    ],
)
def test_any_tampered_field_or_bad_sign_is_refused(change: dict) -> None:
    assert not verify_notification({**NOTIFICATION, **change}, CRC)


@pytest.mark.parametrize("missing", ["sign", "amount", "statement", "orderId", "methodId"])
def test_missing_fields_are_refused(missing: str) -> None:
    body = {k: v for k, v in NOTIFICATION.items() if k != missing}
    assert not verify_notification(body, CRC)


def test_upper_case_sign_and_form_encoded_body_verify() -> None:
    assert verify_notification({**NOTIFICATION, "sign": NOTIFICATION["sign"].upper()}, CRC)
    form = load_body(urlencode(NOTIFICATION).encode())
    assert form["amount"] == "12345"  # a form carries strings; the sign is over the ints
    assert verify_notification(form, CRC)


# ---------------------------------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------------------------------
def test_transaction_notification_is_paid() -> None:
    event = parse_notification((EVENTS / "transaction_notification.json").read_bytes())
    assert event.provider == "przelewy24"
    assert event.provider_payment_id == "300001234"
    assert event.order_number == "shop-order-1001"
    assert event.amount == 12345
    assert event.currency == "PLN"
    assert event.status == PaymentStatus.PAID
    assert event.occurred_at is None
    assert event.event_key == "przelewy24:payment:300001234"
    assert event.raw["originAmount"] == 12345
    assert event.raw["methodId"] == 154


def test_form_encoded_notification_parses_to_the_same_event() -> None:
    from_json = parse_notification((EVENTS / "transaction_notification.json").read_bytes())
    from_form = parse_notification(urlencode(NOTIFICATION).encode())
    assert from_form == from_json


def test_refund_notification_completed() -> None:
    event = parse_refund_notification((EVENTS / "refund_notification.json").read_bytes())
    assert event.provider == "przelewy24"
    assert event.provider_payment_id == "300001234"
    assert event.refund_id == "req-1001-1"
    assert event.ext_refund_id == "rf-1001-1"
    assert event.order_number == "shop-order-1001"
    assert event.amount == 2000
    assert event.currency == "PLN"
    assert event.status == RefundStatus.DONE
    assert event.occurred_at == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)
    assert event.event_key == "przelewy24:refund:rf-1001-1:300001234"


def test_refund_notification_rejected() -> None:
    event = parse_refund_notification(json.dumps({**REFUND_NOTIFICATION, "status": 1}).encode())
    assert event.status == RefundStatus.REJECTED


@pytest.mark.parametrize("body", [b"", b"{not json", b"\xff\xfe", b"[]"])
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedBody):
        parse_notification(body)


@pytest.mark.parametrize(
    "change",
    [{"amount": "12.34"}, {"amount": -1}, {"currency": "zł"}, {"sessionId": ""}, {"orderId": None}],
)
def test_invalid_notifications(change: dict) -> None:
    with pytest.raises(InvalidPayload):
        parse_notification(json.dumps({**NOTIFICATION, **change}).encode())


@pytest.mark.parametrize("change", [{"status": 2}, {"refundsUuid": None}, {"timestamp": "yesterday"}])
def test_invalid_refund_notifications(change: dict) -> None:
    with pytest.raises(InvalidPayload):
        parse_refund_notification(json.dumps({**REFUND_NOTIFICATION, **change}).encode())


def test_a_refund_notification_is_not_a_payment() -> None:
    with pytest.raises(InvalidPayload):
        parse_notification((EVENTS / "refund_notification.json").read_bytes())


# ---------------------------------------------------------------------------------------------------
# REST client (httpx.MockTransport)
# ---------------------------------------------------------------------------------------------------
BASE = "https://sandbox.przelewy24.pl"
API_KEY = "fake-api-key-0123456789abcdef01"
BASIC = "Basic " + base64.b64encode(f"12345:{API_KEY}".encode()).decode()
VERIFY_SIGN = (
    "537d340e485a524ef1b2e19f650ec25b65c4fd9d7f75a0aff4b8537589ec4272bc2f0170d033f7005060cc813f2e0f48"
)


Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> Przelewy24Client:
    return Przelewy24Client(BASE, 12345, 12345, API_KEY, CRC, transport=httpx.MockTransport(handler))


def _verify_handler(response: httpx.Response, seen: list[httpx.Request]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "PUT"
        assert request.url.path == "/api/v1/transaction/verify"
        assert request.headers["authorization"] == BASIC
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == {
            "merchantId": 12345,
            "posId": 12345,
            "sessionId": "shop-order-1001",
            "amount": 12345,
            "currency": "PLN",
            "orderId": 300001234,
            "sign": VERIFY_SIGN,
        }
        seen.append(request)
        return response

    return handler


def test_verify_success_sends_the_documented_request() -> None:
    seen: list[httpx.Request] = []
    ok = httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})
    assert _client(_verify_handler(ok, seen)).transaction_verify("shop-order-1001", 300001234, 12345, "PLN")
    assert len(seen) == 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(400, json={"error": "Invalid input data", "code": 400}),
        httpx.Response(200, json={"data": {"status": "error"}, "responseCode": 0}),
        httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 1}),
        httpx.Response(200, json={"data": "success", "responseCode": 0}),
        httpx.Response(200, text="OK"),
        httpx.Response(200, json={}),
    ],
)
def test_verify_refusal_or_unexpected_answer_is_false(response: httpx.Response) -> None:
    seen: list[httpx.Request] = []
    assert not _client(_verify_handler(response, seen)).transaction_verify(
        "shop-order-1001", 300001234, 12345
    )
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("response", "retryable"),
    [
        (httpx.Response(401, json={"error": "Incorrect authentication", "code": 401}), False),
        (httpx.Response(500, json={"error": "Unknown error", "code": 500}), True),
        (httpx.Response(503), True),
    ],
)
def test_verify_errors(response: httpx.Response, retryable: bool) -> None:
    with pytest.raises(ProviderError) as failed:
        _client(_verify_handler(response, [])).transaction_verify("shop-order-1001", 300001234, 12345)
    assert (failed.value.retryable, failed.value.status) == (retryable, response.status_code)


def test_verify_timeout_is_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ProviderError) as failed:
        _client(handler).transaction_verify("shop-order-1001", 300001234, 12345)
    assert failed.value.retryable


REFUND_REQUEST = {
    "requestId": "rf-1001-1",
    "refundsUuid": "rf-1001-1",
    "urlStatus": "https://shop.example/p24/refund",
    "refunds": [
        {"orderId": 300001234, "sessionId": "shop-order-1001", "amount": 2000, "description": "zwrot"}
    ],
}
REFUND_201 = {
    "data": [
        {
            "orderId": 300001234,
            "sessionId": "shop-order-1001",
            "amount": 2000,
            "description": "zwrot",
            "status": True,
            "message": "success",
        },
    ],
    "responseCode": 0,
}


def _refund_handler(responses: list[httpx.Response], bodies: list[dict]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/api/v1/transaction/refund"
        assert request.headers["authorization"] == BASIC
        assert request.headers["content-type"] == "application/json"
        bodies.append(json.loads(request.content))
        return responses.pop(0)

    return handler


def _refund(client: Przelewy24Client) -> dict:
    return client.refund(
        300001234, "shop-order-1001", 2000, "rf-1001-1", "zwrot", "https://shop.example/p24/refund"
    )


def test_refund_success_sends_the_documented_request() -> None:
    bodies: list[dict] = []
    answer = _refund(_client(_refund_handler([httpx.Response(201, json=REFUND_201)], bodies)))
    assert bodies == [REFUND_REQUEST]
    assert answer["data"][0]["status"] is True


def test_refund_retry_answered_request_already_exists_is_success() -> None:
    bodies: list[dict] = []
    responses = [
        httpx.Response(504),
        httpx.Response(400, json={"error": "Request already exists", "code": 400}),
    ]
    client = _client(_refund_handler(responses, bodies))
    with pytest.raises(ProviderError) as failed:
        _refund(client)
    assert failed.value.retryable
    assert _refund(client)["already_exists"] is True
    assert bodies == [REFUND_REQUEST, REFUND_REQUEST]


@pytest.mark.parametrize(
    ("response", "retryable", "code"),
    [
        (
            httpx.Response(400, json={"error": "Invalid input parameters", "code": 400}),
            False,
            "Invalid input parameters",
        ),
        (httpx.Response(400, json={"error": "Concurrent call", "code": 400}), True, "Concurrent call"),
        (
            httpx.Response(401, json={"error": "Incorrect authentication", "code": 401}),
            False,
            "Incorrect authentication",
        ),
        (
            httpx.Response(
                409,
                json={
                    "error": [
                        {
                            **REFUND_REQUEST["refunds"][0],
                            "status": False,
                            "message": "Insufficient funds available",
                        }
                    ],
                    "code": 409,
                },
            ),
            False,
            "Insufficient funds available",
        ),
        (
            httpx.Response(
                201,
                json={
                    "data": [{**REFUND_201["data"][0], "status": False, "message": "Transaction not found"}],
                    "responseCode": 0,
                },
            ),
            False,
            "Transaction not found",
        ),
        (httpx.Response(500, json={"error": "Unknown error", "code": 500}), True, "Unknown error"),
    ],
)
def test_refund_errors(response: httpx.Response, retryable: bool, code: str) -> None:
    with pytest.raises(ProviderError) as failed:
        _refund(_client(_refund_handler([response], [])))
    assert (failed.value.retryable, failed.value.status, failed.value.code) == (
        retryable,
        response.status_code,
        code,
    )


def test_long_description_is_cut_to_35_characters() -> None:
    bodies: list[dict] = []
    client = _client(_refund_handler([httpx.Response(201, json=REFUND_201)], bodies))
    client.refund(300001234, "shop-order-1001", 2000, "rf-1001-1", "Zwrot za zamówienie 1001, część pierwsza")
    assert bodies[0]["refunds"][0]["description"] == "Zwrot za zamówienie 1001, część pie"
    assert "urlStatus" not in bodies[0]


@pytest.mark.parametrize(("key", "amount"), [("", 100), ("x" * 36, 100), ("zwrot 1", 100), ("rf-1", 0)])
def test_invalid_refund_arguments_send_nothing(key: str, amount: int) -> None:
    bodies: list[dict] = []
    with pytest.raises(ValueError):
        _client(_refund_handler([], bodies)).refund(300001234, "shop-order-1001", amount, key)
    assert bodies == []
