"""Payment providers: verify a notification, then parse it into one PaymentEvent or RefundEvent.

Tpay is not supported: its notifications need an RS256 detached JWS checked against Tpay's certificate
chain plus an md5sum, and the answer body must be exactly `TRUE` (payments.md section 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from zwrotnica.domain import payment_refs
from zwrotnica.domain.payment_refs import ReferenceRule
from zwrotnica.errors import InvalidSignature, UnknownSource
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.providers.payload import reading
from zwrotnica.secrets import Secrets
from zwrotnica.settings import get_settings

PROVIDERS = ("payu", "przelewy24")


def verify_and_parse(
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Secrets,
    rules: Sequence[ReferenceRule] | None = None,
) -> PaymentEvent | RefundEvent:
    """Signature first (nothing is parsed from an unsigned body), then our point of sale, then fields.
    `rules`: how the shop's plugin names orders (default: PAYMENT_REFERENCE_RULES)."""
    if provider not in PROVIDERS:
        raise UnknownSource()
    if rules is None:
        rules = reference_rules(get_settings().payment_reference_rules)
    if provider == "payu":
        return _payu(headers, body, secrets, rules)
    return _przelewy24(body, secrets, rules)


@lru_cache(maxsize=4)
def reference_rules(setting: str) -> tuple[ReferenceRule, ...]:
    return payment_refs.parse_rules(setting)


def _payu(
    headers: Mapping[str, str], body: bytes, secrets: Secrets, rules: Sequence[ReferenceRule]
) -> PaymentEvent | RefundEvent:
    from zwrotnica.providers import payu  # lazy, as przelewy24: both import httpx for their clients

    header = next((headers[name] for name in payu.SIGNATURE_HEADERS if name in headers), None)
    if not payu.verify_signature(body, header, secrets.payu_second_key):
        raise InvalidSignature()
    with reading("PayU notification"):
        event = payu.parse_notification(body, rules)
    # Order notifications name the POS; refund notifications do not (the signature key is per POS).
    if isinstance(event, PaymentEvent) and event.raw["order"].get("merchantPosId") != secrets.payu_pos_id:
        raise InvalidSignature("unknown point of sale")
    return event


def _przelewy24(body: bytes, secrets: Secrets, rules: Sequence[ReferenceRule]) -> PaymentEvent | RefundEvent:
    from zwrotnica.providers import przelewy24

    doc = przelewy24.load_body(body)  # P24 signs parsed values: read strictly (bounded), then checked
    if not przelewy24.verify_notification(doc, secrets.p24_crc):
        raise InvalidSignature()
    ours = {"merchantId": secrets.p24_merchant_id, "posId": secrets.p24_pos_id}
    if any(key in doc and str(doc[key]) != str(value) for key, value in ours.items()):
        raise InvalidSignature("unknown point of sale")
    with reading("Przelewy24 notification"):
        if "refundsUuid" in doc:
            return przelewy24.parse_refund_notification(body, rules)
        return przelewy24.parse_notification(body, rules)
