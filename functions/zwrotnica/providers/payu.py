"""PayU (OpenPayU REST API v2.1): notification signatures and parsing, OAuth token and refunds.

PayU signs the raw body in `OpenPayu-Signature` (or `X-OpenPayU-Signature`):
`sender=checkout;signature=<hex>;algorithm=<alg>;content=DOCUMENT`, signature = HEX(HASH(body + second_key)),
a plain hash, not an HMAC, keyed with the POS "second key (MD5)", not the OAuth secret (openpayu_php
OpenPayU_Util::verifySignature).
Order and refund notifications reach the same notifyUrl; refund ones carry `refund` instead of `order`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from zwrotnica import strict
from zwrotnica.domain import payment_refs
from zwrotnica.domain.payment_refs import ReferenceRule
from zwrotnica.errors import InvalidPayload
from zwrotnica.models.payment import PaymentEvent, PaymentStatus, RefKind, RefundEvent, RefundStatus
from zwrotnica.providers.errors import ProviderError, http_error, json_object, send

if TYPE_CHECKING:  # httpx is imported by the API client, not by the webhook parsers
    import httpx

SIGNATURE_HEADERS = ("openpayu-signature", "x-openpayu-signature")
# The official SDK's table: "SHA" means SHA-256; the dash-less names are accepted too.
ALGORITHMS = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA-1": "sha1",
    "SHA": "sha256",
    "SHA256": "sha256",
    "SHA-256": "sha256",
    "SHA384": "sha384",
    "SHA-384": "sha384",
    "SHA512": "sha512",
    "SHA-512": "sha512",
}
ORDER_STATUS = {
    "NEW": PaymentStatus.PENDING,
    "PENDING": PaymentStatus.PENDING,
    "WAITING_FOR_CONFIRMATION": PaymentStatus.WAITING_FOR_CONFIRMATION,
    "COMPLETED": PaymentStatus.PAID,
    "CANCELED": PaymentStatus.CANCELLED,
    "REJECTED": PaymentStatus.FAILED,  # REJECTED: an SDK constant only
}
REFUND_STATUS = {
    "PENDING": RefundStatus.PENDING,
    "FINALIZED": RefundStatus.DONE,
    "CANCELED": RefundStatus.REJECTED,
}
OAUTH_PATH = "/pl/standard/user/oauth/authorize"
TOKEN_MARGIN_SECONDS = 60
# Refund error codeLiterals that name a passing condition (PayU refund error table): worth a later retry.
TRANSIENT_REFUND_CODES = {"REFUND_TO_OFTEN", "TRANS_BILLING_ENTRIES_NOT_COMPLETED", "UNKNOWN_ERROR"}
# What `raw` keeps: identifiers, amounts, statuses, times. Not buyer, customerIp, description, products.
_ORDER_KEEP = ("orderId", "extOrderId", "orderCreateDate", "merchantPosId", "currencyCode", "totalAmount")
_REFUND_KEEP = ("refundId", "extRefundId", "amount", "currencyCode", "status", "statusDateTime", "refundDate")
_HEX = re.compile(r"[0-9a-f]+")
_PAYU_ID = re.compile(r"[A-Za-z0-9]{1,64}")


def parse_signature_header(value: str | None) -> dict[str, str]:
    """`k=v;k=v;...` as a dict; {} when empty or when any part is not exactly one `k=v` pair (as the SDK)."""
    if not value or not value.strip():
        return {}
    fields: dict[str, str] = {}
    for part in value.strip().rstrip(";").split(";"):
        key, sep, val = part.partition("=")
        if not sep or "=" in val or not key.strip():
            return {}
        fields[key.strip()] = val.strip()
    return fields


def verify_signature(raw_body: bytes, header: str | None, second_key: str) -> bool:
    """True when the header's signature is HASH(body + second_key) for the algorithm the header names.

    The SDK hashes the body after PHP trim(); whether PayU ever sends surrounding whitespace is not
    documented, so the exact bytes are tried first and the stripped bytes second.
    """
    fields = parse_signature_header(header)
    algorithm = ALGORITHMS.get(fields.get("algorithm", "").upper())
    offered = fields.get("signature", "").lower()
    if algorithm is None or not second_key or not _HEX.fullmatch(offered):
        return False
    key = second_key.encode("utf-8")
    digests = [hashlib.new(algorithm, body + key).hexdigest() for body in {raw_body, raw_body.strip()}]
    return any([hmac.compare_digest(digest, offered) for digest in digests])  # no short-circuit


def parse_notification(
    raw_body: bytes, rules: Sequence[ReferenceRule] = payment_refs.DEFAULTS
) -> PaymentEvent | RefundEvent:
    """An order notification as a PaymentEvent, a refund notification as a RefundEvent. `extOrderId`
    is read with the reference rules: the shop's plugin may have put the order's internal id and an
    attempt there (`1234_66a1f0c2b3d4e5.12345678`), not its number."""
    doc = strict.json_body(raw_body)
    try:
        if isinstance(doc, dict) and isinstance(doc.get("refund"), dict):
            return _refund_event(doc, rules)
        if isinstance(doc, dict) and isinstance(doc.get("order"), dict):
            return _order_event(doc, rules)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidPayload("PayU notification fields are missing or invalid") from exc
    raise InvalidPayload("neither a PayU order nor a refund notification")


def _order_event(doc: Mapping[str, Any], rules: Sequence[ReferenceRule]) -> PaymentEvent:
    order = doc["order"]
    status, order_id, reference = _text(order["status"]), _text(order["orderId"]), _text(order["extOrderId"])
    ref = payment_refs.extract("payu", reference, rules)
    raw: dict[str, Any] = {"order": {k: order[k] for k in (*_ORDER_KEEP, "status") if k in order}}
    if isinstance(order.get("payMethod"), dict) and "type" in order["payMethod"]:
        raw["order"]["payMethod"] = {"type": order["payMethod"]["type"]}  # drops card details
    if "localReceiptDateTime" in doc:
        raw["localReceiptDateTime"] = doc["localReceiptDateTime"]
    props = [p for p in doc.get("properties") or [] if isinstance(p, dict) and p.get("name") == "PAYMENT_ID"]
    if props:
        raw["properties"] = props
    return PaymentEvent(
        provider="payu",
        provider_payment_id=order_id,
        payment_ref=reference,
        order_ref=ref.value,
        order_ref_kind=ref.kind,
        attempt=ref.attempt,
        attempt_started=ref.started,
        amount=_minor(order["totalAmount"]),
        currency=order["currencyCode"],
        status=ORDER_STATUS[status],
        occurred_at=_aware(doc.get("localReceiptDateTime")),  # only COMPLETED carries a time
        event_key=f"payu:order:{order_id}:{status}",
        raw=raw,
    )


def _refund_event(doc: Mapping[str, Any], rules: Sequence[ReferenceRule]) -> RefundEvent:
    refund = doc["refund"]
    reference = doc.get("extOrderId") if isinstance(doc.get("extOrderId"), str) else None
    ref = payment_refs.extract("payu", reference, rules) if reference else None
    status, refund_id = _text(refund["status"]), _text(refund["refundId"])
    raw = {k: doc[k] for k in ("orderId", "extOrderId") if k in doc}
    raw["refund"] = {k: refund[k] for k in (*_REFUND_KEEP, "reason") if k in refund}  # not reasonDescription
    return RefundEvent(
        provider="payu",
        provider_payment_id=_text(doc["orderId"]),
        refund_id=refund_id,
        ext_refund_id=refund.get("extRefundId"),
        payment_ref=reference,
        order_ref=ref.value if ref else None,
        order_ref_kind=ref.kind if ref else RefKind.NUMBER,
        amount=_minor(refund["amount"]),
        currency=refund["currencyCode"],
        status=REFUND_STATUS[status],
        occurred_at=_aware(refund.get("statusDateTime")),
        event_key=f"payu:refund:{refund_id}:{status}",
        raw=raw,
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def _minor(value: Any) -> int:
    """PayU amounts are strings of minor units ("15516" = 155,16 zł); a decimal point is an error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    amount = strict.digits(value) if isinstance(value, str) else None
    if amount is None:
        raise ValueError("not an amount in minor units")
    return amount


def _aware(value: Any) -> datetime | None:
    """ISO time with an offset; None when absent or naive (PayU's order times have no offset)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else None


class PayUClient:
    """REST client: OAuth client_credentials token cached until shortly before expiry, refunds."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        pos_id: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        self.pos_id = pos_id
        self._form = dict(grant_type="client_credentials", client_id=client_id, client_secret=client_secret)
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)
        self._clock = clock
        self._token: str | None = None
        self._token_until = 0.0

    def close(self) -> None:
        self._http.close()

    def access_token(self) -> str:
        if self._token and self._clock() < self._token_until:
            return self._token
        response = send(self._http, "payu", "POST", OAUTH_PATH, data=self._form)  # form-encoded
        body = json_object(response)
        if response.status_code != 200:
            raise http_error("payu", response.status_code, body.get("error"))
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise ProviderError("payu: malformed token response", retryable=True, status=response.status_code)
        self._token, self._token_until = token, self._clock() + max(0, expires_in - TOKEN_MARGIN_SECONDS)
        return token

    def create_refund(
        self, payu_order_id: str, amount: int | None, ext_refund_id: str, description: str
    ) -> dict[str, Any]:
        """Ask PayU to refund `amount` grosze (None: the whole order); returns PayU's answer on SUCCESS.

        extRefundId makes a retry safe: PayU answers REFUND_IDEMPOTENCY_MISMATCH (9112) when a known
        extRefundId comes with other parameters. No distinct "already exists" answer is documented.
        """
        if not _PAYU_ID.fullmatch(payu_order_id):
            raise ValueError("PayU orderId must be 1-64 letters or digits")
        if not ext_refund_id or not description:
            raise ValueError("ext_refund_id and description are required")
        refund: dict[str, Any] = {"description": description, "extRefundId": ext_refund_id}
        if amount is not None:
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValueError("amount must be a positive number of grosze")
            refund["amount"] = amount
        path = f"/api/v2_1/orders/{payu_order_id}/refunds"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.access_token()}"}
            response = send(self._http, "payu", "POST", path, json={"refund": refund}, headers=headers)
            if response.status_code != 401 or attempt:
                break
            self._token = None  # revoked or expired early: one retry with a fresh token
        body = json_object(response)
        status = body.get("status") if isinstance(body.get("status"), dict) else {}
        if response.is_success and status.get("statusCode") == "SUCCESS":
            return body
        code = status.get("codeLiteral") or status.get("statusCode")
        transient = code in TRANSIENT_REFUND_CODES or None
        raise http_error("payu", response.status_code, code, retryable=transient)
