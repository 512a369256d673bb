"""Przelewy24 (REST API v1): notification `sign`, notification parsing, transaction/verify and refunds.

P24 signs parsed values, not bytes: sign = hex(SHA-384(compact JSON of documented fields, in documented
order, `crc` last)), encoded as PHP json_encode(JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES); ints
stay ints. The key is the CRC key, not the API key (REST Basic auth password). A transaction notification
is sent only for a paid transaction, and P24 settles it only after PUT /api/v1/transaction/verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from zwrotnica import strict
from zwrotnica.domain import payment_refs
from zwrotnica.domain.payment_refs import ReferenceRule
from zwrotnica.errors import InvalidPayload, MalformedBody
from zwrotnica.models.payment import PaymentEvent, PaymentStatus, RefundEvent, RefundStatus
from zwrotnica.providers.errors import http_error, json_object, send

if TYPE_CHECKING:  # httpx is imported by the API client, not by the webhook parsers
    import httpx

# Signed fields, in the documented order (crc is appended last).
NOTIFICATION_FIELDS = (
    "merchantId",
    "posId",
    "sessionId",
    "amount",
    "originAmount",
    "currency",
    "orderId",
    "methodId",
    "statement",
)
REFUND_NOTIFICATION_FIELDS = (
    "orderId",
    "sessionId",
    "refundsUuid",
    "merchantId",
    "amount",
    "currency",
    "status",
)
REFUND_EXTRA_FIELDS = ("requestId", "timestamp")  # sent in a refund notification but not signed
VERIFY_FIELDS = ("sessionId", "orderId", "amount", "currency")
INT_FIELDS = {"merchantId", "posId", "amount", "originAmount", "orderId", "methodId", "status", "timestamp"}
P24 = "przelewy24"
REFUND_STATUS = {0: RefundStatus.DONE, 1: RefundStatus.REJECTED}
REFUND_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,35}")  # refundsUuid <= 35 chars, requestId <= 45
DESCRIPTION_MAX = 35
ALREADY_EXISTS = "Request already exists"  # documented 400 answer: a refund with this requestId exists
CONCURRENT_CALL = "Concurrent call"  # documented 400 answer: the same refund is being processed now


def sha384_sign(payload: Mapping[str, Any]) -> str:
    """hex SHA-384 of the payload as PHP json_encode(..., UNESCAPED_UNICODE | UNESCAPED_SLASHES) writes it."""
    text = json.dumps(dict(payload), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def fields_sign(fields: Mapping[str, Any], keys: tuple[str, ...], crc: str) -> str:
    return sha384_sign({**{k: fields[k] for k in keys}, "crc": crc})


def notification_sign(fields: Mapping[str, Any], crc: str) -> str:
    """The `sign` of a transaction notification (schema TransactionResult)."""
    return fields_sign(fields, NOTIFICATION_FIELDS, crc)


def refund_notification_sign(fields: Mapping[str, Any], crc: str) -> str:
    """The `sign` of a refund notification (schema TransactionRefundResult)."""
    return fields_sign(fields, REFUND_NOTIFICATION_FIELDS, crc)


def verify_notification(body: Mapping[str, Any], crc: str) -> bool:
    """True when `sign` matches; a body with `refundsUuid` is checked as a refund notification."""
    offered = body.get("sign")
    if not crc or not isinstance(offered, str) or not offered:
        return False
    keys = REFUND_NOTIFICATION_FIELDS if "refundsUuid" in body else NOTIFICATION_FIELDS
    try:
        expected = fields_sign(_typed(body, keys), keys, crc)
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode(), offered.strip().lower().encode("utf-8"))


def load_body(raw_body: bytes) -> dict[str, Any]:
    """The notification as a dict: JSON (documented) or a form (the schema says formData)."""
    try:
        text = raw_body.decode("utf-8").strip()
        if text[:1] in ("{", "["):
            doc = strict.json_body(text)  # parsed before the `sign` check: P24 signs values, not bytes
        else:
            doc = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBody() from exc
    if not isinstance(doc, dict) or not doc:
        raise MalformedBody()
    return doc


def parse_notification(
    raw_body: bytes, rules: Sequence[ReferenceRule] = payment_refs.DEFAULTS
) -> PaymentEvent:
    """A transaction notification: P24 sends one only for a paid transaction, so the status is PAID.
    `sessionId` is read with the reference rules: the official plugins register every attempt under a
    fresh one made of the order's (or cart's) internal id and a random or time-based suffix. The
    notification carries nothing else of the shop's (no description, no methodRefId)."""
    try:
        n = _typed(load_body(raw_body), NOTIFICATION_FIELDS)
        ref = payment_refs.extract(P24, n["sessionId"], rules)
        return PaymentEvent(
            provider=P24,
            provider_payment_id=str(n["orderId"]),
            payment_ref=n["sessionId"],
            order_ref=ref.value,
            order_ref_kind=ref.kind,
            attempt=ref.attempt,
            attempt_started=ref.started,
            amount=n["amount"],  # what was paid; originAmount (registered) stays in raw
            currency=n["currency"],
            status=PaymentStatus.PAID,
            occurred_at=None,  # the notification carries no time
            event_key=f"przelewy24:payment:{n['orderId']}",
            raw=n,
        )
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidPayload("Przelewy24 notification fields are missing or invalid") from exc


def parse_refund_notification(
    raw_body: bytes, rules: Sequence[ReferenceRule] = payment_refs.DEFAULTS
) -> RefundEvent:
    """A refund notification: status 0 = completed, 1 = rejected. P24 assigns no refund id of its own."""
    try:
        doc = load_body(raw_body)
        n = _typed(doc, REFUND_NOTIFICATION_FIELDS + tuple(k for k in REFUND_EXTRA_FIELDS if k in doc))
        ref = payment_refs.extract(P24, n["sessionId"], rules)
        stamp = n.get("timestamp")
        return RefundEvent(
            provider=P24,
            provider_payment_id=str(n["orderId"]),
            refund_id=n.get("requestId") or n["refundsUuid"],
            ext_refund_id=n["refundsUuid"],
            payment_ref=n["sessionId"],
            order_ref=ref.value,
            order_ref_kind=ref.kind,
            amount=n["amount"],
            currency=n["currency"],
            status=REFUND_STATUS[n["status"]],
            occurred_at=datetime.fromtimestamp(stamp, UTC) if stamp is not None else None,
            event_key=f"przelewy24:refund:{n['refundsUuid']}:{n['orderId']}",
            raw=n,
        )
    except (KeyError, TypeError, ValueError, OverflowError, ValidationError) as exc:
        raise InvalidPayload("Przelewy24 refund notification fields are missing or invalid") from exc


def _typed(body: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The listed fields, in order, with documented types (form values arrive as strings), plus `sign`."""
    out: dict[str, Any] = {}
    for key in keys:
        value = body[key]
        if key in INT_FIELDS:
            value = strict.digits(value) if isinstance(value, str) else value
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} is not an integer")
        elif not isinstance(value, str):
            raise ValueError(f"{key} is not a string")
        out[key] = value
    if isinstance(body.get("sign"), str):
        out["sign"] = body["sign"]
    return out


class Przelewy24Client:
    """REST client with HTTP Basic auth posId:apiKey."""

    def __init__(
        self,
        base_url: str,
        merchant_id: int,
        pos_id: int,
        api_key: str,
        crc: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        import httpx

        self.merchant_id, self.pos_id, self._crc = merchant_id, pos_id, crc
        auth = httpx.BasicAuth(str(pos_id), api_key)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), auth=auth, transport=transport, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def transaction_verify(self, session_id: str, order_id: int, amount: int, currency: str = "PLN") -> bool:
        """Confirm a notified payment. Pass the session id and amount stored for the order, not the
        notification's. True only for the documented success `{"data":{"status":"success"},"responseCode":0}`;
        False when P24 refuses the data (400); ProviderError for anything else."""
        body: dict[str, Any] = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "orderId": order_id,
        }
        body["sign"] = fields_sign(body, VERIFY_FIELDS, self._crc)
        response = send(self._http, P24, "PUT", "/api/v1/transaction/verify", json=body)
        answer = json_object(response)
        if response.status_code == 200:
            data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
            return data.get("status") == "success" and answer.get("responseCode") == 0
        if response.status_code == 400:
            return False
        raise http_error(P24, response.status_code, _error_code(answer))

    def refund(
        self,
        order_id: int,
        session_id: str,
        amount: int,
        ext_refund_id: str,
        description: str = "",
        url_status: str | None = None,
    ) -> dict[str, Any]:
        """Refund `amount` grosze of transaction `order_id`. `ext_refund_id` is sent as both requestId and
        refundsUuid, so a retry is answered "Request already exists" (returned as `already_exists: True`)."""
        if not REFUND_KEY.fullmatch(ext_refund_id):
            raise ValueError("ext_refund_id must be 1-35 characters [A-Za-z0-9_.:-]")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValueError("amount must be a positive number of grosze")
        item: dict[str, Any] = {"orderId": order_id, "sessionId": session_id, "amount": amount}
        if description:
            item["description"] = description[:DESCRIPTION_MAX]  # shown in the buyer's transfer title
        body: dict[str, Any] = {"requestId": ext_refund_id, "refundsUuid": ext_refund_id, "refunds": [item]}
        if url_status:
            body["urlStatus"] = url_status
        response = send(self._http, P24, "POST", "/api/v1/transaction/refund", json=body)
        answer = json_object(response)
        if response.is_success:
            data = answer.get("data") if isinstance(answer.get("data"), list) else []
            refused = [i for i in data if isinstance(i, dict) and i.get("status") is False]
            if not refused:
                return answer
            raise http_error(P24, response.status_code, str(refused[0].get("message")), retryable=False)
        code = _error_code(answer)
        if response.status_code == 400 and code == ALREADY_EXISTS:
            return {"data": [], "responseCode": 0, "already_exists": True}
        raise http_error(P24, response.status_code, code, retryable=True if code == CONCURRENT_CALL else None)


def _error_code(answer: Mapping[str, Any]) -> str | None:
    """`error` is a message string, or for a 409 a list of refund items with a `message` each."""
    error = answer.get("error")
    if isinstance(error, list) and error and isinstance(error[0], dict):
        error = error[0].get("message")
    return error if isinstance(error, str) else None
