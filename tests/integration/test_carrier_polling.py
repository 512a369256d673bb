"""Carriers we ask ourselves, end to end on moto: DHL24, Poczta Polska and ORLEN Paczka polled per parcel,
DPD's queue drained, by the sweeper's real step (dispatch.sweeps.poll_carriers). The carriers are one
httpx.MockTransport answering from the documented fixtures (tests/integration/polled_carriers.py), each
parcel's history growing as the test's clock passes its events.

Expected statuses and messages are worked out by hand from couriers.md's code tables and the message rules
(domain.shipments: a state change that has a message, one notice each; SMS for out for delivery, SMS and
e-mail with an apology and a logistics ticket for every problem), never read back from the code.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from tests.factories import aftership_body, aftership_webhook, woo_order_shipped, woo_webhook
from tests.integration.polled_carriers import (
    CREDENTIALS,
    DHL_PARCEL,
    DPD_PARCEL,
    ORLEN_PARCEL,
    PP_PARCEL,
    FakeCarriers,
    use_credentials,
)
from zwrotnica.dispatch import sweeps
from zwrotnica.domain import polling
from zwrotnica.observability import metrics
from zwrotnica.providers import carrier_tracking
from zwrotnica.store import inbound as log_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import polling as poll_store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import tickets

pytestmark = pytest.mark.integration
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def only(*carriers: str) -> dict[str, str]:
    prefixes = {"dpd": "dpd_", "dhl": "dhl24_", "poczta_polska": "poczta_polska_", "orlen": "orlen_"}
    return {k: v for k, v in CREDENTIALS.items() if any(k.startswith(prefixes[c]) for c in carriers)}


@pytest.fixture
def polled(stack):
    fake = FakeCarriers(START)
    carrier_tracking.use_transport(fake.transport)
    yield fake
    carrier_tracking.use_transport(None)


@pytest.fixture
def emitted(monkeypatch) -> list[str]:
    """Metric names the code emits (the shared Powertools object; metrics are off in tests)."""
    names: list[str] = []
    real = metrics.add_metric

    def record(**kwargs):
        names.append(kwargs["name"])
        return real(**kwargs)

    monkeypatch.setattr(metrics, "add_metric", record)
    return names


def sweep(polled: FakeCarriers, now: datetime, budget: int = 50) -> sweeps.PollResult:
    polled.clock = now
    return sweeps.poll_carriers(now, budget)


def ship(context, number: str, tracking: str, provider: str, modified: str = "2026-03-01T08:00:00") -> None:
    order = woo_order_shipped(number, tracking, provider, modified=modified)
    assert orders(woo_webhook(order), context)["statusCode"] == 200


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def notices(order_number: str) -> Counter:
    return Counter(
        (m.template, m.channel.value)
        for m in outbox_store.list_for_order(order_number)
        if m.template.startswith("shipment_")
    )


def live_until_the_end(polled: FakeCarriers, carrier: str, number: str, limit: int = 100) -> list[datetime]:
    """Run the poll step at each time the parcel is due (and five minutes before: nothing is asked then)
    until it leaves the queue. Returns the times it was asked."""
    asked = []
    for _ in range(limit):
        item = poll_store.get(carrier, number)
        if not item.get("due_at"):
            return asked
        due = at(item["due_at"])
        before = polled.calls[carrier]
        sweep(polled, due - timedelta(minutes=5))
        assert polled.calls[carrier] == before, "asked before its time"
        sweep(polled, due)
        assert polled.calls[carrier] == before + 1
        asked.append(due)
    raise AssertionError(f"{carrier} {number} still polled after {limit} polls")


def shipment(order: str, carrier: str, number: str) -> dict:
    item = shipment_store.get(order, carrier, number)
    assert item is not None
    return item


# --- credentials ------------------------------------------------------------------------------------------


def test_a_carrier_without_credentials_has_no_poll_items_and_is_never_called(stack, context, polled):
    use_credentials(**only("orlen"))  # ORLEN configured, DHL not
    ship(context, "1001", DHL_PARCEL, "DHL Parcel")
    ship(context, "1002", ORLEN_PARCEL, "ORLEN Paczka")
    assert shipment("1001", "dhl", DHL_PARCEL)  # the shipment itself is there, as for any carrier
    assert poll_store.get("dhl", DHL_PARCEL) is None
    assert poll_store.get("orlen", ORLEN_PARCEL)["queue"] == "poll#orlen"
    sweep(polled, START + timedelta(days=1))
    assert polled.calls == {"orlen": 1}


# --- a whole life per carrier, through the poll step and the pushed path ----------------------------------


def test_dhl_parcel_life_failed_delivery_and_return_to_sender(stack, context, sent, polled):
    use_credentials(**only("dhl"))
    ship(context, "1001", DHL_PARCEL, "DHL", modified="2026-03-09T07:30:00")  # before its first event
    item = poll_store.get("dhl", DHL_PARCEL)
    assert (item["queue"], item["due_at"]) == ("poll#dhl", "2026-03-09T07:30:00.000000Z")  # due at once

    asked = live_until_the_end(polled, "dhl", DHL_PARCEL)

    parcel = shipment("1001", "dhl", DHL_PARCEL)
    assert (parcel["status"], parcel["raw_code"]) == ("RETURNED", "ZWN")
    timeline = [t for t in shipment_store_timeline("1001")]
    assert [t["data"]["raw_code"] for t in timeline] == [
        "EDWP", "DWP", "SORT", "LK", "AWI", "LK", "OP", "ZWR", "ZWN",
    ]  # fmt: skip
    assert {t["data"]["source"] for t in timeline} == {"dhl_api"}
    assert notices("1001") == {
        ("shipment_shipped", "email"): 1,  # EDWP: label created
        ("shipment_out_for_delivery", "sms"): 2,  # LK twice
        ("shipment_problem", "sms"): 4,  # AWI, OP, ZWR, ZWN: an apology each
        ("shipment_problem", "email"): 4,
    }
    ticket = tickets.get(tickets.ticket_id_for("shipment:dhl:24333892874:awi:2026-03-10T11:05:40.000000Z"))
    assert (ticket["category"], ticket["team"]) == ("delivery", "logistics")
    # Out of the queue after the final state; nobody asks again
    done = poll_store.get("dhl", DHL_PARCEL)
    assert ("queue" not in done, done["status"], done["last_event_at"]) == (
        True,
        "RETURNED",
        "2026-03-12T12:15:09.000000Z",
    )
    calls = polled.calls["dhl"]
    sweep(polled, asked[-1] + timedelta(days=3))
    assert polled.calls["dhl"] == calls
    # Every event the poll brought is in the log, with its verdict and what it caused
    logged = log_store.by_lookup(log_store.parcel_lookup("dhl", DHL_PARCEL))
    assert [(e["channel"], e["verdict"], e["source"]) for e in logged] == [
        ("poll", "carrier_api", "dhl_api")
    ] * 9
    assert logged[0]["order_number"] == "1001" and "body" not in logged[0]
    assert any(c.startswith("message:shipment_shipped:email:") for c in logged[0]["caused"])


def shipment_store_timeline(order: str) -> list[dict]:
    from zwrotnica.store import orders as order_store

    return [t for t in order_store.load_view(order).timeline if t["kind"] == "shipment"]


def test_poczta_polska_parcel_life_avizo_not_collected_and_returned(stack, context, sent, polled):
    use_credentials(**only("poczta_polska"))
    ship(context, "1001", PP_PARCEL, "Pocztex", modified="2026-03-02T09:00:00")
    live_until_the_end(polled, "poczta_polska", PP_PARCEL)
    parcel = shipment("1001", "poczta_polska", PP_PARCEL)
    assert (parcel["status"], parcel["raw_code"]) == ("RETURNED", "P_ZDUN")
    codes = [t["data"]["raw_code"] for t in shipment_store_timeline("1001")]
    assert codes == ["P_REJ_KN1", "P_NAD", "P_WZL", "P_WD", "P_ND", "P_A", "P_ZZPZ", "P_NDZ", "P_ZDUN"]
    assert notices("1001") == {
        ("shipment_shipped", "email"): 1,  # P_REJ_KN1
        ("shipment_out_for_delivery", "sms"): 1,  # P_WD
        ("shipment_ready_for_pickup", "sms"): 1,  # P_A: avizo, at the post office
        ("shipment_ready_for_pickup", "email"): 1,
        ("shipment_problem", "sms"): 4,  # P_ND, P_ZZPZ, P_NDZ, P_ZDUN
        ("shipment_problem", "email"): 4,
    }
    ready = next(m for m in outbox_store.list_for_order("1001") if m.template == "shipment_ready_for_pickup")
    assert "UP Warszawa 12" in ready.text  # the post office holding it (a public place, not personal data)
    assert [n for c, n in polled.asked if c == "poczta_polska"] == [(PP_PARCEL,)] * polled.calls[
        "poczta_polska"
    ]


def test_orlen_parcel_life_not_collected_and_back_at_the_sender(stack, context, sent, polled):
    use_credentials(**only("orlen"))
    ship(context, "1001", ORLEN_PARCEL, "ORLEN Paczka", modified="2026-10-07T08:00:00")
    live_until_the_end(polled, "orlen", ORLEN_PARCEL)
    parcel = shipment("1001", "orlen", ORLEN_PARCEL)
    assert (parcel["status"], parcel["raw_code"]) == ("RETURNED", "1000")  # 1000 with 2_POWROT
    codes = [t["data"]["raw_code"] for t in shipment_store_timeline("1001")]
    assert codes == ["200", "210", "400", "680", "690", "700", "709", "790", "1000"]  # 888 archiving: dropped
    assert notices("1001") == {
        ("shipment_shipped", "email"): 1,  # 200 pre-advised
        ("shipment_out_for_delivery", "sms"): 1,  # 680 on its way to the point
        ("shipment_ready_for_pickup", "sms"): 1,  # 690 in the kiosk
        ("shipment_ready_for_pickup", "email"): 1,
        ("shipment_problem", "sms"): 3,  # 700 not collected, 709 going back, 1000+POWROT returned
        ("shipment_problem", "email"): 3,
    }


def test_dpd_queue_life_failed_delivery_refusal_and_return(stack, context, sent, polled):
    use_credentials(**only("dpd"))
    ship(context, "1001", DPD_PARCEL, "DPD", modified="2026-03-02T07:00:00")
    assert poll_store.get("dpd", DPD_PARCEL) is None  # a queue, not a poll item per parcel
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    while moment < datetime(2026, 3, 5, 12, 0, tzinfo=UTC):  # a run every hour for three days
        sweep(polled, moment)
        moment += timedelta(hours=1)
    parcel = shipment("1001", "dpd", DPD_PARCEL)
    assert (parcel["status"], parcel["raw_code"]) == ("RETURNING_TO_SENDER", "230403")
    codes = [t["data"]["raw_code"] for t in shipment_store_timeline("1001")]
    assert codes == ["030103", "040101", "050101", "170101", "170304", "200201", "170101", "200401", "230403"]
    assert notices("1001") == {
        ("shipment_shipped", "email"): 1,  # 030103
        ("shipment_out_for_delivery", "sms"): 2,  # 170101 twice
        ("shipment_problem", "sms"): 3,  # 200201 absent, 200401 refused, 230403 going back
        ("shipment_problem", "email"): 3,
    }
    assert polled.dpd_queued == 0 and len(polled.acknowledged) >= 1
    logged = log_store.by_lookup(log_store.parcel_lookup("dpd", DPD_PARCEL))
    assert {(e["channel"], e["source"]) for e in logged} == {("queue", "dpd_api")} and len(logged) == 9
    assert all(e.get("batch") for e in logged)


def test_dpd_crash_between_commit_and_acknowledge_redelivers_and_nothing_is_sent_twice(
    stack, context, sent, polled, monkeypatch
):
    use_credentials(**only("dpd"))
    ship(context, "1001", DPD_PARCEL, "DPD", modified="2026-03-02T07:00:00")
    now = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    from zwrotnica.providers import dpd

    real = dpd.DpdInfoServices.acknowledge

    def killed(self, confirm_id):
        raise RuntimeError("the process died before markEventsAsProcessedV1")

    monkeypatch.setattr(dpd.DpdInfoServices, "acknowledge", killed)
    with pytest.raises(RuntimeError):
        sweep(polled, now)
    committed = notices(
        "1001"
    )  # five events by 11:00 in Warsaw: the label, the first scans, out for delivery
    assert committed == {("shipment_shipped", "email"): 1, ("shipment_out_for_delivery", "sms"): 1}
    assert polled.acknowledged == [] and polled.dpd_queued == 5
    lines = len(shipment_store_timeline("1001"))

    monkeypatch.setattr(dpd.DpdInfoServices, "acknowledge", real)
    result = sweep(polled, now + timedelta(minutes=5))
    assert result.events == 5 and result.applied == 0  # the same batch again: every event a duplicate
    assert notices("1001") == committed and len(shipment_store_timeline("1001")) == lines
    assert len(polled.acknowledged) == 1 and polled.dpd_queued == 0
    assert sweep(polled, now + timedelta(minutes=10)).events == 0  # drained


def test_dpd_event_for_a_number_no_order_named_is_held_then_joins_its_order(stack, context, sent, polled):
    use_credentials(**only("dpd"))
    sweep(polled, datetime(2026, 7, 15, 8, 0, tzinfo=UTC))  # everything has happened, nothing is ordered
    assert polled.dpd_queued == 0  # acknowledged: held, not lost
    assert shipment_store.find("dpd", "1000635967412U")[1] is not None  # the holder of unmatched events
    ship(context, "1002", "1000635967412U", "DPD", modified="2026-07-15T09:00:00")
    assert shipment("1002", "dpd", "1000635967412U")["status"] == "DELIVERED"
    assert notices("1002") == {("shipment_delivered", "email"): 1}


def test_dpd_drains_batch_after_batch_until_one_is_shorter_than_the_limit(stack, polled, monkeypatch):
    use_credentials(**only("dpd"))
    monkeypatch.setattr(sweeps, "DPD_LIMIT", 3)
    result = sweep(polled, datetime(2026, 7, 15, 8, 0, tzinfo=UTC))  # ten events queued
    # 3 + 3 + 3 + 1: four batches, each acknowledged after its events were committed; the fourth is short
    assert (result.calls["dpd"], len(polled.acknowledged), result.events) == (8, 4, 10)
    assert polled.dpd_queued == 0
    assert sweep(polled, datetime(2026, 7, 15, 8, 5, tzinfo=UTC)).calls["dpd"] == 1  # empty: one call


# --- the schedule, the limits, a carrier down ------------------------------------------------------------


def test_rate_limit_per_carrier_and_the_run_budget(stack, context, polled, monkeypatch):
    use_credentials(**only("dhl", "orlen"))
    for i in range(5):
        ship(context, f"10{i}", f"2433389290{i}", "DHL")
        ship(context, f"20{i}", f"210001234560{i}", "ORLEN")
    monkeypatch.setitem(polling.DEFAULT_LIMITS, "dhl", polling.CarrierLimit(calls_per_run=3, batch_size=1))
    first = sweep(polled, START + timedelta(minutes=5))
    assert dict(first.calls) == {"dhl": 3, "orlen": 1}  # DHL: 3 calls a run; ORLEN: 5 parcels in one call
    assert [len(n) for c, n in polled.asked if c == "orlen"] == [5]
    assert first.not_found == 8  # nobody knows these numbers yet
    second = sweep(polled, START + timedelta(minutes=10))
    assert dict(second.calls) == {"dhl": 2}  # the two left over come first; the others are not due yet
    # The run's budget caps all carriers together
    for i in range(5, 9):
        ship(context, f"10{i}", f"2433389290{i}", "DHL", modified="2026-03-01T09:00:00")
    assert sum(sweep(polled, START + timedelta(hours=1), budget=2).calls.values()) == 2


def test_a_carrier_down_for_an_hour_backs_off_alarms_and_loses_nothing(stack, context, polled, emitted):
    use_credentials(**only("dhl"))
    down_at = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw
    # The parcel with a history, and fifteen others due one every five minutes (numbers DHL does not know)
    numbers = [DHL_PARCEL] + [f"243338{i:05d}" for i in range(1, 16)]
    for i, number in enumerate(numbers):
        ship(
            context,
            f"10{i:02d}",
            number,
            "DHL",
            modified=f"{down_at + timedelta(minutes=5 * i):%Y-%m-%dT%H:%M:%S}",
        )
    polled.down.add("dhl")
    called_at, alarmed_at = [], []
    for minute in range(0, 75, 5):  # the sweeper every 5 minutes
        before, metrics_before = polled.calls["dhl"], len(emitted)
        sweep(polled, down_at + timedelta(minutes=minute))
        called_at += [minute] * (polled.calls["dhl"] - before)
        if "CarrierApiDown" in emitted[metrics_before:]:
            alarmed_at.append(minute)
    # One call a run at most while it fails, after 5, 10, 20, 40 minutes (domain.polling.BackoffPolicy);
    # the alarm's metric once it has been down for an hour
    assert called_at == [0, 5, 15, 35]
    assert alarmed_at == [60, 65, 70]
    back = down_at + timedelta(minutes=75)
    waiting = [n for n in numbers if at(poll_store.get("dhl", n)["due_at"]) <= back]
    assert len(waiting) == 12  # all 16 still queued; the 4 asked in vain are due again later: nothing lost
    # Back after 75 minutes: every parcel due is asked, health resets, the metric stops
    polled.down.clear()
    emitted.clear()
    result = sweep(polled, back)
    assert result.calls["dhl"] == 12 and result.failed == {} and "CarrierApiDown" not in emitted
    assert poll_store.health(["dhl"])["dhl"] == polling.HEALTHY
    # The parcel asked in vain at 10:00 is asked at its next time and gets what happened meanwhile
    due = at(poll_store.get("dhl", DHL_PARCEL)["due_at"])
    sweep(polled, due)
    assert shipment("1000", "dhl", DHL_PARCEL)["status"] == "LABEL_CREATED"  # EDWP at 10:02 Warsaw
    assert "CarrierApiDown" not in emitted


def test_refused_credentials_alarm_at_once_and_wait_an_hour(stack, context, polled, emitted):
    use_credentials(**only("orlen"))
    ship(context, "1001", ORLEN_PARCEL, "ORLEN")
    polled.refusing.add("orlen")
    result = sweep(polled, START + timedelta(minutes=5))
    assert result.failed == {"orlen": "auth"}
    assert "CarrierAuthFailed" in emitted and "CarrierApiDown" in emitted
    health = poll_store.health(["orlen"])["orlen"]
    assert health.auth_failed and health.retry_at == START + timedelta(minutes=65)
    sweep(polled, START + timedelta(minutes=35))
    assert polled.calls["orlen"] == 1  # not asked again before the hour is over


def test_a_pushed_event_for_a_polled_carrier_moves_its_poll_and_a_final_one_ends_it(stack, context, polled):
    use_credentials(**only("dhl"))
    ship(context, "1001", DHL_PARCEL, "DHL")
    first_due = poll_store.get("dhl", DHL_PARCEL)["due_at"]
    # AfterShip pushes the DHL parcel waiting at a point: the same write moves its next poll
    waiting = aftership_body("available_for_pickup.json", tracking_number=DHL_PARCEL, slug="dhl")
    before = datetime.now(UTC)
    assert couriers(aftership_webhook(waiting), context)["statusCode"] == 200
    item = poll_store.get("dhl", DHL_PARCEL)
    assert (item["status"], item["last_event_at"]) == ("READY_FOR_PICKUP", "2025-03-04T12:11:00.000000Z")
    assert item["due_at"] != first_due and at(item["due_at"]) >= before + timedelta(hours=12)  # 12 h waiting
    # Then it is collected (pushed): out of the queue, never asked again
    delivered = aftership_body("delivered.json", tracking_number=DHL_PARCEL, slug="dhl")
    assert couriers(aftership_webhook(delivered), context)["statusCode"] == 200
    item = poll_store.get("dhl", DHL_PARCEL)
    assert item["status"] == "DELIVERED" and "queue" not in item and "due_at" not in item
    sweep(polled, datetime.now(UTC) + timedelta(days=1))
    assert polled.calls["dhl"] == 0


def test_an_order_update_after_the_end_does_not_ask_the_carrier_again(stack, context, polled):
    use_credentials(**only("dhl"))
    ship(context, "1001", DHL_PARCEL, "DHL", modified="2026-03-09T07:30:00")
    live_until_the_end(polled, "dhl", DHL_PARCEL)
    calls = polled.calls["dhl"]
    # The shop marks the order completed a week later (the same parcel named again)
    ship(context, "1001", DHL_PARCEL, "DHL", modified="2026-03-20T10:00:00")
    assert poll_store.get("dhl", DHL_PARCEL)["queue"] == "poll#dhl"  # back on the queue by the upsert...
    result = sweep(polled, datetime(2026, 3, 20, 11, 0, tzinfo=UTC))
    assert polled.calls["dhl"] == calls and result.ended == 1  # ...and off it without a call
    assert "queue" not in poll_store.get("dhl", DHL_PARCEL)


def test_the_carriers_a_shops_plugins_name_are_the_carriers_polled(stack, context, polled):
    """WooCommerce Shipment Tracking's Polish providers and Furgonetka's service ids (shop-platforms.md 7.3,
    7.7; Furgonetka's `ruch` is ORLEN Paczka) reach the trackers' carrier ids through the order webhook."""
    use_credentials(**CREDENTIALS)
    order = woo_order_shipped("1001", DPD_PARCEL, "DPD.PL", modified="2026-03-09T07:30:00")
    order["meta_data"][-1]["value"].append(
        {"tracking_provider": "Poczta Polska", "tracking_number": PP_PARCEL}
    )
    order["meta_data"].append(
        {
            "key": "tracking_info",
            "value": {DHL_PARCEL: {"courierService": "dhl"}, ORLEN_PARCEL: {"courierService": "ruch"}},
        }
    )
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    parcels = {"dpd": DPD_PARCEL, "poczta_polska": PP_PARCEL, "dhl": DHL_PARCEL, "orlen": ORLEN_PARCEL}
    for carrier, number in parcels.items():
        assert shipment("1001", carrier, number)
        polled_item = poll_store.get(carrier, number)
        assert (polled_item is None) == (carrier == "dpd")  # DPD: its queue, no poll item
    sweep(polled, datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert {c: n for c, n in polled.asked} == {
        "dpd": (),
        "dhl": (DHL_PARCEL,),
        "poczta_polska": (PP_PARCEL,),
        "orlen": (ORLEN_PARCEL,),
    }
