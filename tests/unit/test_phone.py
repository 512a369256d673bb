"""Phone numbers: what is a number at all (normalize_phone), and what we text (sms_number)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zwrotnica.domain import lookups
from zwrotnica.domain.lookups import client_key, exempt, proof_errors
from zwrotnica.domain.phone import is_polish_mobile, normalize_phone, sms_number

# raw as a customer or a shop writes it → (E.164 or None, texted?)
CASES = [
    # Polish mobiles in every common spelling
    ("600 100 200", "+48600100200", True),
    ("600-100-200", "+48600100200", True),
    ("+48 600 100 200", "+48600100200", True),
    ("+48 (600) 100-200", "+48600100200", True),
    ("0048600100200", "+48600100200", True),
    ("0048 600 100 200", "+48600100200", True),
    ("48600100200", "+48600100200", True),
    ("+48451234567", "+48451234567", True),
    ("+48 512 345 678", "+48512345678", True),
    ("+48 884 123 456", "+48884123456", True),
    ("797 123 456", "+48797123456", True),
    # Polish landlines: a number (proof, stored), never an SMS
    ("+48 22 123 45 67", "+48221234567", False),
    ("22 123 45 67", "+48221234567", False),
    ("(12) 345-67-89", "+48123456789", False),
    ("0048 58 123 45 67", "+48581234567", False),
    # premium, shared-cost, free-phone, VoIP
    ("+48 701 234 567", "+48701234567", False),
    ("801 234 567", "+48801234567", False),
    ("800 123 456", "+48800123456", False),
    ("+48 391 234 567", "+48391234567", False),
    # foreign mobiles: kept for proof, no SMS (documented: e-mail instead)
    ("+49 151 23456789", "+4915123456789", False),
    ("0049 1512 3456789", "+4915123456789", False),
    ("+380 50 123 4567", "+380501234567", False),
    ("+420 601 123 456", "+420601123456", False),
    # short numbers and garbage: not a number
    ("112", None, False),
    ("997", None, False),
    ("8012", None, False),
    ("", None, False),
    (None, None, False),
    ("brak", None, False),
    ("tel. 600 100 200", None, False),
    ("600 100 200 wew. 12", None, False),
    ("0600100200", None, False),
    ("+48 0600 100 200", None, False),
    ("60010020", None, False),
    ("6001002001", None, False),
    ("+48 600 100 2000", None, False),
    ("+0 600 100 200", None, False),
    ("600100200\nBcc: evil@example.com", None, False),
    ("６００１００２００", None, False),  # full-width digits
    ("+48６００１００２００", None, False),
    ("'><script>alert(1)</script>", None, False),
]


@pytest.mark.parametrize(("raw", "e164", "texted"), CASES)
def test_normalize_and_sms_number(raw, e164, texted):
    assert normalize_phone(raw) == e164
    assert sms_number(raw) == (e164 if texted else None)
    if e164:
        assert is_polish_mobile(e164) is texted


def test_is_polish_mobile_wants_a_normalized_number():
    assert is_polish_mobile("+48600100200")
    assert not is_polish_mobile("600100200")
    assert not is_polish_mobile("+486001002001")
    assert not is_polish_mobile(None)


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", "unknown"),
        (None, "unknown"),
        ("not-an-ip", "unknown"),
    ],
)
def test_client_key_counts_ipv6_per_64(ip, key):
    assert client_key(ip) == key


def test_exempt_takes_addresses_and_networks_and_ignores_bad_entries():
    allowed = ["203.0.113.7", " 198.51.100.0/28", "nonsense", ""]
    assert exempt("203.0.113.7", allowed)
    assert exempt("198.51.100.15", allowed)
    assert not exempt("198.51.100.16", allowed)
    assert not exempt("203.0.113.8", allowed)
    assert not exempt(None, allowed)
    assert not exempt("203.0.113.7", [""])


@pytest.mark.parametrize(
    ("email", "phone", "fields"),
    [
        ("anna.kowalska@example.com", None, set()),
        (" Anna.Kowalska@Example.com ", None, set()),
        (None, "+48 22 123 45 67", set()),  # a landline proves an order as well as a mobile
        (None, "+49 151 23456789", set()),
        ("a@example.com\r\nBcc: evil@example.com", None, {"email"}),
        ("a@example.com,evil@example.com", None, {"email"}),
        ("Anna <a@example.com>", None, {"email"}),
        ("nie-mail", None, {"email"}),
        (None, "112", {"phone"}),
        (None, "600 100 200 wew. 5", {"phone"}),
        ("x", "y", {"email", "phone"}),
    ],
)
def test_proof_errors_name_the_field_in_polish(email, phone, fields):
    errors = proof_errors(email, phone)
    assert set(errors) == fields
    if "phone" in errors:
        assert errors["phone"].startswith("Podaj numer telefonu z zamówienia")
    if "email" in errors:
        assert errors["email"].startswith("Podaj poprawny adres e-mail")


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 11, 24, 21, 0, 0, tzinfo=UTC), 3600),
        (datetime(2026, 11, 24, 21, 59, 59, tzinfo=UTC), 1),
        (datetime(2026, 11, 24, 21, 30, 15, tzinfo=UTC), 1785),
    ],
)
def test_a_throttled_lookup_may_retry_when_the_counters_hour_ends(now, seconds):
    assert lookups.retry_after(now) == seconds
