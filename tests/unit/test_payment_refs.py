"""Which order a payment is for, as the official shop plugins name their PayU and Przelewy24 attempts.

Shapes from the plugins' code (shop-platforms.md section 6, re-read in PayU-EMEA/woo-payu-payment-gateway
@53f4aff, PayU-EMEA/plugin_prestashop @a219884, PayU-EMEA/plugin_magento_24 @61066dd and the Przelewy24
modules): PHP `uniqid($p, true)` = $p + 8 hex seconds + 5 hex microseconds + `d.dddddddd`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from zwrotnica.domain import payment_refs
from zwrotnica.domain.payment_refs import extract, parse_rules
from zwrotnica.models.payment import PaymentEvent, RefKind
from zwrotnica.providers import payu, przelewy24
from zwrotnica.providers.payments import verify_and_parse
from zwrotnica.secrets import Secrets

EVENTS = Path(__file__).parents[1] / "events"
UNIQID_1 = "66a1f0c2b3d4e5.12345678"  # 0x66a1f0c2 s, 0xb3d4e µs, then the entropy "5.12345678"
UNIQID_2 = "66a1f1003a0b17.87654321"  # 62 seconds later: "pay again"
MD5 = hashlib.md5(b"1234_240725", usedforsecurity=False).hexdigest()
SHA224 = hashlib.sha224(b"12345").hexdigest()

# (plugin, provider, reference as it arrives, order ref, kind, attempt)
PLUGINS = [
    ("PayU WooCommerce", "payu", f"1234_{UNIQID_1}", "1234", RefKind.ORDER_ID, UNIQID_1),
    ("PayU PrestaShop", "payu", f"57-{UNIQID_1}", "57", RefKind.ORDER_ID, UNIQID_1),
    ("P24 WooCommerce", "przelewy24", f"1234_{MD5}{UNIQID_1}", "1234", RefKind.ORDER_ID, MD5 + UNIQID_1),
    ("P24 PrestaShop REST", "przelewy24", f"88|{SHA224}", "88", RefKind.CART_ID, SHA224),
    ("P24 PrestaShop legacy", "przelewy24", f"88|{MD5}", "88", RefKind.CART_ID, MD5),
    ("our own integration", "payu", "ZAM/2026/52020", "ZAM/2026/52020", RefKind.NUMBER, None),
    ("a number with an underscore", "payu", "ZAM_2026_1", "ZAM_2026_1", RefKind.NUMBER, None),
    ("PayU shape at P24", "przelewy24", f"1234_{UNIQID_1}", f"1234_{UNIQID_1}", RefKind.NUMBER, None),
]


@pytest.mark.parametrize(("plugin", "provider", "reference", "ref", "kind", "attempt"), PLUGINS)
def test_default_rules_read_each_official_plugin(plugin, provider, reference, ref, kind, attempt):
    found = extract(provider, reference)
    assert (found.value, found.kind, found.attempt) == (ref, kind, attempt)


def test_two_attempts_of_one_order_name_one_order_and_order_by_time():
    first, second = extract("payu", f"1234_{UNIQID_1}"), extract("payu", f"1234_{UNIQID_2}")
    assert first.value == second.value == "1234" and first.attempt != second.attempt
    assert first.started == UNIQID_1[:13] and second.started > first.started


def test_a_random_suffix_says_nothing_of_time():
    assert extract("przelewy24", f"88|{SHA224}").started is None


@pytest.mark.parametrize(
    ("setting", "provider", "reference", "expected"),
    [
        ("payu_magento2", "payu", "000000017_66a1f0c2b3d4e", ("000000017", RefKind.NUMBER, "66a1f0c2b3d4e")),
        ("payu_magento2", "payu", "000000017_1721886626", ("000000017", RefKind.NUMBER, "1721886626")),
        ("p24_prestashop_order", "przelewy24", f"412|{MD5}", ("412", RefKind.ORDER_ID, MD5)),
        # A shop's own form, as the issue quotes Magento-style integrations: number, dash, attempt
        (r"payu:number:(?P<ref>\d{10})-(?P<attempt>\d+)", "payu", "0000000001-2",
         ("0000000001", RefKind.NUMBER, "2")),
        (r"*:order_id:WC-(?P<ref>\d+)", "przelewy24", "WC-77", ("77", RefKind.ORDER_ID, None)),
    ],
)  # fmt: skip
def test_configured_rules(setting, provider, reference, expected):
    found = extract(provider, reference, parse_rules(setting))
    assert (found.value, found.kind, found.attempt) == expected


def test_rules_are_tried_in_order_and_only_for_their_provider():
    rules = parse_rules(r"payu:number:(?P<ref>.+)-\d p24_prestashop")
    assert extract("payu", "A-1", rules).value == "A"
    assert extract("przelewy24", "A-1", rules).value == "A-1"  # the payu rule is not tried


@pytest.mark.parametrize("bad", ["payu_woocomerce", "payu:number:(no-ref-group)", "sms:number:(?P<ref>.+)",
                                 "payu:numer:(?P<ref>.+)", "payu:number:(?P<ref>"])  # fmt: skip
def test_a_misconfigured_rule_fails_loudly(bad):
    with pytest.raises(ValueError, match="PAYMENT_REFERENCE_RULES"):
        parse_rules(bad)


def test_the_default_setting_is_the_documented_default():
    from zwrotnica.settings import Settings

    assert Settings(TABLE_NAME="t", SECRETS_NAME="s").payment_reference_rules == payment_refs.DEFAULT_RULES
    with pytest.raises(ValueError):
        Settings(TABLE_NAME="t", SECRETS_NAME="s", PAYMENT_REFERENCE_RULES="nonsense")


# --- The providers apply the rules to signed notifications ------------------------------------------
SECRETS = Secrets(
    link_signing_key="x" * 16, payu_pos_id="300746", payu_second_key="second-key", p24_crc="crc-key",
    p24_merchant_id=11111, p24_pos_id=11111,
)  # fmt: skip


def payu_body(ext_order_id: str) -> bytes:
    doc = json.loads((EVENTS / "payu/order_completed.json").read_text(encoding="utf-8"))
    doc["order"] |= {"extOrderId": ext_order_id, "merchantPosId": "300746"}
    return json.dumps(doc).encode()


def test_a_payu_woocommerce_notification_names_the_orders_internal_id_and_attempt():
    body = payu_body(f"1234_{UNIQID_1}")
    md5 = hashlib.md5(body + b"second-key", usedforsecurity=False).hexdigest()
    headers = {"openpayu-signature": f"sender=checkout;signature={md5};algorithm=MD5;content=DOCUMENT"}
    event = verify_and_parse("payu", headers, body, SECRETS, payment_refs.DEFAULTS)
    assert isinstance(event, PaymentEvent)
    assert (event.order_ref, event.order_ref_kind, event.payment_ref) == (
        "1234",
        "order_id",
        f"1234_{UNIQID_1}",
    )
    assert event.order_number is None and event.attempt == UNIQID_1


def test_a_przelewy24_woocommerce_notification_names_the_orders_internal_id():
    fields = {"merchantId": 11111, "posId": 11111, "sessionId": f"1234_{MD5}{UNIQID_1}", "amount": 26100,
              "originAmount": 26100, "currency": "PLN", "orderId": 300001234, "methodId": 154,
              "statement": "p24-A12-B34-C56"}  # fmt: skip
    fields["sign"] = przelewy24.notification_sign(fields, "crc-key")
    event = verify_and_parse("przelewy24", {}, json.dumps(fields).encode(), SECRETS, payment_refs.DEFAULTS)
    assert (event.order_ref, event.order_ref_kind) == ("1234", "order_id")
    assert event.payment_ref == fields["sessionId"]  # what transaction/verify must be sent


def test_a_payu_refund_notification_is_read_with_the_same_rules():
    doc = json.loads((EVENTS / "payu/refund_finalized.json").read_text(encoding="utf-8"))
    doc["extOrderId"] = f"57-{UNIQID_2}"
    event = payu.parse_notification(json.dumps(doc).encode())
    assert (event.order_ref, event.order_ref_kind, event.order_number) == ("57", "order_id", None)


def test_a_notification_held_before_references_had_kinds_still_reads():
    held = {"provider": "payu", "provider_payment_id": "P1", "order_number": "1001", "amount": 100,
            "currency": "PLN", "status": "paid", "event_key": "payu:order:P1:COMPLETED"}  # fmt: skip
    event = PaymentEvent.model_validate_json(json.dumps(held))
    assert (event.order_number, event.order_ref, event.payment_ref, event.order_ref_kind) == (
        "1001", "1001", "1001", RefKind.NUMBER,
    )  # fmt: skip
