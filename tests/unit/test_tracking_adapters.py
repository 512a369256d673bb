"""Courier adapters: raw payload -> canonical TrackingEvent, caller checks, ShipX confirmation (mocked).

Expected values are written out from couriers.md and the sample files, never read back from the adapters.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from zwrotnica.domain.shipment_status import ShipmentStatus, carrier_id
from zwrotnica.errors import InvalidSignature, MalformedBody, UnknownSource
from zwrotnica.providers import aftership, couriers, inpost, tracking_generic
from zwrotnica.secrets import Secrets

S = ShipmentStatus
EVENTS = Path(__file__).parents[1] / "events"
PARCEL = "602677439331630337653846"


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


# --- InPost ShipX -------------------------------------------------------------------------------------------

INPOST_SAMPLES = [
    # file, status, raw code, tracking number, UTC time, return number
    ("shipment_confirmed.json", S.LABEL_CREATED, "confirmed", PARCEL, "2020-03-20T14:08:06", None),
    (
        "shipment_confirmed_legacy.json",
        S.LABEL_CREATED,
        "confirmed",
        "633300208831612315289193",
        "2018-07-17T10:57:29",
        None,
    ),
    ("status_delivered.json", S.DELIVERED, "delivered", PARCEL, "2020-03-20T14:08:42", None),
    (
        "status_out_for_delivery.json",
        S.OUT_FOR_DELIVERY,
        "out_for_delivery",
        PARCEL,
        "2025-03-03T06:42:19",
        None,
    ),
    (
        "status_ready_to_pickup.json",
        S.READY_FOR_PICKUP,
        "ready_to_pickup",
        PARCEL,
        "2025-03-03T12:11:05",
        None,
    ),
    ("status_claimed.json", S.EXCEPTION, "claimed", "602677439331630337653999", "2025-03-10T09:02:51", None),
    (
        "status_returned_to_sender.json",
        S.RETURNING_TO_SENDER,
        "returned_to_sender",
        "523000015611700083038270",
        "2025-03-02T08:14:10",
        "522107010621008001205984",
    ),
]


@pytest.mark.parametrize(("name", "status", "code", "number", "utc", "return_number"), INPOST_SAMPLES)
def test_inpost_samples_parse(name, status, code, number, utc, return_number):
    event = inpost.parse(sample(f"inpost/{name}"))
    assert (event.source, event.carrier, event.tracking_number) == ("inpost", "inpost", number)
    assert (event.status, event.raw_code, event.return_tracking_number) == (status, code, return_number)
    assert event.occurred_at == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert event.event_key == f"inpost:{number}:{code}:{utc}.000000Z"


def test_inpost_legacy_push_without_a_tracking_number_is_acknowledged_not_stored():
    assert inpost.parse(sample("inpost/status_delivered_legacy.json")) is None


def test_inpost_keeps_only_ids_and_codes_and_tolerates_extra_keys():
    doc = json.loads(sample("inpost/status_delivered.json"))
    doc["created_by_id"] = None
    doc["payload"] |= {"receiver": {"email": "anna@example.com", "phone": "600100200"}, "new_field": 1}
    event = inpost.parse(json.dumps(doc).encode())
    assert event.raw == {
        "event": "shipment_status_changed",
        "event_ts": "2020-03-20 15:08:42 +0100",
        "organization_id": 1,
        "payload": {"shipment_id": 49, "status": "delivered", "tracking_number": PARCEL},
    }


def test_inpost_unknown_status_is_kept_as_unknown_with_the_raw_value():
    doc = json.loads(sample("inpost/status_delivered.json"))
    doc["payload"]["status"] = "collected_by_customer"
    event = inpost.parse(json.dumps(doc).encode())
    assert (event.status, event.raw_code) == (S.UNKNOWN, "collected_by_customer")


def test_inpost_offer_events_are_ignored():
    doc = {"event": "offers_prepared", "event_ts": "2020-03-20 15:08:06 +0100", "payload": {"shipment_id": 1}}
    assert inpost.parse(json.dumps(doc).encode()) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{nope", "body is not valid JSON"),
        (b"[]", "expected {event, event_ts, payload}"),
        (b'{"event": "shipment_status_changed"}', "expected {event, event_ts, payload}"),
        (
            b'{"event": "shipment_status_changed", "event_ts": "2020-03-20T15:08:42+01:00", "payload": {}}',
            "event_ts is not 'YYYY-MM-DD HH:MM:SS +ZZZZ'",
        ),
        (
            b'{"event": "shipment_status_changed", "event_ts": "2020-03-20 15:08:42 +0100", '
            b'"payload": {"tracking_number": "1234"}}',
            "payload.status is missing",
        ),
        (
            b'{"event": "shipment_status_changed", "event_ts": "2020-03-20 15:08:42 +0100", '
            b'"payload": {"status": "delivered", "tracking_number": "12 34"}}',
            "invalid fields: tracking_number",
        ),
    ],
)
def test_inpost_malformed_payloads_say_why(body, reason):
    with pytest.raises(MalformedBody) as error:
        inpost.parse(body)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("expected", "offered", "ok"),
    [
        ("dev-token", "dev-token", True),
        ("dev-token", "dev-tokem", False),
        ("dev-token", "dev-token ", False),
        ("dev-token", None, False),
        ("", "", False),  # an unset secret refuses everything
        ("", None, False),
    ],
)
def test_inpost_token(expected, offered, ok):
    assert inpost.token_valid(expected, offered) is ok


@pytest.mark.parametrize(
    ("ip", "ok"),
    [
        ("91.216.25.0", True),
        ("91.216.25.255", True),
        ("91.216.24.255", False),
        ("91.216.26.1", False),
        ("::ffff:91.216.25.1", False),
        ("not-an-ip", False),
        (None, False),
    ],
)
def test_inpost_source_range(ip, ok):
    assert inpost.source_allowed(ip) is ok


# --- ShipX confirmation (httpx.MockTransport speaking GET /v1/tracking/{number}) ---------------------------


def _shipx(handler) -> inpost.ShipXClient:
    return inpost.ShipXClient("https://shipx.test", "api-token", transport=httpx.MockTransport(handler))


TRACKING = {
    "tracking_number": PARCEL,
    "status": "ready_to_pickup",
    "custom_attributes": {
        "size": "B",
        "target_machine_id": "KRA010",
        "target_machine_detail": {
            "name": "KRA010",
            "address": {"line1": "ul. Zielona 5", "line2": "30-001 Kraków"},
        },
    },
    "tracking_details": [
        {
            "status": "ready_to_pickup",
            "origin_status": "...",
            "agency": "KRA010",
            "datetime": "2025-01-16T09:15",
        },
        {"status": "confirmed", "origin_status": "...", "agency": None, "datetime": "2025-01-15T10:30"},
    ],
    "expected_flow": [],
}


def _event(code: str) -> object:
    doc = json.loads(sample("inpost/status_ready_to_pickup.json"))
    doc["payload"]["status"] = code
    return inpost.parse(json.dumps(doc).encode())


def test_shipx_confirms_a_status_it_lists_and_brings_the_point():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("authorization")))
        return httpx.Response(200, json=TRACKING)

    answer = _shipx(handler).confirm(_event("ready_to_pickup"))
    assert answer == inpost.Confirmation(
        inpost.Verdict.CONFIRMED, "KRA010", "KRA010", "ul. Zielona 5, 30-001 Kraków"
    )
    assert seen == [("GET", f"/v1/tracking/{PARCEL}", "Bearer api-token")]
    assert _shipx(handler).confirm(_event("CONFIRMED")).verdict is inpost.Verdict.CONFIRMED  # any case


@pytest.mark.parametrize(
    ("handler", "verdict"),
    [
        (lambda r: httpx.Response(200, json=TRACKING), inpost.Verdict.CONTRADICTED),  # delivered not listed
        (lambda r: httpx.Response(404, json={"error": "resource_not_found"}), inpost.Verdict.CONTRADICTED),
        (lambda r: httpx.Response(503, text="upstream"), inpost.Verdict.UNAVAILABLE),
        (lambda r: httpx.Response(429, json={}), inpost.Verdict.UNAVAILABLE),
        (lambda r: httpx.Response(401, json={"error": "token_invalid"}), inpost.Verdict.UNAVAILABLE),
        (lambda r: httpx.Response(200, text="<html>maintenance</html>"), inpost.Verdict.UNAVAILABLE),
    ],
)
def test_shipx_verdicts(handler, verdict):
    assert _shipx(handler).confirm(_event("delivered")).verdict is verdict


@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_shipx_down_is_unavailable_never_an_exception(error):
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("down", request=request)

    assert _shipx(handler).confirm(_event("delivered")).verdict is inpost.Verdict.UNAVAILABLE


def test_statuses_that_need_confirmation():
    assert {s for s in S if inpost.needs_confirmation(s)} == {
        S.READY_FOR_PICKUP,
        S.DELIVERED,
        S.DELIVERY_FAILED,
        S.DELAYED,
        S.EXCEPTION,
        S.RETURNING_TO_SENDER,
        S.RETURNED,
        S.CANCELLED,
    }


# --- AfterShip ----------------------------------------------------------------------------------------------

VECTOR_BODY = b'{"event":"tracking_update","msg":{"tag":"Delivered"}}'
VECTOR_SECRET = "aftership-test-secret"
# `openssl dgst -sha256 -hmac aftership-test-secret -binary | base64` over VECTOR_BODY
VECTOR_SIGNATURE = "Wi52Lq5cSNF4GkKPtcUWwpgLF58mAofdLmKhqOldwFQ="


def test_aftership_signature_vector():
    assert aftership.sign(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SIGNATURE
    assert aftership.verify(VECTOR_SECRET, {"aftership-hmac-sha256": VECTOR_SIGNATURE}, VECTOR_BODY)


@pytest.mark.parametrize(
    ("secret", "headers", "body"),
    [
        (
            VECTOR_SECRET,
            {"aftership-hmac-sha256": VECTOR_SIGNATURE},
            VECTOR_BODY.replace(b"Delivered", b"Delivere"),
        ),
        (VECTOR_SECRET, {"aftership-hmac-sha256": VECTOR_SIGNATURE}, VECTOR_BODY + b" "),
        ("other-secret", {"aftership-hmac-sha256": VECTOR_SIGNATURE}, VECTOR_BODY),
        ("", {"aftership-hmac-sha256": aftership.sign("", VECTOR_BODY)}, VECTOR_BODY),  # unset secret
        (VECTOR_SECRET, {}, VECTOR_BODY),
        (VECTOR_SECRET, {"aftership-hmac-sha256": VECTOR_SIGNATURE.lower()}, VECTOR_BODY),
    ],
)
def test_aftership_tampered_or_unsigned_is_refused(secret, headers, body):
    assert not aftership.verify(secret, headers, body)


AFTERSHIP_SAMPLES = [
    # file, carrier, status, raw code, UTC time of the latest checkpoint
    ("attempt_fail.json", "dpd", S.DELIVERY_FAILED, "AttemptFail_002", "2025-03-06T12:50:00"),
    (
        "available_for_pickup.json",
        "inpost",
        S.READY_FOR_PICKUP,
        "AvailableForPickup_001",
        "2025-03-04T12:11:00",
    ),
    ("delivered.json", "inpost", S.DELIVERED, "Delivered_002", "2025-03-05T12:55:00"),
    ("exception_lost.json", "dpd", S.EXCEPTION, "Exception_013", "2025-03-11T12:30:00"),
    # AfterShip's docs: _011 "returned to sender" is back at the sender (couriers.md section 1 has it swapped)
    ("exception_returned_to_sender.json", "inpost", S.RETURNED, "Exception_011", "2025-03-13T12:50:00"),
    (
        "exception_returning_to_sender.json",
        "inpost",
        S.RETURNING_TO_SENDER,
        "Exception_010",
        "2025-03-10T12:50:00",
    ),
]


@pytest.mark.parametrize(("name", "carrier", "status", "code", "utc"), AFTERSHIP_SAMPLES)
def test_aftership_samples_parse(name, carrier, status, code, utc):
    doc = json.loads(sample(f"aftership/{name}"))
    event = aftership.parse(sample(f"aftership/{name}"))
    assert (event.source, event.carrier, event.tracking_number) == (
        "aftership",
        carrier,
        doc["msg"]["tracking_number"],
    )
    assert (event.status, event.raw_code, event.raw_text) == (status, code, doc["msg"]["subtag_message"])
    assert event.occurred_at == datetime.fromisoformat(utc).replace(tzinfo=UTC)


def test_aftership_drops_the_buyers_personal_data():
    doc = json.loads(sample("aftership/delivered.json"))
    doc["msg"] |= {
        "emails": ["anna@example.com"],
        "smses": ["+48600100200"],
        "customer_name": "Anna Kowalska",
    }
    doc["msg"]["checkpoints"][-1]["location"] = "ul. Testowa 1, Kraków"
    raw = json.dumps(aftership.parse(json.dumps(doc).encode()).raw, ensure_ascii=False)
    assert "anna@" not in raw and "600100200" not in raw and "Kowalska" not in raw and "Testowa" not in raw


def test_aftership_without_checkpoints_uses_the_webhook_time():
    doc = copy.deepcopy(json.loads(sample("aftership/delivered.json")))
    doc["msg"]["checkpoints"] = []
    assert aftership.parse(json.dumps(doc).encode()).occurred_at == datetime.fromtimestamp(1741179300, UTC)


@pytest.mark.parametrize(
    ("slug", "carrier"),
    [
        ("inpost-paczkomaty", "inpost"),
        ("dpd-poland", "dpd"),
        ("dhl-poland", "dhl"),
        ("poczta-polska", "poczta_polska"),
        ("pocztex", "poczta_polska"),
        ("orlen-paczka", "orlen"),
        ("paczka-w-ruchu", "orlen"),
        ("royal-mail", "royal_mail"),
    ],
)
def test_aftership_slugs(slug, carrier):
    assert carrier_id(slug) == carrier


def test_aftership_other_events_are_ignored_and_broken_ones_refused():
    assert aftership.parse(json.dumps({"event": "edd_revise", "msg": {}}).encode()) is None
    with pytest.raises(MalformedBody):
        aftership.parse(json.dumps({"event": "tracking_update", "msg": {"tag": "Delivered"}}).encode())


# --- generic canonical events -------------------------------------------------------------------------------

GENERIC = {
    "carrier": "DHL",
    "tracking_number": "00340434161094042557",
    "status": "ready_for_pickup",
    "raw_code": "OWL",
    "occurred_at": "2026-11-21T10:00:00+01:00",
    "point_name": "DHL POP",
    "is_return": False,
}


def _generic(data: dict, kind: str = "tracking.event") -> bytes:
    return json.dumps({"type": kind, "timestamp": "2026-11-21T09:00:01Z", "data": data}).encode()


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({}, S.READY_FOR_PICKUP, "OWL"),
        ({"status": "LOST_IN_SPACE"}, S.UNKNOWN, "OWL"),
        ({"status": "DELIVERED", "raw_code": None}, S.DELIVERED, "DELIVERED"),
    ],
)
def test_generic_events(changes, status, code):
    event = tracking_generic.parse(_generic(GENERIC | changes))
    assert (event.carrier, event.status, event.raw_code, event.source) == ("dhl", status, code, "generic")
    assert event.occurred_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_generic_other_types_ignored_and_invalid_fields_named():
    # Another tracking event type is acknowledged and ignored...
    assert tracking_generic.parse(_generic(GENERIC, "tracking.deleted")) is None
    # ...but an event of another route's namespace (signed with the shared secret) is refused.
    with pytest.raises(MalformedBody, match="not for this route"):
        tracking_generic.parse(_generic(GENERIC, "order.updated"))
    with pytest.raises(MalformedBody) as error:
        tracking_generic.parse(_generic({k: v for k, v in GENERIC.items() if k != "occurred_at"}))
    assert error.value.reason == "invalid fields: occurred_at"


# --- who may call -------------------------------------------------------------------------------------------

SECRETS = Secrets(link_signing_key="k" * 16, inpost_webhook_token="tok", aftership_webhook_secret="as")


def _request(source: str, token: str | None = None, ip: str = "91.216.25.9", **kw) -> couriers.CourierRequest:
    return couriers.CourierRequest(source, kw.get("headers", {}), kw.get("body", b""), token, ip)


def test_caller_checks():
    couriers.check_caller(_request("inpost", "tok"), SECRETS, True)
    couriers.check_caller(_request("inpost", "tok", ip="127.0.0.1"), SECRETS, False)
    with pytest.raises(InvalidSignature, match="source address"):
        couriers.check_caller(_request("inpost", "tok", ip="127.0.0.1"), SECRETS, True)
    with pytest.raises(InvalidSignature, match="token"):
        couriers.check_caller(_request("inpost", "TOK"), SECRETS, True)
    with pytest.raises(UnknownSource):
        couriers.check_caller(_request("fedex"), SECRETS, True)
    with pytest.raises(InvalidSignature):
        couriers.verify_and_parse(_request("aftership", body=VECTOR_BODY), SECRETS, 0, True)
    signed = {"aftership-hmac-sha256": aftership.sign("as", sample("aftership/delivered.json"))}
    event = couriers.verify_and_parse(
        _request("aftership", headers=signed, body=sample("aftership/delivered.json")), SECRETS, 0, True
    )
    assert event.status is S.DELIVERED
