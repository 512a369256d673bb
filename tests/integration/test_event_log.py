"""Every inbound event kept for replay (store.inbound, dispatch.inbound), end to end on moto through the real
handlers and the operator CLI: what is kept (and what is not: personal data, redeliveries), the verdicts of
refused deliveries and their cap, and replays that change nothing or, after a fix, apply."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from courier_webhook.app import lambda_handler as couriers
from infra.cli import main as cli
from order_status.app import lambda_handler as orders
from tests.factories import (
    PARCEL,
    aftership_body,
    aftership_webhook,
    inpost_webhook,
    payu_order_body,
    payu_webhook,
    shipx_tracking,
    tracking_webhook,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from zwrotnica.dispatch import inbound as inbound_dispatch
from zwrotnica.errors import InvalidPayload
from zwrotnica.providers import inpost
from zwrotnica.store import inbound as log_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store

pytestmark = pytest.mark.integration


@pytest.fixture
def shipx(stack):
    """ShipX's tracking read agrees with whatever InPost pushed (the confirmation the flow asks for)."""
    inpost.use_transport(
        httpx.MockTransport(
            lambda r: httpx.Response(200, json=shipx_tracking(PARCEL, ["confirmed", "out_for_delivery"]))
        )
    )
    yield
    inpost.use_transport(None)


def body(response: dict) -> dict:
    return json.loads(response["body"])


def parcel_events(carrier: str = "inpost", number: str = PARCEL) -> list[dict]:
    return log_store.by_lookup(log_store.parcel_lookup(carrier, number))


def day_items(day: datetime | None = None) -> list[dict]:
    return log_store.since((day or datetime.now(UTC)).replace(hour=0, minute=0, second=0), datetime.now(UTC))


def shipment_lines(order: str = "1001") -> list[dict]:
    return [t for t in order_store.load_view(order).timeline if t["kind"] == "shipment"]


def order_with_parcel(context, provider: str = "InPost", number: str = PARCEL) -> None:
    assert orders(woo_webhook(woo_order_shipped("1001", number, provider)), context)["statusCode"] == 200


def cli_run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


# --- what is kept -------------------------------------------------------------------------------------------


def test_a_courier_push_is_kept_with_its_verdict_body_and_what_it_caused_once(stack, context, shipx):
    order_with_parcel(context)
    response = couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    assert body(response) == {"result": "apply"}
    [logged] = parcel_events()
    assert (logged["source"], logged["channel"], logged["verdict"], logged["outcome"]) == (
        "inpost",
        "webhook",
        "verified",
        "apply",
    )
    assert logged["order_number"] == "1001"
    assert (
        json.loads(logged["body"])["payload"]["status"] == "out_for_delivery"
    )  # ShipX's body: no personal data
    assert json.loads(logged["event"])["raw_code"] == "out_for_delivery"
    [line] = shipment_lines()
    assert f"timeline:shipment:{line['ref']}" in logged["caused"]
    assert any(c.startswith("message:shipment_out_for_delivery:sms:") for c in logged["caused"])
    received = datetime.fromisoformat(logged["received_at"].replace("Z", "+00:00"))
    assert logged["expires_at"] == int((received + timedelta(days=30)).timestamp())  # INBOUND_LOG_DAYS
    # InPost delivers it again: a redelivery changes nothing and is not logged a second time
    again = couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    assert body(again) == {"result": "duplicate"} and len(parcel_events()) == 1


def test_an_aftership_event_keeps_the_canonical_event_and_only_the_hash_of_its_body(stack, context):
    order_with_parcel(context, "DPD", "1000635967411U")
    doc = aftership_body("attempt_fail.json", tracking_number="1000635967411U")
    doc["msg"] |= {"emails": ["anna.kowalska@example.com"], "smses": ["+48600100200"]}  # as AfterShip sends
    raw = json.dumps(doc, ensure_ascii=False).encode()
    assert couriers(aftership_webhook(doc), context)["statusCode"] == 200
    [logged] = parcel_events("dpd", "1000635967411U")
    assert "body" not in logged and logged["body_bytes"] == len(raw)
    dumped = json.dumps(logged)
    assert "anna.kowalska" not in dumped and "600100200" not in dumped
    assert json.loads(logged["event"])["status"] == "DELIVERY_FAILED"


def test_payment_and_shop_events_keep_no_buyer_data_and_a_late_status_is_kept_too(stack, context):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    paid = orders(payu_webhook(payu_order_body("1001", "COMPLETED", 26100)), context)
    assert paid["statusCode"] == 200
    late = orders(payu_webhook(payu_order_body("1001", "PENDING", 26100)), context)  # changes nothing
    retried = orders(payu_webhook(payu_order_body("1001", "COMPLETED", 26100)), context)
    assert [body(r)["result"] for r in (late, retried)] == ["ignored", "ignored"]  # both change nothing
    logged = log_store.by_lookup(log_store.order_lookup("1001"))
    outcomes = Counter((e["kind"], e["source"], e["outcome"]) for e in logged)
    # What changed nothing is kept with one PutItem of its own (no commit to ride). A repeat within the
    # same second as its first delivery has the same id: the first record, with what it caused, stays.
    assert outcomes[("order", "woocommerce", "create")] == outcomes[("payment", "payu", "applied")] == 1
    assert outcomes[("payment", "payu", "ignored")] in (1, 2) and outcomes.total() in (3, 4)
    first = next(e for e in logged if e["outcome"] == "applied")
    assert any(c.startswith("message:payment_received") for c in first["caused"])
    dumped = json.dumps(logged)
    assert "anna.kowalska" not in dumped and "600100200" not in dumped and "Kowalska" not in dumped
    assert all("body" not in e and e["body_sha256"] for e in logged)


def test_a_log_write_that_fails_never_turns_the_answer_into_an_error(stack, context, monkeypatch):
    from botocore.exceptions import ClientError

    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    assert orders(payu_webhook(payu_order_body("1001", "COMPLETED", 26100)), context)["statusCode"] == 200

    def throttled(item):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "PutItem")

    monkeypatch.setattr(inbound_dispatch, "write_one", throttled)
    late = orders(payu_webhook(payu_order_body("1001", "PENDING", 26100)), context)
    assert (late["statusCode"], body(late)) == (200, {"result": "ignored"})


# --- refused deliveries -------------------------------------------------------------------------------------


def test_refused_deliveries_are_kept_a_week_with_their_verdict_and_capped_per_hour(
    stack, context, shipx, monkeypatch
):
    order_with_parcel(context)
    wrong = couriers(inpost_webhook("delivered", token="guessed-token"), context)
    forged = couriers(aftership_webhook(secret="not-ours"), context)
    assert (wrong["statusCode"], forged["statusCode"]) == (401, 401)
    refused = {e["source"]: e for e in day_items() if e["outcome"] == "refused"}
    assert (refused["inpost"]["verdict"], refused["inpost"]["http_status"]) == ("bad_token", 401)
    assert json.loads(refused["inpost"]["body"])["payload"]["status"] == "delivered"  # replayable
    assert refused["aftership"]["verdict"] == "bad_signature" and "body" not in refused["aftership"]
    received = datetime.fromisoformat(refused["inpost"]["received_at"].replace("Z", "+00:00"))
    assert refused["inpost"]["expires_at"] == int((received + timedelta(days=7)).timestamp())
    assert "gsi1pk" not in refused["inpost"]  # nothing verified says which order it is about
    # A flood of forged requests: past the cap only a metric, the table does not grow
    monkeypatch.setattr(inbound_dispatch, "REFUSED_PER_HOUR", 3)
    for minute in range(10, 15):  # five different forged bodies
        at = f"2025-03-04 18:{minute}:00 +0100"
        assert couriers(inpost_webhook("delivered", token="guessed", at=at), context)["statusCode"] == 401
    assert len([e for e in day_items() if e["source"] == "inpost" and e["outcome"] == "refused"]) == 3


# --- replay -------------------------------------------------------------------------------------------------


def test_replaying_an_applied_event_changes_nothing(stack, context, shipx, sent, capsys):
    order_with_parcel(context)
    couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    [logged] = parcel_events()
    messages, sms = len(outbox_store.list_for_order("1001")), len(sent.sms)
    code, out = cli_run(capsys, "events", "replay", logged["id"])
    assert code == 0 and "nothing changed (outcome duplicate" in out
    assert len(outbox_store.list_for_order("1001")) == messages and len(sent.sms) == sms
    assert len(shipment_lines()) == 1
    replays = [e for e in parcel_events() if e["channel"] == "replay"]
    assert [(e["replay_of"], e["verdict"], e["outcome"]) for e in replays] == [
        (logged["id"], "operator", "duplicate")
    ]


def test_an_event_our_parser_refused_applies_when_replayed_after_the_fix(
    stack, context, shipx, sent, monkeypatch, capsys
):
    order_with_parcel(context)
    fixed = inpost.parse

    def buggy(raw: bytes):
        raise InvalidPayload("invalid fields: payload.status")  # a bug in our adapter

    monkeypatch.setattr(inpost, "parse", buggy)
    response = couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    assert response["statusCode"] == 422 and shipment_lines() == []
    [refused] = [e for e in day_items() if e["outcome"] == "refused"]
    assert refused["verdict"] == "malformed"
    monkeypatch.setattr(inpost, "parse", fixed)  # the fix is deployed
    code, out = cli_run(capsys, "events", "replay", refused["id"])
    assert code == 1 and "pass --force" in out  # a refused event is applied only when the operator says so
    code, out = cli_run(capsys, "events", "replay", refused["id"], "--force")
    assert code == 0 and "replayed, outcome apply" in out
    assert [t["data"]["raw_code"] for t in shipment_lines()] == ["out_for_delivery"]
    assert [m.template for m in outbox_store.list_for_order("1001") if m.template.startswith("shipment")] == [
        "shipment_out_for_delivery"
    ]


def test_an_event_refused_for_a_secret_rotated_on_one_side_applies_when_replayed(stack, context, capsys):
    order_with_parcel(context, "DHL", "24333892874")
    event = {
        "carrier": "dhl",
        "tracking_number": "24333892874",
        "status": "OUT_FOR_DELIVERY",
        "raw_code": "LK",
        "occurred_at": "2026-03-10T06:31:00Z",
    }
    # The 3PL signs with its new secret before we have it: 401, kept with the body
    response = couriers(tracking_webhook(event, secret="whsec_bmV3LXNlY3JldC1ub3QteWV0LWhlcmU="), context)
    assert response["statusCode"] == 401
    [refused] = [e for e in day_items() if e["outcome"] == "refused"]
    assert (refused["source"], refused["verdict"]) == ("generic", "bad_signature")
    code, out = cli_run(capsys, "events", "replay", refused["id"], "--force")
    assert code == 0 and "outcome apply" in out
    assert [t["data"]["raw_code"] for t in shipment_lines()] == ["LK"]


def test_a_payment_replays_and_a_shop_order_says_why_it_cannot(stack, context, capsys):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    assert orders(payu_webhook(payu_order_body("1001", "COMPLETED", 26100)), context)["statusCode"] == 200
    logged = {e["kind"]: e for e in log_store.by_lookup(log_store.order_lookup("1001"))}
    shop, payment = logged["order"], logged["payment"]
    code, out = cli_run(capsys, "events", "replay", payment["id"])
    assert code == 0 and "nothing changed (outcome ignored" in out
    code, out = cli_run(capsys, "events", "replay", shop["id"])
    assert code == 1 and "ask the sender to deliver it again" in out


def test_cli_lists_an_orders_events_with_its_parcels_and_by_time(stack, context, shipx, capsys):
    order_with_parcel(context)
    couriers(inpost_webhook("out_for_delivery", at="2025-03-03 07:42:19 +0100"), context)
    code, out = cli_run(capsys, "events", "list", "--order", "1001")
    assert code == 0 and "woocommerce (webhook)" in out and "inpost (webhook)" in out
    assert "2 event(s) for order 1001" in out
    code, out = cli_run(capsys, "events", "list", "--parcel", f"inpost:{PARCEL}")
    assert "1 event(s)" in out and f"parcel inpost {PARCEL}" in out
    since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out = cli_run(capsys, "events", "list", "--since", since)
    assert "2 event(s)" in out
    [logged] = parcel_events()
    code, out = cli_run(capsys, "events", "show", logged["id"])
    shown = json.loads(out)
    assert shown["verdict"] == "verified" and shown["event"]["tracking_number"] == PARCEL
    assert cli_run(capsys, "events", "show", "20200101T000000Z-00000000")[0] == 1
