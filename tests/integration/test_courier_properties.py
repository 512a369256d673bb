"""Property: any arrival order of one parcel's history, with any repeats, ends in the same shipment state
and the same timeline, goes silent at the same moment, and every state change that warrants a message
makes exactly one notice.

Real histories from ShipX's status list (couriers.md 2.5), real handler, moto; ShipX confirms what it sent.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from tests.factories import inpost_webhook, shipx_tracking, woo_order_shipped, woo_webhook
from zwrotnica.dispatch import sweeps
from zwrotnica.providers import inpost
from zwrotnica.store import orders as order_store
from zwrotnica.store import shipments as shipment_store

pytestmark = pytest.mark.integration

HISTORIES = {
    "locker": [
        "confirmed",
        "taken_by_courier",
        "adopted_at_sorting_center",
        "out_for_delivery",
        "ready_to_pickup",
        "pickup_reminder_sent",
        "delivered",
    ],
    "courier, second attempt": [
        "confirmed",
        "collected_from_sender",
        "out_for_delivery_to_address",
        "undelivered_wrong_address",
        "out_for_delivery",
        "delivered",
    ],
    "not collected": ["confirmed", "taken_by_courier", "ready_to_pickup", "pickup_time_expired", "avizo"],
}
# Entering these statuses must tell the customer once (couriers' first scan only when nothing came before).
NOTIFIED = {"OUT_FOR_DELIVERY", "READY_FOR_PICKUP", "DELIVERED", "DELIVERY_FAILED", "DELAYED", "EXCEPTION"}
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[tuple[str, datetime]], list[int]]:
    """One parcel's history (strictly increasing times), and an arrival order with repeats."""
    path = draw(st.sampled_from(sorted(HISTORIES)))
    steps = HISTORIES[path][: draw(st.integers(2, len(HISTORIES[path])))]
    gaps = draw(st.lists(st.integers(1, 36 * 60), min_size=len(steps), max_size=len(steps)))
    times = list(itertools.accumulate((timedelta(minutes=g) for g in gaps), initial=START))[1:]
    repeats = draw(st.lists(st.integers(0, len(steps) - 1), max_size=len(steps)))
    order = draw(st.permutations(list(range(len(steps))) + repeats))
    return list(zip(steps, times, strict=True)), order


@pytest.fixture
def shipx_knows_everything(stack):
    known: dict[str, list[str]] = {}
    inpost.use_transport(
        httpx.MockTransport(
            lambda r: httpx.Response(200, json=shipx_tracking(r.url.path.rsplit("/", 1)[-1], known["all"]))
        )
    )
    yield known
    inpost.use_transport(None)


def fresh_tables() -> None:
    """An empty table per example: moto copies the whole table on every transaction."""
    from tests.integration.conftest import fresh_resources

    fresh_resources()


def deliver(context, number: str, status: str, at: datetime) -> None:
    fields = {"event": "shipment_confirmed"} if status == "confirmed" else {}
    stamp = at.strftime("%Y-%m-%d %H:%M:%S %z")
    response = couriers(inpost_webhook(status, number=number, at=stamp, **fields), context)
    assert response["statusCode"] == 200, response


def silent_at(order_number: str, number: str) -> str | None:
    """When the sweeper flags the parcel silent, following its clock as the sweeper moves it (it flags it)."""
    for _ in range(5):
        due = shipment_store.get(order_number, "inpost", number).get("due_at")
        if due is None:
            return None
        if sweeps.flag_silent(datetime.fromisoformat(due.replace("Z", "+00:00")), 25):
            return due
    raise AssertionError("the silent clock kept moving")


def observe(order_number: str, number: str) -> tuple[dict, set[str], set[str]]:
    """Shipment state, its timeline lines, its notices (an SMS + e-mail pair is one): one query. The
    silent clock (`due_at`) is set once per rule, so where it stands depends on the arrival order; when
    the parcel goes silent does not (`silent_at`)."""
    view = order_store.load_view(order_number)
    item = next((s for s in view.shipments if s["tracking_number"] == number), {})
    state = {k: item.get(k) for k in ("status", "raw_code", "last_event_at", "possessed_at")}
    lines = {t["sk"] for t in view.timeline if t["kind"] == "shipment"}
    notices = {m.dedup_key.rsplit(":", 1)[0] for m in view.messages if m.dedup_key.startswith("ship:")}
    return state, lines, notices


@settings(
    max_examples=15,
    database=None,  # no .hypothesis directory in the tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=deliveries())
def test_any_arrival_order_ends_in_the_same_state_with_one_notice_per_change(
    stack, context, shipx_knows_everything, case
):
    history, arrival = case
    fresh_tables()
    shipx_knows_everything["all"] = [status for status, _ in history]
    runs = {}
    for name, sequence in (("in order", range(len(history))), ("shuffled", arrival)):
        n = next(_numbers)
        order_number, number = f"P{n}", f"6026774393316303376{n:05d}"
        assert orders(woo_webhook(woo_order_shipped(order_number, number)), context)["statusCode"] == 200
        after, _, sent_after = observe(order_number, number)
        for index in sequence:
            before, sent_before = after, sent_after
            status, at = history[index]
            deliver(context, number, status, at)
            if name == "in order":
                continue  # the order of the parcel's life: only its end is compared
            after, _, sent_after = observe(order_number, number)
            new = sent_after - sent_before
            entered = after["status"] != before["status"] and after["status"] in NOTIFIED
            reminder = status == "pickup_reminder_sent" and after["last_event_at"] != before["last_event_at"]
            if entered or reminder:
                assert len(new) == 1, (status, before, after, new)
            elif after["status"] == before["status"]:
                assert not new, (status, new)  # a late, repeated or same-status event says nothing
            else:
                assert len(new) <= 1, (status, new)  # the first scan: "shipped", once
        state, lines, _ = observe(order_number, number)
        state["silent_at"] = silent_at(order_number, number)
        runs[name] = (state, {line.replace(number, "N") for line in lines})
    assert runs["shuffled"] == runs["in order"], json.dumps(runs, default=str, indent=1)
    expected = {f"T#{at:%Y-%m-%dT%H:%M:%S}.000000Z#shipment#inpost:N:{status}" for status, at in history}
    assert runs["in order"][1] == expected
