"""Order numbers as shops write them, and their one canonical token in links and keys."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from zwrotnica.domain import links, order_numbers
from zwrotnica.models.order import ORDER_NUMBER_MAX_LENGTH, ShopOrder, is_order_number
from zwrotnica.models.returns import ReturnSubmission

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = "test-link-key-0123456789"

# What sequential-number plugins, marketplaces and ERPs really produce.
SHOP_NUMBERS = [
    "1001",
    "ZAM/2026/52020",
    "FV.2026.7",
    "ZAMÓWIENIE-Łódź-12",
    "ZAM 2026 12",
    "#1001",
    "A~B",
    "50%",
    "0000000001-1",
    "2026/11/24-ż",
    ".hidden",
    "..",
]

numbers = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=ORDER_NUMBER_MAX_LENGTH
).filter(is_order_number)
settings.register_profile("order_numbers", max_examples=300, database=None, deadline=None)


@pytest.mark.parametrize(
    ("number", "token"),
    [
        ("1001", "1001"),
        ("SH-2001", "SH-2001"),
        ("ZW_7", "ZW_7"),
        ("FV.2026.7", "FV.2026.7"),
        ("ZAM/2026/52020", "ZAM~2F2026~2F52020"),
        ("ZAMÓWIENIE 12", "ZAM~C3~93WIENIE~2012"),
        ("#1001", "~231001"),
        ("A~B", "A~7EB"),
        (".hidden", "~2Ehidden"),
        ("..", "~2E."),
    ],
)
def test_tokens_of_real_numbers(number, token):
    assert order_numbers.encode(number) == token
    assert order_numbers.decode(token) == number


@settings(settings.get_profile("order_numbers"))
@given(numbers)
def test_every_number_round_trips_through_its_token(number):
    token = order_numbers.encode(number)
    assert order_numbers.decode(token) == number
    # Only unreserved URL characters: nothing a URL library, proxy or mail scanner would escape or
    # unescape, no "/" (a second path segment), no "#" (our key separator), no "." or ".." segment.
    assert set(token) <= set(string.ascii_letters + string.digits + "-_.~")
    assert quote(token, safe="") == token == unquote(token)
    assert token not in (".", "..") and len(token) <= order_numbers.TOKEN_MAX_LENGTH


@settings(settings.get_profile("order_numbers"))
@given(numbers, numbers)
def test_two_numbers_never_share_a_token(first, second):
    assert (order_numbers.encode(first) == order_numbers.encode(second)) == (first == second)


@settings(settings.get_profile("order_numbers"))
@given(st.text(alphabet="~0123456789ABCDEFabcdef./%Zz- ", max_size=40))
def test_any_text_decodes_to_a_number_whose_token_it_is_or_is_refused(token):
    try:
        number = order_numbers.decode(token)
    except ValueError:
        return
    assert order_numbers.encode(number) == token


@pytest.mark.parametrize(
    "token",
    ["", "ZAM/2026", "ZAM%2F2026", "ZAM~2f2026", "~41", "A~", "A~4", "~C3", "~FF~FE", "~2F" * 300, "a b"],
)
def test_tokens_encode_never_writes_are_refused(token):
    with pytest.raises(ValueError):
        order_numbers.decode(token)


@pytest.mark.parametrize("bad", ["", " 1001", "1001 ", "ZAM\n1", "ZAM\u00a01", "x" * 65, "ZAM\x00"])
def test_text_that_is_no_order_number_has_no_token(bad):
    with pytest.raises(ValueError):
        order_numbers.encode(bad)


@pytest.mark.parametrize("number", SHOP_NUMBERS)
def test_the_status_link_carries_the_token_and_its_mac_binds_the_number(number):
    url = links.status_url("https://sklep.example.com/api", KEY, number, NOW, timedelta(days=90))
    parts = urlsplit(url)
    segment = parts.path.removeprefix("/api/orders/").removesuffix("/status")
    assert "/" not in segment and "%" not in url
    assert order_numbers.decode(segment) == number
    token = parse_qs(parts.query)["t"][0]
    assert links.status_token_valid(KEY, number, token, NOW)
    assert not links.status_token_valid(KEY, number + "1", token, NOW)


def test_one_number_in_two_unicode_spellings_is_one_order():
    composed, decomposed = "ZAMÓWIENIE-1", "ZAMO\u0301WIENIE-1"
    assert composed != decomposed
    first = ShopOrder.model_validate(_order(composed)).number
    second = ShopOrder.model_validate(_order(decomposed)).number
    assert first == second == composed


@pytest.mark.parametrize("number", SHOP_NUMBERS)
def test_shop_orders_and_return_forms_accept_every_shop_number(number):
    assert ShopOrder.model_validate(_order(number)).number == number
    submission = ReturnSubmission.model_validate(
        {
            "order_number": number,
            "email": "a@example.com",
            "items": {"SKU": 1},
            "kind": "withdrawal",
            "return_method": "paczkomat",
            "submission_key": "abcdefgh",
        }
    )
    assert submission.order_number == number


@pytest.mark.parametrize("bad", ["", "   ", "ZAM\n1", "x" * 65])
def test_shop_orders_refuse_what_is_no_number(bad):
    with pytest.raises(ValidationError):
        ShopOrder.model_validate(_order(bad))


def _order(number: str) -> dict:
    return {
        "number": number,
        "platform": "generic",
        "status": "processing",
        "delivery": {"method": "courier"},
        "total": 100,
        "payment_method": "online",
        "created_at": "2026-11-21T09:00:00Z",
        "modified_at": "2026-11-21T09:00:00Z",
    }


legacy = st.from_regex(r"[A-Za-z0-9_/-]{1,40}", fullmatch=True)


@settings(settings.get_profile("order_numbers"))
@given(numbers, legacy)
def test_keys_read_back_both_encoded_and_as_written_before_encoding(number, old):
    # Keys written with the token, and keys written before (numbers then held only A-Za-z0-9_/-)
    assert order_numbers.from_key(order_numbers.encode(number)) == number
    assert order_numbers.from_key(old) == old


def test_a_typed_number_is_spelled_as_stored():
    assert order_numbers.normalize("  ZAMO\u0301WIENIE-1 ") == "ZAMÓWIENIE-1"
