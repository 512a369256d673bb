"""zwrotnica.strict: every value a stranger sends is read strictly, or refused with MalformedBody (400);
never RecursionError, OverflowError, a 4,301-digit int, inf, NaN, TypeError (issue 12, defect 2). And
signed link tokens of one purpose never open another."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwrotnica import strict
from zwrotnica.domain import links
from zwrotnica.errors import MalformedBody

KEY = "k" * 32
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 200_000,  # json's C decoder would recurse into a RecursionError
        b'{"a":' * 40 + b"1" + b"}" * 40,  # deeper than any payload we take (32)
        b"NaN",
        b'{"amount": Infinity}',
        b'{"amount": -Infinity}',
        b'{"amount": 1e999}',
        b'{"amount": ' + b"9" * 21 + b"}",
        b'{"amount": ' + b"9" * 5000 + b"}",
        b'{"name": "\\ud800"}',  # a lone surrogate: no UTF-8 for it, SES and DynamoDB would choke
        b'{"\\udfff": 1}',
        b"\xff\xfe{}",
        b"",
        b'{"a": 1',
    ],
)
def test_what_json_would_choke_on_is_a_malformed_body(raw):
    with pytest.raises(MalformedBody):
        strict.json_body(raw)


def test_real_payloads_pass_untouched():
    doc = {
        "order": {"id": 2001, "total": "261.00", "lines": [{"sku": "ŻÓŁW-1", "qty": 2}]},
        "emoji": "\U0001f600",  # written by json.dumps as the escaped pair \\ud83d\\ude00
        "big": 10**19,
        "float": 1.5e-999,
        "text with brackets": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{",
    }
    assert strict.json_body(json.dumps(doc).encode()) == doc
    deep = "[" * 32 + "1" + "]" * 32
    assert strict.json_body(deep) == json.loads(deep)


@settings(max_examples=500, database=None, derandomize=True)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_bytes_are_json_or_a_malformed_body(raw):
    try:
        value = strict.json_body(raw)
    except MalformedBody:
        return  # refused: the only way it may fail
    assert value == json.loads(raw.decode("utf-8"))  # and what it takes reads as json reads it


@pytest.mark.parametrize(
    "text", ["²", "١٢٣", "９９", "-1", "", " 1", "1.0", "0x1F", "9" * 21, None, True, 3.5]
)
def test_digits_are_ascii_digits_only(text):
    assert strict.digits(text) is None


def test_digits_and_times_that_are_fine():
    assert strict.digits("0012") == 12 and strict.digits(7) == 7
    assert strict.unix_time(str(int(NOW.timestamp()))) == int(NOW.timestamp())
    assert strict.unix_time("9" * 5000) is None and strict.unix_time("100") is None  # 1970: no link of ours
    assert strict.moment("2026-11-29T12:00:00+01:00") == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    for far in ("9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-01:00", "2026-11-29T12:00:00", "jutro"):
        assert strict.moment(far) is None


def test_tokens_are_printable_ascii_and_compare_in_constant_time_whatever_they_hold():
    assert strict.token("v1,abc=", 10) == "v1,abc=" and strict.token("ząb", 10) is None
    assert strict.token("a b", 10) is None and strict.token("a" * 11, 10) is None
    assert strict.equal("abc", "abc") and not strict.equal("abc", "ąbc")  # hmac would raise TypeError


def test_a_link_token_is_valid_for_its_own_purpose_only():
    label = links.make_token(KEY, "label:ZW-2026-000001", NOW, timedelta(days=7))
    team = links.make_token(KEY, "team-session:ola@sklep.example.com", NOW, timedelta(hours=1))
    # An order a shop happened to name like another link's message opens with neither token
    assert not links.status_token_valid(KEY, "label:ZW-2026-000001", label, NOW)
    assert not links.status_token_valid(KEY, "team-session:ola@sklep.example.com", team, NOW)
    # Status links made now, and those sent before the purpose prefix (bare number), open their order
    url = links.status_url("https://x", KEY, "1001", NOW, timedelta(days=90))
    assert links.status_token_valid(KEY, "1001", url.split("t=")[1], NOW)
    assert links.status_token_valid(KEY, "1001", links.make_token(KEY, "1001", NOW, timedelta(days=1)), NOW)
    assert not links.label_token_valid(KEY, "ZW-2026-000001", url.split("t=")[1], NOW)
    for hostile in ("²." + "A" * 24, "9" * 5000 + ".x", "1795000000.ąęś", ""):
        assert not links.status_token_valid(KEY, "1001", hostile, NOW)
