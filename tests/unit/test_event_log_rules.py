"""The event log's own rules, without AWS: ids, what of a body is kept, the verdict of a refusal."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from zwrotnica.dispatch.inbound import verdict
from zwrotnica.errors import InvalidPayload, InvalidSignature, MalformedBody, PayloadTooLarge, UnknownSource
from zwrotnica.store.inbound import BODY_MAX, Inbound, day_of, with_body

AT = datetime(2026, 12, 31, 23, 30, 5, tzinfo=UTC)  # already 1 January in Warsaw


def record(key: str = "dpd:1000635967411U:190101:2026-12-31T22:00:00.000000Z", at: datetime = AT) -> Inbound:
    return Inbound(source="dpd_api", channel="queue", verdict="carrier_api", received_at=at, key=key)


def test_an_id_is_the_receipt_second_and_a_hash_of_source_and_event():
    event = record()
    digest = hashlib.sha256(b"dpd_api\n" + event.key.encode()).hexdigest()[:8]
    assert event.id == f"20261231T233005Z-{digest}"
    assert record().id == event.id  # the same event in the same second: one item
    assert record(key="dpd:1000635967411U:170101:x").id != event.id
    assert record(at=AT + timedelta(seconds=1)).id > event.id  # sortable by time


def test_the_day_partition_is_the_utc_day_of_receipt():
    assert day_of(record().id) == "2026-12-31"
    warsaw_new_year = AT.astimezone(timezone(timedelta(hours=1)))
    assert day_of(record(at=warsaw_new_year).id) == "2026-12-31"
    with pytest.raises(ValueError):
        day_of("not-an-id")


@pytest.mark.parametrize(
    ("body", "keep", "kept"),
    [
        (b'{"event": "shipment_status_changed"}', True, True),
        (b'{"email": "anna.kowalska@example.com"}', False, False),  # a body with personal data: hash only
        (b"x" * (BODY_MAX + 1), True, False),  # too large to keep
        (b"\xff\xfe not text", True, False),
    ],
)
def test_a_body_is_kept_only_where_allowed_and_always_fingerprinted(body, keep, kept):
    fields = with_body(body, keep)
    assert fields["body_sha256"] == hashlib.sha256(body).hexdigest() and fields["body_bytes"] == len(body)
    assert ("body" in fields) is kept


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InvalidSignature(), "bad_signature"),
        (InvalidSignature("invalid or missing token"), "bad_token"),
        (InvalidSignature("source address not allowed"), "source_ip"),
        (MalformedBody(), "malformed"),
        (InvalidPayload("invalid fields: status"), "malformed"),
        (UnknownSource(), None),  # an unknown route: not kept (its name is the caller's to choose)
        (PayloadTooLarge(), None),
    ],
)
def test_the_verdict_of_a_refusal(error, expected):
    assert verdict(error) == expected
