"""The SOAP 1.1 plumbing the carrier tracking clients share: build an envelope, post it, read the answer.

No SOAP library: each client builds its documented request with `xml.etree` (which escapes every value)
and reads the few elements it needs by local name. Measured against zeep 4.3.3 (docs/carrier-polling.md):
zeep and its closure (lxml, requests) add about 17 MB to the package and ~125 ms to the cold import, and
still need each WSDL fetched or bundled at start; this module adds neither.

Answers are parsed with defusedxml and any DTD is refused: SOAP 1.1 forbids a document type declaration
in a message, so a DOCTYPE can only be an entity bomb or an external-entity probe. Answers are read up to
MAX_RESPONSE_BYTES. A fault becomes AuthFailed when the provider says our credentials are wrong, else a
ProviderError; an answer without a fault is judged by its HTTP status (5xx, 408, 425, 429: retryable).
Errors carry the provider, the status and a code, never the body (it may hold a receiver's name).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from zwrotnica.domain.weeks import WARSAW
from zwrotnica.providers.errors import AuthFailed, ProviderError, http_error

if TYPE_CHECKING:
    import httpx

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
# What the carriers say when the credentials are wrong: DPD "Access denied to secured webserwis method",
# DHL24 "Nieprawidłowe dane autoryzacyjne", Axis2/WS-Security "FailedAuthentication" (sources in the
# fixtures under tests/events/). Matched case-insensitively on faultcode + faultstring.
AUTH_HINTS = re.compile(
    r"denied|unauthori[sz]ed|authenticat|authori[sz]|autoryzac|login|password|hasł|haslo|partner ?key|"
    r"failedauthentication|invalidsecurity",
    re.IGNORECASE,
)


def client(transport: httpx.BaseTransport | None, timeout: float) -> httpx.Client:
    """An httpx client for one carrier: `timeout` seconds a read, 3 to connect; httpx imported here."""
    import httpx

    return httpx.Client(transport=transport, timeout=httpx.Timeout(timeout, connect=3.0))


def envelope(body: ET.Element, header: ET.Element | None = None) -> bytes:
    """`<soapenv:Envelope>` with an optional header and one body element, UTF-8 with a declaration."""
    root = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    if header is not None:
        ET.SubElement(root, f"{{{SOAP_ENV}}}Header").append(header)
    ET.SubElement(root, f"{{{SOAP_ENV}}}Body").append(body)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def element(parent: ET.Element | None, tag: str, text: object | None = None, ns: str = "") -> ET.Element:
    """A (sub)element `tag` in namespace `ns` ("" = none), with `text` when given."""
    name = f"{{{ns}}}{tag}" if ns else tag
    node = ET.Element(name) if parent is None else ET.SubElement(parent, name)
    if text is not None:
        node.text = str(text)
    return node


def call(
    client: httpx.Client,
    provider: str,
    url: str,
    body: bytes,
    soap_action: str,
    *,
    server_faults_retry: bool = True,
    auth_error: re.Pattern[str] = AUTH_HINTS,
) -> ET.Element:
    """POST a SOAP request; the answer's `Body` element, or AuthFailed / ProviderError.

    `server_faults_retry`: whether a `Server` fault means the service is failing (retryable: a queue or
    a batch call) or answers this one request (final: DHL24 and DPD answer an unknown number so).
    """
    import httpx

    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'}
    try:
        with client.stream("POST", url, content=body, headers=headers) as response:
            raw = _read_capped(response.iter_bytes(), provider, response.status_code)
            status = response.status_code
    except httpx.TimeoutException as exc:
        raise ProviderError(f"{provider}: timeout", retryable=True) from exc
    except httpx.RequestError as exc:
        raise ProviderError(f"{provider}: {type(exc).__name__}", retryable=True) from exc
    root = _parse(raw, provider, status)
    found = root.find(f"{{{SOAP_ENV}}}Body") if root is not None else None
    fault = found.find(f"{{{SOAP_ENV}}}Fault") if found is not None else None
    if fault is not None:
        raise fault_error(provider, status, fault, auth_error, server_faults_retry)
    if status in (401, 403):
        raise AuthFailed(f"{provider}: HTTP {status}", status=status)
    if status != 200:
        raise http_error(provider, status)
    if found is None:
        raise malformed(provider, "no SOAP body")
    return found


def fault_error(
    provider: str, status: int, fault: ET.Element, auth_error: re.Pattern[str], server_faults_retry: bool
) -> ProviderError:
    """A SOAP fault as an error: AuthFailed for wrong credentials; a `Client` fault (our request) is final;
    a `Server` fault is retryable where it means the service fails; 502-504 and 429 always are."""
    code = (fault.findtext("faultcode") or fault.findtext("{*}faultcode") or "").strip()
    text = (fault.findtext("faultstring") or fault.findtext("{*}faultstring") or "").strip()
    detail = " ".join(t.strip() for t in fault.itertext() if t.strip())
    short = code.rsplit(":", 1)[-1][:40] or "fault"
    if auth_error.search(f"{code} {text}") or (not text and auth_error.search(detail)):
        return AuthFailed(f"{provider}: credentials refused ({short})", status=status, code=short)
    server = short.casefold() in ("server", "receiver")
    again = status in (408, 425, 429) or status >= 502 or (server and server_faults_retry)
    return ProviderError(f"{provider}: SOAP fault {short}", retryable=again, status=status, code=short)


def malformed(provider: str, what: str, status: int = 200) -> ProviderError:
    """An answer we cannot read: most likely a transient fault on the way, so ask again later."""
    return ProviderError(f"{provider}: {what}", retryable=True, status=status, code="malformed")


def response(body: ET.Element, provider: str, operation: str) -> ET.Element:
    """The `{operation}Response` element of a SOAP body, in whatever namespace the service writes it."""
    found = body.find(f"{{*}}{operation}Response")
    if found is None:
        raise malformed(provider, f"no {operation}Response")
    return found


def _read_capped(chunks: Iterator[bytes], provider: str, status: int) -> bytes:
    out, size = bytearray(), 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ProviderError(f"{provider}: too large", retryable=False, status=status, code="too_large")
        out += chunk
    return bytes(out)


def _parse(raw: bytes, provider: str, status: int) -> ET.Element | None:
    """The parsed document; None for an empty or non-XML answer on an HTTP error (judged by status)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if not raw.strip():
        if status == 200:
            raise malformed(provider, "empty answer")
        return None
    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ProviderError(f"{provider}: DTD refused", retryable=False, status=status, code="dtd") from exc
    except ET.ParseError as exc:
        if status != 200:
            return None  # a proxy's HTML error page: the status decides
        raise malformed(provider, "malformed XML") from exc


def local(tag: str) -> str:
    """`{ns}name` -> `name`."""
    return tag.rsplit("}", 1)[-1]


def text(node: ET.Element | None, name: str) -> str:
    """The stripped text of `node`'s first child called `name` in any namespace; "" when absent or nil."""
    if node is None:
        return ""
    child = node.find(f"{{*}}{name}")
    return (child.text or "").strip() if child is not None else ""


def children(node: ET.Element | None, name: str) -> list[ET.Element]:
    """`node`'s children called `name`, in any namespace."""
    return [] if node is None else node.findall(f"{{*}}{name}")


_FRACTION = re.compile(r"(\.\d{6})\d+")


def warsaw_time(value: str) -> datetime | None:
    """A carrier's timestamp as an aware datetime: an offset (or Z) is kept, a local one is Warsaw time.

    Accepts `2024-06-06T11:59:01`, `2024-06-06 11:59:01`, `2024-06-06 11:59` (Poczta Polska has minutes
    only) and .NET's 7-digit fractions (`2026-10-07T13:18:49.9237746Z`, trimmed to microseconds).
    """
    cleaned = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    if not cleaned:
        return None
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WARSAW)
