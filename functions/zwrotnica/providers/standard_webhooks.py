"""Standard Webhooks signatures (standardwebhooks.com): `v1,<base64 HMAC-SHA256(id.timestamp.body)>`.

Several space-separated signatures may be sent and several secrets may be configured, so keys can be
rotated without downtime. Timestamps outside the tolerance are refused in both directions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from zwrotnica import strict

TOLERANCE_SECONDS = 300
MAX_ID_LENGTH = 256
MAX_SIGNATURES = 10  # several during a key rotation; more is not a sender we know


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """Return the message id when any v1 signature matches any secret; None otherwise. Every header is
    read strictly (zwrotnica.strict): an id of printable ASCII, a timestamp of ASCII digits within the
    tolerance, signatures compared in constant time whatever characters they hold."""
    msg_id = strict.token(headers.get("webhook-id"), MAX_ID_LENGTH)
    timestamp = strict.unix_time(headers.get("webhook-timestamp"))
    sig_header = headers.get("webhook-signature") or ""
    if msg_id is None or timestamp is None or not sig_header:
        return None
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return None
    parts = sig_header.split()[:MAX_SIGNATURES]
    offered = [s for v, _, s in (part.partition(",") for part in parts) if v == "v1" and s]
    for secret in secrets:
        try:
            expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
        except (binascii.Error, ValueError):
            continue
        if any(strict.equal(expected, candidate) for candidate in offered):
            return msg_id
    return None
