"""PayU adapter: signature vectors (payments.md 1.3), sample notifications (1.2), OAuth + refunds (1.5).

Expected values are literals from the spec / PayU's documentation, or hashes computed here with hashlib,
never read back from the module's own tables. No test touches the network: httpx.MockTransport only.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import ValidationError

from zwrotnica.errors import InvalidPayload, MalformedBody
from zwrotnica.models.payment import PaymentEvent, PaymentStatus, RefundEvent, RefundStatus
from zwrotnica.providers.errors import ProviderError
from zwrotnica.providers.payu import PayUClient, parse_notification, parse_signature_header, verify_signature

EVENTS = Path(__file__).parents[1] / "events" / "payu"
SECOND_KEY = "test_second_key_0123456789abcdef"  # payments.md 1.3 generated fixtures


def _header(signature: str, algorithm: str = "MD5") -> str:
    return f"sender=checkout;signature={signature};algorithm={algorithm};content=DOCUMENT"


def _sign(body: bytes, key: str, algorithm: str, hash_name: str) -> str:
    return _header(hashlib.new(hash_name, body + key.encode()).hexdigest(), algorithm)


# ---------------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------------
# openpayu_php tests/unit/OpenPayU_UtilTest.php: message "OpenPayUData", key "SignatureKey".
SDK_VECTORS = [
    ("MD5", "8375034eb737d520c829fad4026a38aa"),
    ("SHA-1", "52bb16149d1a5ccc8ac05f8e435c30d82efd5364"),
    ("SHA256", "8b2fd55b48f150347df56ce18d787335f32ced1d67f214016476f7c0a8f09981"),
    (
        "SHA384",
        "219a7029f09ae02ee406a623becca9691557cbf503fe58485cb5a08bf1a2a72f745fbc3e8fb1fa80f824b4f890ad3b35",
    ),
    (
        "SHA512",
        "4f658844a6bc4ed3c4320ecae0dc5e414c4fa2ce07563914cd5069f277ddead3"
        "7be5ca6dc35099ff9d8c184bb561bb740f626fdb5162d8f7160dba8ec4ad1d5d",
    ),
]


@pytest.mark.parametrize(("algorithm", "signature"), SDK_VECTORS)
def test_published_sdk_vectors(algorithm: str, signature: str) -> None:
    header = _header(signature, algorithm)
    assert verify_signature(b"OpenPayUData", header, "SignatureKey")
    assert not verify_signature(b"OpenPayUDatb", header, "SignatureKey")
    assert not verify_signature(b"OpenPayUData", header, "SignatureKeY")


SIGNED_FIXTURES = [
    ("order_completed_signed.json", _header("36b9407e4aaf73167db8ef35ba7fd74c")),
    (
        "order_completed_signed.json",
        _header("47a804bc6ea4b432f07d4f5a77c732a35268106e554f28a8b81f7f76c6eabaea", "SHA-256"),
    ),
    ("refund_finalized_signed.json", _header("ae073514a3c8ef5e8d4d6af9eb825a4e")),
]


@pytest.mark.parametrize(("name", "header"), SIGNED_FIXTURES)
def test_spec_generated_fixtures_verify(name: str, header: str) -> None:
    body = (EVENTS / name).read_bytes()
    assert verify_signature(body, header, SECOND_KEY)
    assert not verify_signature(body, header, SECOND_KEY[:-1])


ALGORITHMS = [
    ("MD5", "md5"),
    ("SHA-1", "sha1"),
    ("SHA1", "sha1"),
    ("SHA", "sha256"),
    ("SHA-256", "sha256"),
    ("SHA256", "sha256"),
    ("SHA-384", "sha384"),
    ("SHA384", "sha384"),
    ("SHA-512", "sha512"),
    ("SHA512", "sha512"),
    ("sha-256", "sha256"),
]
BODY = (EVENTS / "order_completed.json").read_bytes()


@pytest.mark.parametrize(("algorithm", "hash_name"), ALGORITHMS)
def test_sign_then_verify_each_algorithm(algorithm: str, hash_name: str) -> None:
    header = _sign(BODY, SECOND_KEY, algorithm, hash_name)
    assert verify_signature(BODY, header, SECOND_KEY)
    tampered = BODY.replace(b'"totalAmount": "200"', b'"totalAmount": "201"')
    assert tampered != BODY
    assert not verify_signature(tampered, header, SECOND_KEY)
    assert not verify_signature(BODY, header, "another_second_key")
    assert not verify_signature(BODY, header.replace(f"algorithm={algorithm}", "algorithm=MD4"), SECOND_KEY)


def test_the_header_names_the_algorithm_a_wrong_name_fails() -> None:
    header = _sign(BODY, SECOND_KEY, "SHA-256", "sha256")
    assert not verify_signature(BODY, header.replace("SHA-256", "SHA-512"), SECOND_KEY)


def test_one_flipped_byte_anywhere_fails() -> None:
    header = _sign(BODY, SECOND_KEY, "MD5", "md5")
    for i in (0, len(BODY) // 2, len(BODY) - 2):
        tampered = BODY[:i] + bytes([BODY[i] ^ 0x01]) + BODY[i + 1 :]
        assert not verify_signature(tampered, header, SECOND_KEY)


def test_signature_over_the_trimmed_body_is_accepted_as_the_sdk_trims() -> None:
    body = (EVENTS / "order_completed_signed.json").read_bytes()
    header = _header("36b9407e4aaf73167db8ef35ba7fd74c")
    assert verify_signature(body + b"\n", header, SECOND_KEY)
    assert verify_signature(b"\r\n " + body + b"\n", header, SECOND_KEY)
    raw_with_newline = _sign(body + b"\n", SECOND_KEY, "MD5", "md5")
    assert verify_signature(body + b"\n", raw_with_newline, SECOND_KEY)
    assert not verify_signature(body + b"x", header, SECOND_KEY)


def test_upper_case_hex_is_accepted() -> None:
    header = _header("36B9407E4AAF73167DB8EF35BA7FD74C")
    assert verify_signature((EVENTS / "order_completed_signed.json").read_bytes(), header, SECOND_KEY)


GOOD_SIG = "36b9407e4aaf73167db8ef35ba7fd74c"
BAD_HEADERS = [
    None,
    "",
    "   ",
    "garbage",
    GOOD_SIG,
    f"signature={GOOD_SIG}",  # no algorithm
    "sender=checkout;algorithm=MD5;content=DOCUMENT",  # no signature
    "sender=checkout;signature=;algorithm=MD5;content=DOCUMENT",
    f"sender=checkout;signature={GOOD_SIG};algorithm=;content=DOCUMENT",
    f"sender=checkout;signature={GOOD_SIG};algorithm=SHA3-256;content=DOCUMENT",
    f"sender=checkout;signature={GOOD_SIG};algorithm=HMAC-MD5;content=DOCUMENT",
    f"sender=checkout;signature={GOOD_SIG}=;algorithm=MD5;content=DOCUMENT",  # a part with two '='
    f"sender=checkout;signature={GOOD_SIG};algorithm=MD5;content",  # a part without '='
    f"sender=checkout;signature={GOOD_SIG[:-1]}ż;algorithm=MD5",  # non-ASCII
    f"sender=checkout;signature={GOOD_SIG[:16]};algorithm=MD5",  # truncated
]


@pytest.mark.parametrize("header", BAD_HEADERS)
def test_missing_empty_garbage_or_unknown_headers_are_refused(header: str | None) -> None:
    body = (EVENTS / "order_completed_signed.json").read_bytes()
    assert not verify_signature(body, header, SECOND_KEY)


def test_the_good_header_of_the_negative_cases_does_verify() -> None:
    body = (EVENTS / "order_completed_signed.json").read_bytes()
    assert verify_signature(body, _header(GOOD_SIG), SECOND_KEY)
    assert verify_signature(body, f"algorithm=MD5;signature={GOOD_SIG};", SECOND_KEY)  # order, trailing ;
    assert not verify_signature(body, _header(GOOD_SIG), "")


def test_parse_signature_header() -> None:
    assert parse_signature_header(_header("abc")) == {
        "sender": "checkout",
        "signature": "abc",
        "algorithm": "MD5",
        "content": "DOCUMENT",
    }
    expected = {"algorithm": "SHA-256", "signature": "ff"}
    assert parse_signature_header("algorithm=SHA-256;signature=ff;") == expected
    assert parse_signature_header("sender=checkout;signature") == {}
    assert parse_signature_header("a=b=c") == {}
    assert parse_signature_header("") == {}
    assert parse_signature_header(None) == {}


# ---------------------------------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------------------------------
def test_documented_completed_order_notification() -> None:
    event = parse_notification((EVENTS / "order_completed.json").read_bytes())
    assert isinstance(event, PaymentEvent)
    assert event.provider == "payu"
    assert event.provider_payment_id == "LDLW5N7MF4140324GUEST000P01"
    assert event.order_number == "Id zamówienia w Twoim sklepie"
    assert event.amount == 200
    assert event.currency == "PLN"
    assert event.status == PaymentStatus.PAID
    assert event.occurred_at == datetime(2016, 3, 2, 11, 58, 14, 828000, tzinfo=UTC)
    assert event.occurred_at.utcoffset() == timedelta(hours=1)
    assert event.event_key == "payu:order:LDLW5N7MF4140324GUEST000P01:COMPLETED"
    assert event.raw["order"]["payMethod"] == {"type": "PBL"}
    assert event.raw["properties"] == [{"name": "PAYMENT_ID", "value": "151471228"}]


def test_raw_keeps_no_personal_data() -> None:
    event = parse_notification((EVENTS / "order_completed.json").read_bytes())
    dumped = json.dumps(event.raw, ensure_ascii=False)
    personal_values = ("fake.buyer@example.invalid", "000000000", "Fakeimie", "Fakenazwisko", "127.0.0.1")
    for personal in (*personal_values, "buyer", "customerIp"):
        assert personal not in dumped
    assert event.raw["order"]["totalAmount"] == "200"


def test_documented_canceled_order_notification_has_no_time() -> None:
    event = parse_notification((EVENTS / "order_canceled.json").read_bytes())
    assert isinstance(event, PaymentEvent)
    assert event.status == PaymentStatus.CANCELLED
    assert event.occurred_at is None  # orderCreateDate has no offset and is not the status time
    assert event.event_key == "payu:order:LDLW5N7MF4140324GUEST000P01:CANCELED"


def test_spec_signed_fixture_parses() -> None:
    event = parse_notification((EVENTS / "order_completed_signed.json").read_bytes())
    assert (event.order_number, event.amount, event.status) == ("shop-order-1001", 12345, PaymentStatus.PAID)


@pytest.mark.parametrize(
    ("payu_status", "expected"),
    [
        ("NEW", PaymentStatus.PENDING),
        ("PENDING", PaymentStatus.PENDING),
        ("WAITING_FOR_CONFIRMATION", PaymentStatus.WAITING_FOR_CONFIRMATION),
        ("COMPLETED", PaymentStatus.PAID),
        ("CANCELED", PaymentStatus.CANCELLED),
        ("REJECTED", PaymentStatus.FAILED),
    ],
)
def test_order_status_mapping(payu_status: str, expected: PaymentStatus) -> None:
    doc = json.loads((EVENTS / "order_canceled.json").read_bytes())
    doc["order"]["status"] = payu_status
    event = parse_notification(json.dumps(doc).encode())
    assert event.status == expected
    assert event.event_key.endswith(f":{payu_status}")


def test_documented_refund_notification() -> None:
    event = parse_notification((EVENTS / "refund_finalized.json").read_bytes())
    assert isinstance(event, RefundEvent)
    assert event.provider == "payu"
    assert event.provider_payment_id == "2DVZMPMFPN140219GUEST000P01"
    assert event.refund_id == "912128"
    assert event.ext_refund_id is None  # PayU's documented sample carries none
    assert event.order_number == "Id zamówienia w Twoim sklepie"
    assert event.amount == 15516
    assert event.currency == "PLN"
    assert event.status == RefundStatus.DONE
    assert event.occurred_at == datetime(2014, 8, 20, 19, 43, 31, 418000, tzinfo=timezone(timedelta(hours=2)))
    assert event.event_key == "payu:refund:912128:FINALIZED"
    assert "reasonDescription" not in event.raw["refund"]


def test_refund_canceled_and_ext_refund_id() -> None:
    doc = json.loads((EVENTS / "refund_finalized.json").read_bytes())
    doc["refund"].update(status="CANCELED", extRefundId="zw-1001-r1")
    event = parse_notification(json.dumps(doc).encode())
    assert isinstance(event, RefundEvent)
    assert (event.status, event.ext_refund_id) == (RefundStatus.REJECTED, "zw-1001-r1")
    assert event.event_key == "payu:refund:912128:CANCELED"


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[1, 2"])
def test_malformed_body(body: bytes) -> None:
    with pytest.raises(MalformedBody):
        parse_notification(body)


def _order_with(**changes: object) -> bytes:
    doc = json.loads((EVENTS / "order_completed.json").read_bytes())
    doc["order"].update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b"[]",
        b'{"order": "x"}',
        _order_with(totalAmount="2.00"),
        _order_with(totalAmount="-200"),
        _order_with(status="SHIPPED"),
        _order_with(currencyCode="zł"),
        _order_with(extOrderId=None),
    ],
)
def test_invalid_payload(body: bytes) -> None:
    with pytest.raises(InvalidPayload):
        parse_notification(body)


def test_events_are_frozen_and_need_aware_times() -> None:
    event = parse_notification((EVENTS / "order_completed.json").read_bytes())
    with pytest.raises(ValidationError):
        event.amount = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        PaymentEvent.model_validate({**event.model_dump(), "occurred_at": datetime(2026, 1, 1)})


# ---------------------------------------------------------------------------------------------------
# REST client (httpx.MockTransport)
# ---------------------------------------------------------------------------------------------------
BASE = "https://secure.snd.payu.com"
ORDER_ID = "H9LL64F37H160126GUEST000P01"
TOKEN = "3e5cac39-7e38-4139-8fd6-30adc06a61bd"  # PayU's documented example token


def _refund_answer(ext_refund_id: str = "zw-1001-r1", amount: str = "2000") -> dict:
    return {
        "orderId": ORDER_ID,
        "refund": {
            "refundId": "5000009987",
            "extRefundId": ext_refund_id,
            "amount": amount,
            "currencyCode": "PLN",
            "description": "Zwrot 1001",
            "creationDateTime": "2020-07-02T09:19:03.896+02:00",
            "status": "PENDING",
            "statusDateTime": "2020-07-02T09:19:04.013+02:00",
        },
        "status": {"statusCode": "SUCCESS", "statusDesc": "Refund queued for processing"},
    }


class FakePayU:
    """Asserts the documented request shapes and answers with the documented response shapes."""

    def __init__(self, refund_responses: list[httpx.Response] | None = None, expires_in: int = 43199) -> None:
        self.token_calls = 0
        self.refund_bodies: list[dict] = []
        self.refund_responses = refund_responses or []
        self.expires_in = expires_in

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/pl/standard/user/oauth/authorize":
            assert request.method == "POST"
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            assert parse_qs(request.content.decode()) == {
                "grant_type": ["client_credentials"],
                "client_id": ["300746"],
                "client_secret": ["2ee86a66e5d97e3fadc400c9f19b065d"],
            }
            self.token_calls += 1
            token = TOKEN if self.token_calls == 1 else f"{TOKEN}-{self.token_calls}"
            return httpx.Response(
                200,
                json={
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                    "grant_type": "client_credentials",
                },
            )
        assert request.method == "POST"
        assert request.url.path == f"/api/v2_1/orders/{ORDER_ID}/refunds"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["authorization"].startswith(f"Bearer {TOKEN}")
        body = json.loads(request.content)
        self.refund_bodies.append(body)
        if self.refund_responses:
            return self.refund_responses.pop(0)
        return httpx.Response(200, json=_refund_answer(body["refund"]["extRefundId"]))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(fake: FakePayU, clock: Clock | None = None) -> PayUClient:
    return PayUClient(
        BASE,
        "300746",
        "2ee86a66e5d97e3fadc400c9f19b065d",
        "300746",
        transport=httpx.MockTransport(fake),
        clock=clock or Clock(),
    )


def test_two_refunds_use_one_cached_token_and_the_documented_shapes() -> None:
    fake = FakePayU()
    client = _client(fake)
    first = client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot 1001")
    second = client.create_refund(ORDER_ID, 500, "zw-1001-r2", "Zwrot 1001 cz. 2")
    assert fake.token_calls == 1
    assert fake.refund_bodies == [
        {"refund": {"description": "Zwrot 1001", "extRefundId": "zw-1001-r1", "amount": 2000}},
        {"refund": {"description": "Zwrot 1001 cz. 2", "extRefundId": "zw-1001-r2", "amount": 500}},
    ]
    assert first["refund"]["refundId"] == "5000009987"
    assert first["refund"]["extRefundId"] == "zw-1001-r1"
    assert second["refund"]["extRefundId"] == "zw-1001-r2"


def test_token_is_fetched_again_after_it_expires() -> None:
    fake, clock = FakePayU(expires_in=600), Clock()
    client = _client(fake, clock)
    client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    clock.now += 500  # still valid
    client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    assert fake.token_calls == 1
    clock.now += 50  # 50 s before expires_in: inside the safety margin, so renewed
    client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    assert fake.token_calls == 2


def test_full_refund_sends_no_amount() -> None:
    fake = FakePayU()
    _client(fake).create_refund(ORDER_ID, None, "zw-1001-r1", "Refund")
    assert fake.refund_bodies == [{"refund": {"description": "Refund", "extRefundId": "zw-1001-r1"}}]


def test_retry_with_the_same_ext_refund_id_sends_the_same_body() -> None:
    fake = FakePayU(refund_responses=[httpx.Response(503), httpx.Response(200, json=_refund_answer())])
    client = _client(fake)
    with pytest.raises(ProviderError) as failed:
        client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot 1001")
    assert failed.value.retryable
    answer = client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot 1001")
    assert answer["status"]["statusCode"] == "SUCCESS"
    assert fake.refund_bodies[0] == fake.refund_bodies[1]


def _payu_error(http: int, status_code: str, code: str, literal: str) -> httpx.Response:
    desc = "Opis błędu: Fakeimie Fakenazwisko"  # would leak into logs if echoed
    status = {"statusCode": status_code, "code": code, "codeLiteral": literal, "statusDesc": desc}
    return httpx.Response(http, json={"status": status})


@pytest.mark.parametrize(
    ("response", "retryable", "code"),
    [
        (_payu_error(400, "OPENPAYU_ERROR_VALUE_INVALID", "9103", "AMOUNT_TO_BIG"), False, "AMOUNT_TO_BIG"),
        (_payu_error(400, "OPENPAYU_BUSINESS_ERROR", "9101", "TRANS_NOT_ENDED"), False, "TRANS_NOT_ENDED"),
        (
            _payu_error(400, "OPENPAYU_BUSINESS_ERROR", "9112", "REFUND_IDEMPOTENCY_MISMATCH"),
            False,
            "REFUND_IDEMPOTENCY_MISMATCH",
        ),
        (_payu_error(400, "OPENPAYU_BUSINESS_ERROR", "9106", "REFUND_TO_OFTEN"), True, "REFUND_TO_OFTEN"),
        (httpx.Response(404, json={"status": {"statusCode": "DATA_NOT_FOUND"}}), False, "DATA_NOT_FOUND"),
        (httpx.Response(429), True, None),
        (httpx.Response(500, text="Internal Server Error"), True, None),
        (httpx.Response(503), True, None),
        (httpx.Response(200, json={"status": {"statusCode": "ERROR_INTERNAL"}}), False, "ERROR_INTERNAL"),
    ],
)
def test_refund_errors(response: httpx.Response, retryable: bool, code: str | None) -> None:
    fake = FakePayU(refund_responses=[response])
    with pytest.raises(ProviderError) as failed:
        _client(fake).create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot 1001")
    assert failed.value.retryable is retryable
    assert failed.value.status == response.status_code
    assert failed.value.code == code
    assert "Fake" not in str(failed.value)


NETWORK_ERRORS = [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.ConnectError("refused")]


@pytest.mark.parametrize("error", NETWORK_ERRORS)
def test_timeouts_and_network_errors_are_retryable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authorize"):
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 43199})
        raise error

    client = PayUClient(BASE, "300746", "secret", "300746", transport=httpx.MockTransport(handler))
    with pytest.raises(ProviderError) as failed:
        client.create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    assert failed.value.retryable
    assert failed.value.status is None


def test_a_rejected_401_refreshes_the_token_once() -> None:
    fake = FakePayU(refund_responses=[httpx.Response(401)])
    result = _client(fake).create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    assert result["status"]["statusCode"] == "SUCCESS"
    assert fake.token_calls == 2
    assert len(fake.refund_bodies) == 2


def test_a_second_401_is_not_retryable() -> None:
    fake = FakePayU(refund_responses=[httpx.Response(401), httpx.Response(401)])
    with pytest.raises(ProviderError) as failed:
        _client(fake).create_refund(ORDER_ID, 2000, "zw-1001-r1", "Zwrot")
    assert (failed.value.retryable, failed.value.status, fake.token_calls) == (False, 401, 2)


@pytest.mark.parametrize(("status", "retryable"), [(401, False), (400, False), (500, True), (502, True)])
def test_token_errors(status: int, retryable: bool) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={"error": "invalid_client"}))
    client = PayUClient(BASE, "300746", "wrong", "300746", transport=transport)
    with pytest.raises(ProviderError) as failed:
        client.access_token()
    assert (failed.value.retryable, failed.value.status) == (retryable, status)


@pytest.mark.parametrize(
    ("order_id", "amount", "ext_refund_id", "description"),
    [
        ("../orders/X", 100, "zw-1", "Zwrot"),
        ("", 100, "zw-1", "Zwrot"),
        (ORDER_ID, 0, "zw-1", "Zwrot"),
        (ORDER_ID, -5, "zw-1", "Zwrot"),
        (ORDER_ID, 100, "", "Zwrot"),
        (ORDER_ID, 100, "zw-1", ""),
    ],
)
def test_invalid_refund_arguments_send_nothing(
    order_id: str, amount: int, ext_refund_id: str, description: str
) -> None:
    fake = FakePayU()
    with pytest.raises(ValueError):
        _client(fake).create_refund(order_id, amount, ext_refund_id, description)
    assert fake.refund_bodies == []
