"""Per-thread reply addresses with a signed plus tag, and the signed return-form link (domain.links)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from zwrotnica.domain import links
from zwrotnica.domain.reply_address import ThreadKind, ThreadRef, reply_address, reply_tag, verify_tag
from zwrotnica.models.inbound import plus_tag

KEY = "dev-link-signing-key-0123456789abcdef"
TICKET = ThreadRef(ThreadKind.TICKET, "TK-0A1B2C3D4E")


def test_the_tag_is_the_documented_hmac_in_lower_case_base32():
    # Computed here from the scheme, not by the code under test: HMAC-SHA256("reply:t:<id casefolded>")
    digest = hmac.new(KEY.encode(), b"reply:t:tk-0a1b2c3d4e", hashlib.sha256).digest()[:10]
    signature = base64.b32encode(digest).decode().lower()
    assert reply_tag(KEY, TICKET) == f"t-TK-0A1B2C3D4E.{signature}"


def test_reply_address_round_trips_through_the_plus_tag():
    address = reply_address(KEY, TICKET, "pomoc@sklep.example")
    assert address.startswith("pomoc+t-TK-0A1B2C3D4E.") and address.endswith("@sklep.example")
    assert len(address.partition("@")[0]) <= 64
    tag = plus_tag(address, {"sklep.example"})
    assert verify_tag(KEY, tag) == TICKET


def test_a_mail_system_that_changes_the_case_of_the_local_part_does_not_break_it():
    tag = reply_tag(KEY, TICKET)
    assert verify_tag(KEY, tag.upper()) == ThreadRef(ThreadKind.TICKET, "tk-0a1b2c3d4e")
    assert verify_tag(KEY, tag.lower()) == ThreadRef(ThreadKind.TICKET, "tk-0a1b2c3d4e")


@pytest.mark.parametrize(
    "tampered",
    [
        lambda t: t.replace("TK-0A1B2C3D4E", "TK-0A1B2C3D4F"),  # another ticket, same signature
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # one signature letter changed
        lambda t: "c" + t[1:],  # the same id as a case
        lambda t: t.rpartition(".")[0],  # no signature
        lambda t: t + "a",  # a longer signature
        lambda t: t.replace(".", "-"),
        lambda t: "",
        lambda t: "t-" + "A" * 60 + ".abcdefghijklmnop",  # over 64 characters
        lambda t: t + "\n",
        lambda t: "t-../etc.abcdefghijklmnop",
    ],
)
def test_tampered_or_malformed_tags_are_refused(tampered):
    assert verify_tag(KEY, tampered(reply_tag(KEY, TICKET))) is None


def test_a_tag_signed_with_another_key_is_refused():
    assert verify_tag(KEY, reply_tag("another-key", TICKET)) is None


def test_a_non_string_tag_is_refused():
    assert verify_tag(KEY, None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("thread_id", ["ZAM/2026/52020", "a b", "", "x" * 41, "ąę"])
def test_ids_a_local_part_cannot_carry_are_refused_when_making_the_tag(thread_id):
    with pytest.raises(ValueError):
        reply_tag(KEY, ThreadRef(ThreadKind.ORDER, thread_id))


@pytest.mark.parametrize("mailbox", ["pomoc", "pomoc+x@sklep.example", "@sklep.example"])
def test_the_support_mailbox_must_be_plain(mailbox):
    with pytest.raises(ValueError):
        reply_address(KEY, TICKET, mailbox)


def test_plus_tag_is_read_only_on_our_domains():
    assert plus_tag("pomoc+abc@sklep.example", {"sklep.example"}) == "abc"
    assert plus_tag("pomoc+abc@SKLEP.example", {"sklep.example"}) == "abc"
    assert plus_tag("pomoc+abc@other.example", {"sklep.example"}) is None
    assert plus_tag("pomoc@sklep.example", {"sklep.example"}) is None
    assert plus_tag("pomoc+@sklep.example", {"sklep.example"}) is None


def test_return_form_link_is_prefilled_and_signed_for_the_form_only():
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    url = links.return_form_url("https://api.example/", KEY, "ZW/1001", now, timedelta(days=30), "complaint")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == "/returns" and query["order"] == ["ZW/1001"] and query["kind"] == ["complaint"]
    token = query["t"][0]
    assert links.token_valid(KEY, "returns:ZW/1001", token, now)
    assert not links.token_valid(KEY, "ZW/1001", token, now)  # not a status-page token
    assert not links.token_valid(KEY, "returns:ZW/1002", token, now)
    assert not links.token_valid(KEY, "returns:ZW/1001", token, now + timedelta(days=31))
