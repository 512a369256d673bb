"""The SOAP plumbing under every carrier client: hostile and broken answers end as a typed ProviderError
(retryable or not, auth apart), never as an exception of the parser, a hang or an expanded entity."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from zwrotnica.providers import soap
from zwrotnica.providers.errors import AuthFailed, ProviderError

URL = "https://carrier.test/soap"
ENVELOPE = soap.envelope(soap.element(None, "ping", ns="urn:test"))


def call(answer, **kwargs) -> soap.ET.Element:
    client = httpx.Client(transport=httpx.MockTransport(answer))
    return soap.call(client, "carrier", URL, ENVELOPE, "urn:ping", **kwargs)


def raising(exc: Exception):
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc

    return answer


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><r>&lol9;</r>
</soapenv:Body></soapenv:Envelope>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><r>&xxe;</r>
</soapenv:Body></soapenv:Envelope>"""
# A DOCTYPE without any entity is refused too: SOAP 1.1 forbids a DTD in a message.
PLAIN_DOCTYPE = b"""<?xml version="1.0"?><!DOCTYPE soapenv:Envelope>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>"""


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE], ids=["bomb", "xxe", "doctype"]
)
def test_a_dtd_is_refused_before_anything_expands(body):
    with pytest.raises(ProviderError) as refused:
        call(lambda request: httpx.Response(200, content=body))
    assert (refused.value.code, refused.value.retryable) == ("dtd", False)
    assert "root:" not in str(refused.value)


@pytest.mark.parametrize(
    ("answer", "code", "retryable", "status"),
    [
        (
            httpx.Response(200, content=b"<soapenv:Envelope xmlns:soapenv="),
            "malformed",
            True,
            200,
        ),  # truncated
        (httpx.Response(200, content=b"\x00\xff\xfe garbage \x89PNG"), "malformed", True, 200),
        (httpx.Response(200, content=b""), "malformed", True, 200),
        (httpx.Response(200, content=b"<html><body>maintenance</body></html>"), "malformed", True, 200),
        (httpx.Response(502, content=b"<html>Bad Gateway</html>"), None, True, 502),
        (httpx.Response(503), None, True, 503),
        (httpx.Response(429, content=b"slow down"), None, True, 429),
        (httpx.Response(404, content=b"<html>Not Found</html>"), None, False, 404),
    ],
    ids=["truncated", "binary", "empty", "not-soap", "502-html", "503-empty", "429", "404-html"],
)
def test_broken_answers_are_typed_errors(answer, code, retryable, status):
    with pytest.raises(ProviderError) as failed:
        call(lambda request: answer)
    assert (failed.value.code, failed.value.retryable, failed.value.status) == (code, retryable, status)
    assert not isinstance(failed.value, AuthFailed)


@pytest.mark.parametrize("status", [401, 403])
def test_an_http_refusal_without_a_fault_is_an_auth_failure(status):
    with pytest.raises(AuthFailed):
        call(lambda request: httpx.Response(status, content=b"Unauthorized"))


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("cut")]
)
def test_network_failures_are_retryable(exc):
    with pytest.raises(ProviderError) as failed:
        call(raising(exc))
    assert failed.value.retryable is True


def test_an_answer_over_the_cap_is_not_read_whole(monkeypatch):
    monkeypatch.setattr(soap, "MAX_RESPONSE_BYTES", 4096)
    huge = b"<a>" + b"x" * 100_000 + b"</a>"
    with pytest.raises(ProviderError) as refused:
        call(lambda request: httpx.Response(200, content=huge))
    assert (refused.value.code, refused.value.retryable) == ("too_large", False)


def test_deep_nesting_is_an_error_not_a_crash():
    deep = b"<a>" * 50_000 + b"</a>" * 50_000
    with pytest.raises(ProviderError) as failed:
        call(lambda request: httpx.Response(200, content=deep))
    assert failed.value.code == "malformed"  # parsed, but no SOAP Body in it


def fault(code: str, text: str, status: int = 500):
    body = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{text}</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    return lambda request: httpx.Response(status, content=body.encode())


@pytest.mark.parametrize(
    ("code", "status", "server_faults_retry", "retryable"),
    [
        ("s:Client", 500, True, False),  # our request: final
        ("s:Server", 500, True, True),  # the service fails: back off
        ("s:Server", 500, False, False),  # a per-number service answering this number
        ("s:Server", 503, False, True),  # HTTP says retry
    ],
)
def test_faults_are_final_or_retryable_by_code_and_status(code, status, server_faults_retry, retryable):
    with pytest.raises(ProviderError) as failed:
        call(fault(code, "Nieprawidłowy numer przesyłki", status), server_faults_retry=server_faults_retry)
    assert failed.value.retryable is retryable
    assert failed.value.code == code.split(":")[1]
    assert "numer" not in str(failed.value)  # the fault text stays out of the message (and the logs)


def test_the_envelope_escapes_every_value():
    request = soap.element(None, "op", ns="urn:x")
    soap.element(request, "value", "</value><injected/>&")
    body = soap.envelope(request)
    assert b"<injected/>" not in body and b"&lt;/value&gt;&lt;injected/&gt;&amp;" in body


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-02T09:12:00", "2026-03-02T08:12:00"),  # CET
        ("2026-07-14 12:31:00", "2026-07-14T10:31:00"),  # CEST
        ("2026-03-02 11:59", "2026-03-02T10:59:00"),  # Poczta Polska: minutes
        ("2026-05-17T12:15:30.123", "2026-05-17T10:15:30.123000"),
        ("2026-10-07T13:18:49.9237746Z", "2026-10-07T13:18:49.923774"),  # .NET 7 digits, UTC
        ("2026-10-07T13:18:49+02:00", "2026-10-07T11:18:49"),
        ("2026-03-29 02:30:00", "2026-03-29T01:30:00"),  # the skipped hour: read as CET, never raises
    ],
)
def test_carrier_times(text, utc):
    assert soap.warsaw_time(text).astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "  ", "yesterday", "2026-13-45 25:00", "12.03.2026"])
def test_unreadable_times_are_none(text):
    assert soap.warsaw_time(text) is None
