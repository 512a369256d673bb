"""Courier webhooks end to end: the real handler in-process against moto; ShipX is an httpx.MockTransport."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import UTC, date, datetime

import httpx
import pytest

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from tests import usecases
from tests.factories import (
    PARCEL,
    aftership_body,
    aftership_webhook,
    inpost_body,
    inpost_webhook,
    shipx_tracking,
    tracking_webhook,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from zwrotnica.dispatch import sweeps
from zwrotnica.domain import returns
from zwrotnica.providers import inpost
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import tickets

pytestmark = pytest.mark.integration
RETURN_PARCEL = "522107010621008001205984"


class FakeShipX:
    """ShipX's tracking read: knows what InPost pushed (unless told otherwise), or is down."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[str]] = {}
        self.down = False
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        number = request.url.path.rsplit("/", 1)[-1]
        with self.lock:
            self.calls.append(number)
        if self.down:
            raise httpx.ConnectTimeout("shipx down", request=request)
        if request.url.path != f"/v1/tracking/{number}" or number not in self.statuses:
            return httpx.Response(404, json={"status": 404, "error": "resource_not_found"})
        return httpx.Response(200, json=shipx_tracking(number, self.statuses[number]))


@pytest.fixture
def shipx(stack):
    fake = FakeShipX()
    inpost.use_transport(httpx.MockTransport(fake.handler))
    yield fake
    inpost.use_transport(None)


def push(context, shipx: FakeShipX, status: str, *, number: str = PARCEL, **fields) -> dict:
    """ShipX pushes a status; its tracking API knows it from then on (as the real one does)."""
    shipx.statuses.setdefault(number, []).append(
        status if fields.get("event") != "shipment_confirmed" else "confirmed"
    )
    return couriers(inpost_webhook(status, number=number, **fields), context)


def body(response: dict) -> dict:
    return json.loads(response["body"])


def order_with_parcel(
    context, number: str = "1001", tracking: str = PARCEL, provider: str = "InPost"
) -> None:
    assert orders(woo_webhook(woo_order_shipped(number, tracking, provider)), context)["statusCode"] == 200


def notices(order_number: str) -> Counter:
    """Shipment notices per template (an SMS and an e-mail of the same state change count once each)."""
    return Counter(
        m.template for m in outbox_store.list_for_order(order_number) if m.template.startswith("ship")
    )


def shipment(order_number: str = "1001", number: str = PARCEL, carrier: str = "inpost") -> dict:
    item = shipment_store.get(order_number, carrier, number)
    assert item is not None
    return item


def parcel_timeline(order_number: str = "1001") -> list[dict]:
    return [t for t in order_store.load_view(order_number).timeline if t["kind"] == "shipment"]


# --- who may call ----------------------------------------------------------------------------------------


def test_inpost_url_check_answers_200_only_with_the_token(stack, context):
    assert couriers(inpost_webhook(method="GET"), context)["statusCode"] == 200
    assert couriers(inpost_webhook(method="GET", token="wrong"), context)["statusCode"] == 401
    assert couriers(inpost_webhook(method="GET", token=None), context)["statusCode"] == 401


@pytest.mark.parametrize(
    ("token", "source_ip", "reason"),
    [
        (None, "91.216.25.17", "invalid or missing token"),
        ("dev-inpost-token-4f1c2b", "91.216.25.17", "invalid or missing token"),
        ("dev-inpost-token-4f1c2a", "91.216.26.17", "source address not allowed"),
    ],
)
def test_inpost_push_without_the_secret_or_from_elsewhere_is_401_and_nothing_stored(
    stack, context, sent, shipx, token, source_ip, reason
):
    order_with_parcel(context)
    response = couriers(inpost_webhook("delivered", token=token, source_ip=source_ip), context)
    assert (response["statusCode"], body(response)["message"]) == (401, reason)
    assert "status" not in shipment() and parcel_timeline() == []
    assert shipx.calls == [] and len(sent.emails) == 1  # the order's own e-mail only


def test_source_check_is_off_when_configured(stack, context, shipx, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setitem(os.environ, "INPOST_SOURCE_CHECK", "false")
    get_settings.cache_clear()
    order_with_parcel(context)
    assert push(context, shipx, "out_for_delivery", source_ip="127.0.0.1")["statusCode"] == 200
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": "wrong-secret"}, {"signature": ""}, {"signature": "bm90IGEgc2lnbmF0dXJl"}],
)
def test_aftership_bad_signature_is_401(stack, context, kwargs):
    response = couriers(aftership_webhook(**kwargs), context)
    assert response["statusCode"] == 401
    assert shipment_store.find("inpost", PARCEL) == (None, None)


def test_unknown_source_is_404_and_malformed_bodies_are_400_with_a_reason(stack, context):
    invalid = couriers(tracking_webhook({"carrier": "dhl", "status": "DELIVERED"}), context)
    assert invalid["statusCode"] == 400
    assert body(invalid)["message"] == "invalid fields: occurred_at, tracking_number"
    event = aftership_webhook()
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/webhooks/couriers/fedex"
    assert couriers(event, context)["statusCode"] == 404
    not_json = couriers(inpost_webhook(body=b"{not json"), context)
    assert (not_json["statusCode"], body(not_json)["message"]) == (400, "body is not valid JSON")
    bad_time = couriers(inpost_webhook(body=inpost_body(at="2025-03-03T07:42:19Z")), context)
    assert bad_time["statusCode"] == 400 and "event_ts" in body(bad_time)["message"]


# --- a parcel's life ----------------------------------------------------------------------------------------


def test_locker_parcel_one_message_per_state_change(stack, context, sent, shipx):
    order_with_parcel(context)
    steps = [
        ("created", {"event": "shipment_confirmed", "at": "2025-03-01 10:30:00 +0100"}, "apply"),
        ("taken_by_courier", {"at": "2025-03-01 17:02:00 +0100"}, "apply"),
        ("adopted_at_sorting_center", {"at": "2025-03-02 02:10:00 +0100"}, "refresh"),
        ("out_for_delivery", {"at": "2025-03-03 07:42:19 +0100"}, "apply"),
        ("ready_to_pickup", {"at": "2025-03-03 13:11:05 +0100"}, "apply"),
        ("pickup_reminder_sent", {"at": "2025-03-04 13:11:05 +0100"}, "refresh"),
        ("delivered", {"at": "2025-03-04 18:20:00 +0100"}, "apply"),
    ]
    for status, fields, result in steps:
        response = push(context, shipx, status, **fields)
        assert (response["statusCode"], body(response)) == (200, {"result": result}), status
    assert notices("1001") == {
        "shipment_shipped": 1,  # e-mail
        "shipment_out_for_delivery": 1,  # SMS
        "shipment_ready_for_pickup": 2,  # SMS + e-mail
        "shipment_pickup_reminder": 1,  # SMS
        "shipment_delivered": 1,  # e-mail
    }
    item = shipment()
    assert (item["status"], item["raw_code"], item["confirmed"]) == ("DELIVERED", "delivered", True)
    assert item["possessed_at"] == "2025-03-04T17:20:00.000000Z"
    assert returns.possession(order_store.load_view("1001").shipments) == ([date(2025, 3, 4)], True)
    assert "queue" not in item  # delivered parcels cannot go silent
    ready = next(
        m for m in outbox_store.list_for_order("1001") if m.template == "shipment_ready_for_pickup" and m.html
    )
    assert "Paczkomacie KRA010" in ready.text and "ul. Zielona 5, 30-001 Kraków" in ready.text
    assert "do środy, 5 marca, godz. 13:11" in ready.text  # 48 h in Warsaw time
    assert "https://inpost.pl/sledzenie-przesylek?number=" + PARCEL in ready.text
    assert "https://sklep.example.com/api/orders/1001/status?t=" in ready.text
    delivered = next(e for e in sent.emails if e.subject == "Zamówienie nr 1001 dotarło – dziękujemy!")
    assert delivered.destinations["ToAddresses"] == ["anna.kowalska@example.com"]
    status = body(orders(_status_request(), context))
    assert status["shipments"][0]["status"] == {"code": "DELIVERED", "label": "Doręczona"}
    assert len(parcel_timeline()) == len(steps)
    assert shipx.calls == [PARCEL] * 3  # ready, its reminder and delivered: they tell the customer


def _status_request() -> dict:
    from tests.factories import api_event

    return api_event("GET", "/orders/1001/status", query="email=anna.kowalska%40example.com")


def test_late_event_never_moves_back_but_is_kept_in_the_timeline(stack, context, shipx):
    order_with_parcel(context)
    assert body(push(context, shipx, "delivered", at="2025-03-04 18:20:00 +0100")) == {"result": "apply"}
    late = push(context, shipx, "out_for_delivery", at="2025-03-03 07:42:19 +0100")
    assert body(late) == {"result": "record"}
    again = couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    assert body(again) == {"result": "duplicate"}  # the event marker refuses a second line
    assert shipment()["status"] == "DELIVERED"
    assert sorted(t["data"]["raw_code"] for t in parcel_timeline()) == ["delivered", "out_for_delivery"]
    assert notices("1001") == {"shipment_delivered": 1}


def test_exact_duplicate_is_a_no_op(stack, context, sent, shipx):
    order_with_parcel(context)
    first = push(context, shipx, "delivered", at="2025-03-04 18:20:00 +0100")
    again = couriers(inpost_webhook("delivered", at="2025-03-04 18:20:00 +0100"), context)
    assert (body(first), body(again)) == ({"result": "apply"}, {"result": "duplicate"})
    assert len(parcel_timeline()) == 1 and notices("1001") == {"shipment_delivered": 1}
    assert [e.subject for e in sent.emails].count("Zamówienie nr 1001 dotarło – dziękujemy!") == 1


def test_unknown_number_is_held_answered_200_then_applied_when_an_order_update_names_it(
    stack, context, shipx
):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    early = push(context, shipx, "confirmed", event="shipment_confirmed", at="2025-03-01 10:30:00 +0100")
    ready = push(context, shipx, "ready_to_pickup", at="2025-03-03 13:11:05 +0100")
    again = couriers(inpost_webhook("ready_to_pickup", at="2025-03-03 13:11:05 +0100"), context)
    assert [(r["statusCode"], body(r)["result"]) for r in (early, ready, again)] == [
        (200, "unmatched"),  # received: ShipX asks for 200, and AfterShip would resend a non-2xx
        (200, "unmatched"),
        (200, "duplicate"),
    ]
    assert parcel_timeline() == []
    update = woo_order_shipped("1001", modified="2026-11-20T15:00:00")
    assert orders(woo_webhook(update, topic="order.updated"), context)["statusCode"] == 200
    assert shipment()["status"] == "READY_FOR_PICKUP"
    assert len(parcel_timeline()) == 2
    assert notices("1001") == {"shipment_ready_for_pickup": 2}  # where the parcel is now, not its history
    assert shipment_store.find("inpost", PARCEL)[1] is None  # the holder is gone
    assert body(push(context, shipx, "delivered", at="2025-03-04 18:20:00 +0100")) == {"result": "apply"}


def test_shipx_contradicting_the_push_means_no_action(stack, context, sent, shipx):
    order_with_parcel(context)
    shipx.statuses[PARCEL] = ["confirmed", "taken_by_courier"]
    response = couriers(inpost_webhook("delivered", at="2025-03-04 18:20:00 +0100"), context)
    assert (response["statusCode"], body(response)) == (200, {"result": "refuted"})
    assert "status" not in shipment() and notices("1001") == {}
    [line] = parcel_timeline()
    assert line["data"]["confirmed"] is False and "czeka na potwierdzenie" in line["text_pl"]


def test_shipx_down_acts_on_the_push_and_marks_it_unconfirmed(stack, context, sent, shipx):
    order_with_parcel(context)
    shipx.down = True
    response = couriers(inpost_webhook("delivered", at="2025-03-04 18:20:00 +0100"), context)
    assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
    assert (shipment()["status"], shipment()["confirmed"]) == ("DELIVERED", False)
    assert parcel_timeline()[0]["data"]["confirmed"] is False
    assert notices("1001") == {"shipment_delivered": 1}


def test_failed_delivery_apologises_and_opens_one_logistics_ticket_without_personal_data(
    stack, context, shipx
):
    order_with_parcel(context)
    push(context, shipx, "out_for_delivery_to_address", at="2025-03-03 07:42:19 +0100")
    response = push(context, shipx, "undelivered_wrong_address", at="2025-03-03 15:00:00 +0100")
    assert body(response) == {"result": "apply"}
    messages = [m for m in outbox_store.list_for_order("1001") if m.template == "shipment_problem"]
    assert sorted(m.channel.value for m in messages) == ["email", "sms"]
    email = next(m for m in messages if m.channel.value == "email")
    assert email.subject == "Przepraszamy – kłopot z doręczeniem zamówienia nr 1001"
    assert "Co dalej:" in email.text
    ticket = tickets.get(
        tickets.ticket_id_for(
            f"shipment:inpost:{PARCEL}:undelivered_wrong_address:2025-03-03T14:00:00.000000Z"
        )
    )
    assert (ticket["category"], ticket["team"]) == ("delivery", "logistics")
    dumped = json.dumps(ticket, default=str)
    assert "anna.kowalska" not in dumped and "600100200" not in dumped


def test_zdn_return_parcel_is_its_own_shipment_and_never_moves_the_outbound_one(stack, context, shipx):
    order_with_parcel(context)
    zdn = push(
        context, shipx, "returned_to_sender", at="2025-03-06 09:14:10 +0100", return_number=RETURN_PARCEL
    )
    assert body(zdn) == {"result": "apply"}
    assert shipment()["status"] == "RETURNING_TO_SENDER"
    back = push(context, shipx, "delivered", number=RETURN_PARCEL, at="2025-03-08 11:00:00 +0100")
    assert body(back) == {"result": "apply"}
    returned = shipment(number=RETURN_PARCEL)
    assert (returned["is_return"], returned["status"], returned.get("possessed_at")) == (
        True,
        "RETURNED",
        None,
    )
    assert shipment()["status"] == "RETURNING_TO_SENDER"
    assert returns.possession(order_store.load_view("1001").shipments) == ([], False)
    assert notices("1001") == {"shipment_problem": 2}  # the outbound parcel's "wraca do nas", SMS + e-mail


def test_aftership_dpd_failed_attempt(stack, context, shipx):
    order_with_parcel(context, "2001", "1000635967411U", provider="DPD Poland")
    response = couriers(aftership_webhook(aftership_body("attempt_fail.json")), context)
    assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
    item = shipment("2001", "1000635967411U", "dpd")
    assert (item["status"], item["raw_code"]) == ("DELIVERY_FAILED", "AttemptFail_002")
    assert shipx.calls == []  # signed source: no confirmation read


def test_generic_canonical_event(stack, context, shipx):
    order_with_parcel(context, "2002", "00340434161094042557", provider="DHL")
    data = {
        "carrier": "dhl",
        "tracking_number": "00340434161094042557",
        "status": "READY_FOR_PICKUP",
        "raw_code": "OWL",
        "occurred_at": "2026-11-21T10:00:00+01:00",
        "point_name": "DHL POP Żabka",
        "point_address": "ul. Długa 1, 00-001 Warszawa",
    }
    assert body(couriers(tracking_webhook(data), context)) == {"result": "apply"}
    [email] = [m for m in outbox_store.list_for_order("2002") if m.template.endswith("pickup") and m.html]
    assert "punkcie odbioru DHL POP Żabka" in email.text and "ul. Długa 1, 00-001 Warszawa" in email.text


def test_silent_parcel_gets_a_ticket_and_the_customer_one_message_once(stack, context, shipx):
    order_with_parcel(context)
    push(context, shipx, "taken_by_courier", at="2025-03-03 10:00:00 +0100")  # Monday
    assert shipment()["due_at"] == "2025-03-05T09:00:00.000000Z"  # 48 working hours: Wednesday
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert sweeps.flag_silent(now, 25) == 1
    assert sweeps.flag_silent(now, 25) == 0
    assert notices("1001")["shipment_silent"] == 1
    push(context, shipx, "adopted_at_sorting_center", at="2025-03-06 10:00:00 +0100")
    assert shipment()["queue"] == "silent"
    assert sweeps.flag_silent(now, 25) == 1
    assert notices("1001")["shipment_silent"] == 1  # once per shipment
    ticket = tickets.get(tickets.ticket_id_for(f"silent:inpost:{PARCEL}:2025-03-05T09:00:00.000000Z"))
    assert ticket["category"] == "delivery" and len(ticket["notes"]) == 2


def test_silent_clock_is_not_moved_by_each_event_but_rings_only_after_48_working_hours_of_silence(
    stack, context, shipx
):
    order_with_parcel(context)
    push(context, shipx, "taken_by_courier", at="2025-03-03 10:00:00 +0100")  # Monday
    push(context, shipx, "adopted_at_sorting_center", at="2025-03-04 10:00:00 +0100")  # Tuesday
    assert shipment()["due_at"] == "2025-03-05T09:00:00.000000Z"  # the first event's clock, not moved
    wednesday = datetime(2025, 3, 5, 9, 30, tzinfo=UTC)  # 48 working hours after Monday, 24 after Tuesday
    assert sweeps.flag_silent(wednesday, 25) == 0  # news came since: the clock moves to Tuesday's due
    assert shipment()["due_at"] == "2025-03-06T09:00:00.000000Z" and shipment()["queue"] == "silent"
    assert sweeps.flag_silent(wednesday, 25) == 0 and notices("1001")["shipment_silent"] == 0
    thursday = datetime(2025, 3, 6, 9, 30, tzinfo=UTC)
    assert sweeps.flag_silent(thursday, 25) == 1
    assert notices("1001")["shipment_silent"] == 1
    assert tickets.get(tickets.ticket_id_for(f"silent:inpost:{PARCEL}:2025-03-06T09:00:00.000000Z"))


def test_label_without_a_first_scan_goes_silent_after_24_hours(stack, context, shipx):
    order_with_parcel(context)
    push(context, shipx, "confirmed", event="shipment_confirmed", at="2025-03-07 16:00:00 +0100")  # Friday
    assert shipment()["due_at"] == "2025-03-08T15:00:00.000000Z"


@pytest.fixture
def serializable_dynamodb(monkeypatch):
    """DynamoDB serializes writes and transactions; moto's in-process backend shared by threads does not."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("transact_write_items", "put_item", "update_item", "delete_item", "get_item", "query"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def test_twenty_concurrent_deliveries_change_state_once_and_send_once(
    stack, context, sent, shipx, serializable_dynamodb
):
    order_with_parcel(context)
    push(context, shipx, "ready_to_pickup", at="2025-03-03 13:11:05 +0100")
    shipx.statuses[PARCEL].append("delivered")
    barrier = threading.Barrier(20)
    results: list[str] = []

    def deliver() -> None:
        event = inpost_webhook("delivered", at="2025-03-04 18:20:00 +0100")
        barrier.wait()
        response = couriers(event, context)
        results.append(f"{response['statusCode']} {body(response).get('result')}")

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(results) == {"200 apply": 1, "200 duplicate": 19}
    assert shipment()["status"] == "DELIVERED" and shipment()["rev"] == 2
    assert [e.subject for e in sent.emails].count("Zamówienie nr 1001 dotarło – dziękujemy!") == 1
    assert notices("1001")["shipment_delivered"] == 1


def test_round_trips_per_webhook(stack, context, shipx):
    """Target: one query for the shipment's key, one consistent read of the shipment (the lookup index
    holds keys only: a courier event never writes it), one transaction; then one update per message sent."""
    from zwrotnica.store.table import client

    order_with_parcel(context)
    calls: Counter[str] = Counter()

    def count(model, **_: object) -> None:
        calls[model.name] += 1

    client().meta.events.register("before-call.dynamodb.*", count)
    try:
        push(context, shipx, "delivered", at="2025-03-04 18:20:00 +0100")  # one e-mail
        assert dict(calls) == {"Query": 1, "GetItem": 1, "TransactWriteItems": 1, "UpdateItem": 1}
        calls.clear()
        couriers(inpost_webhook("delivered", at="2025-03-04 18:20:00 +0100"), context)
        assert dict(calls) == {
            "Query": 1,
            "GetItem": 1,
        }  # a retry of the last applied event: the read says so
        calls.clear()
        couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
        # late: a timeline line only, and the event log's item riding the same commit (issue 18: the log
        # costs no extra round trip; two items are a transaction where the line alone was a PutItem)
        assert dict(calls) == {"Query": 1, "GetItem": 1, "TransactWriteItems": 1}
        calls.clear()
        couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
        # its retry: the marker refuses it, so the whole commit, log item included, is a no-op
        assert dict(calls) == {"Query": 1, "GetItem": 1, "TransactWriteItems": 1}
    finally:
        client().meta.events.unregister("before-call.dynamodb.*", count)


def test_a_ticket_waiting_on_the_courier_resumes_when_the_parcel_moves(shipx, context):
    from datetime import UTC, datetime

    from zwrotnica.models.ticket import TicketCategory, TicketRequest
    from zwrotnica.store import tickets

    # Given a delivery ticket the team put on hold until the courier answers
    order_with_parcel(context)
    push(context, shipx, "taken_by_courier")
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            category=TicketCategory.DELIVERY,
            subject="Gdzie paczka?",
            note="Klient pyta o paczkę.",
            source_ref="test:where",
            at=datetime.now(UTC),
        )
    )
    usecases.pending(ticket_id, "courier", datetime.now(UTC))
    paused = tickets.get(ticket_id)
    assert paused["status"] == "pending_third_party"  # its resolution clock is stopped
    assert shipment()["paused_ticket"] == ticket_id
    # When the parcel moves
    push(context, shipx, "out_for_delivery")
    # Then the ticket is open again, its clock runs, and the parcel no longer carries the mark
    resumed = tickets.get(ticket_id)
    assert resumed["status"] == "open" and resumed["queue"] == "sla"
    assert "paused_ticket" not in shipment()


@pytest.mark.parametrize("consent", ["yes", "no"])
def test_review_request_three_days_after_delivery_only_with_consent(shipx, context, monkeypatch, consent):
    from datetime import timedelta

    from zwrotnica.settings import get_settings

    monkeypatch.setenv("REVIEW_URL", "https://sklep.example.com/opinie")
    get_settings.cache_clear()
    order = woo_order_shipped("1001", PARCEL)
    order["meta_data"] = [m for m in order["meta_data"] if m["key"] != "_marketing_consent"]
    order["meta_data"].append({"key": "_marketing_consent", "value": consent})
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    push(context, shipx, "delivered", at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S +0000"))
    reviews = [m for m in outbox_store.list_for_order("1001") if m.template == "review_request"]
    if consent == "no":
        assert reviews == []
        return
    [review] = reviews
    delivered = shipment()["possessed_at"]
    assert review.kind == "marketing" and review.status == "pending"
    assert review.due_at.isoformat().startswith(
        (datetime.fromisoformat(delivered.replace("Z", "+00:00")) + timedelta(days=3)).date().isoformat()
    )
    assert "https://sklep.example.com/opinie" in review.html
    # Why it came, and the one-click way to stop it (the same signed link its headers will carry).
    assert "zgody na otrzymywanie informacji handlowych" in review.text
    assert review.unsubscribe_url and review.unsubscribe_url in review.text
    assert review.unsubscribe_url.startswith("https://sklep.example.com/api/orders/1001/unsubscribe?t=")


def test_a_long_carrier_payload_is_kept_compressed_and_cut_in_the_events_line(stack, context, shipx):
    """Issue 19: the line is written with every event, in a transaction (2 units per started KB)."""
    from infra.perf.units import item_size
    from zwrotnica.store import timeline
    from zwrotnica.store.table import client, to_item

    order_with_parcel(context, "2001", "1000635967411U", provider="DPD Poland")
    words = " ".join(f"punkt{n} magazyn{n * 7 % 13} trasa{n * 11 % 17}" for n in range(400))
    response = couriers(aftership_webhook(aftership_body("attempt_fail.json", subtag_message=words)), context)
    assert response["statusCode"] == 200
    items = client().query(
        TableName="ZwrotnicaTable",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :t)",
        ExpressionAttributeValues=to_item({":pk": "ORDER#2001", ":t": "T#"}),
    )["Items"]
    [line] = [i for i in items if "shipment" in i["sk"]["S"]]
    data = line["data"]["M"]
    assert "raw" not in data and len(data["raw_z"]["B"]) <= timeline.RAW_BUDGET
    assert item_size(line) < 1024  # one write unit, where the 4,000 characters kept took five
    kept = timeline.raw_text({"data": {"raw_z": data["raw_z"]["B"]}})
    assert kept.startswith('{"event": "tracking_update"') and "punkt1 magazyn7" in kept
    assert 500 < len(kept) < len(words)  # cut, at a character, to what fits


def test_every_courier_route_answers_a_held_event_as_received(stack, context, shipx):
    """No order names the parcel yet: each route answers what its provider counts as received (ShipX
    documents 200, AfterShip resends any non-2xx 14 times, Standard Webhooks any non-2xx), and a
    redelivery is received again without a second copy held."""
    generic = {
        "carrier": "dhl",
        "tracking_number": "00340434161094042557",
        "status": "IN_TRANSIT",
        "raw_code": "DOR",
        "occurred_at": "2026-11-21T10:00:00+01:00",
    }
    deliveries = {
        "inpost": lambda: inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"),
        "aftership": lambda: aftership_webhook(aftership_body(tracking_number="620000000000000000000999")),
        "generic": lambda: tracking_webhook(generic),
    }
    shipx.statuses[PARCEL] = ["out_for_delivery"]
    for route, delivery in deliveries.items():
        first, again = couriers(delivery(), context), couriers(delivery(), context)
        assert (first["statusCode"], body(first)) == (200, {"result": "unmatched"}), route
        assert (again["statusCode"], body(again)) == (200, {"result": "duplicate"}), route


def test_a_carriers_delivery_estimate_is_kept_on_the_parcel_and_shown_on_its_status_page(
    stack, context, shipx
):
    """AfterShip's `latest_estimated_delivery` (its documented {type, source, datetime, datetime_min,
    datetime_max}) is stored on the shipment; a later event without one keeps it; the page shows it."""
    order_with_parcel(context, "2001", "1000635967411U", provider="DPD Poland")

    def moving(at: str, estimate: dict | None) -> dict:
        doc = aftership_body("attempt_fail.json", tag="InTransit", subtag="InTransit_001")
        doc["msg"]["checkpoints"] = [
            {"tag": "InTransit", "subtag": "InTransit_001", "message": "Sorting", "checkpoint_time": at}
        ]
        doc["event_id"] = f"evt-{at}"
        if estimate:
            doc["msg"]["latest_estimated_delivery"] = estimate
        return doc

    estimate = {
        "type": "range",
        "source": "Carrier Estimated Delivery Date",
        "datetime": None,
        "datetime_min": "2025-03-07T09:00:00+01:00",
        "datetime_max": "2025-03-08T18:00:00+01:00",
    }
    assert (
        couriers(aftership_webhook(moving("2025-03-06T08:00:00+01:00", estimate)), context)["statusCode"]
        == 200
    )
    assert (
        shipment("2001", "1000635967411U", "dpd")["expected_delivery"] == "2025-03-08"
    )  # the promise we keep
    assert (
        couriers(aftership_webhook(moving("2025-03-06T13:00:00+01:00", None)), context)["statusCode"] == 200
    )
    item = shipment("2001", "1000635967411U", "dpd")
    assert (item["status"], item["expected_delivery"]) == ("IN_TRANSIT", "2025-03-08")
    from tests.factories import api_event

    page = orders(
        api_event(
            "GET",
            "/orders/2001/status",
            query="email=anna.kowalska%40example.com",
            headers={"accept": "text/html"},
        ),
        context,
    )
    assert page["statusCode"] == 200
    assert "Przewidywana dostawa" in page["body"] and "8 marca 2025" in page["body"]
