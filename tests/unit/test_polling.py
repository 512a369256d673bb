"""Polling rules (zwrotnica.domain.polling): the schedule, the run plan, backoff and the cost estimate.

Expected times are worked out by hand in the comments (Warsaw is UTC+1 in March, UTC+2 in July); exact
tables use a policy without jitter or morning spread, and the jitter gets its own tests.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from zwrotnica.domain import polling
from zwrotnica.domain.polling import (
    Batch,
    CarrierHealth,
    CarrierLimit,
    Due,
    PollPolicy,
    after_failure,
    after_success,
    alarm,
    may_call,
    next_poll_at,
    plan_run,
)
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.tracking import TrackingEvent

S = ShipmentStatus
EXACT = PollPolicy(jitter=0.0, morning_spread=timedelta(0))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = utc("2026-03-10T10:00:00")  # 11:00 in Warsaw
SEEN = utc("2026-03-08T09:00:00")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.OUT_FOR_DELIVERY, "2026-03-10T10:30:00"),  # often: the customer waits today
        (S.DELIVERY_FAILED, "2026-03-10T12:00:00"),
        (None, "2026-03-10T12:00:00"),  # known from the order, nothing from the carrier yet
        (S.UNKNOWN, "2026-03-10T12:00:00"),
        (S.IN_TRANSIT, "2026-03-10T13:00:00"),
        (S.LABEL_CREATED, "2026-03-10T14:00:00"),
        (S.DELAYED, "2026-03-10T14:00:00"),
        (S.EXCEPTION, "2026-03-10T16:00:00"),
        (S.RETURNING_TO_SENDER, "2026-03-10T18:00:00"),
        # rarely while it waits at a point: 23:00 in Warsaw is in the quiet hours -> 06:00 Warsaw
        (S.READY_FOR_PICKUP, "2026-03-11T05:00:00"),
        (S.DELIVERED, None),  # never after a final state
        (S.RETURNED, None),
        (S.CANCELLED, None),
    ],
)
def test_the_interval_follows_the_state(status, expected):
    got = next_poll_at("dhl", "24333892874", status, NOW, SEEN, EXACT)
    assert got == (utc(expected) if expected else None)


@pytest.mark.parametrize(
    ("carrier", "first_seen", "expected"),
    [
        ("inpost", SEEN, None),  # pushes: never polled
        ("dpd", SEEN, None),  # its queue is drained, not polled per parcel
        ("poczta_polska", SEEN, "2026-03-10T13:00:00"),
        ("orlen", SEEN, "2026-03-10T13:00:00"),
        ("dhl", NOW - timedelta(days=60), None),  # too old: the carrier has forgotten it
        ("dhl", NOW - timedelta(days=59, hours=23), "2026-03-10T13:00:00"),
    ],
)
def test_only_polled_carriers_and_young_parcels_have_a_next_poll(carrier, first_seen, expected):
    got = next_poll_at(carrier, "PX0123456789PL", S.IN_TRANSIT, NOW, first_seen, EXACT)
    assert got == (utc(expected) if expected else None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-10T20:45:00", "2026-03-11T05:00:00"),  # 21:45 CET + 30 min = 22:15 -> next 06:00 CET
        ("2026-03-10T20:15:00", "2026-03-10T20:45:00"),  # 21:45 CET: still before 22:00
        ("2026-03-10T04:50:00", "2026-03-10T05:20:00"),  # 05:50 CET + 30 min = 06:20: after the quiet hours
        ("2026-03-10T23:10:00", "2026-03-11T05:00:00"),  # 00:40 CET: the same morning
        ("2026-07-10T19:45:00", "2026-07-11T04:00:00"),  # 21:45 CEST -> 06:00 CEST = 04:00 UTC
        ("2026-03-29T00:30:00", "2026-03-29T04:00:00"),  # the night the clocks go forward: 06:00 CEST
    ],
)
def test_polls_falling_in_the_night_move_to_the_morning(now, expected):
    seen = utc(now) - timedelta(days=1)
    assert next_poll_at("dhl", "24333892874", S.OUT_FOR_DELIVERY, utc(now), seen, EXACT) == utc(expected)


def test_no_quiet_hours_when_they_are_equal():
    policy = PollPolicy(
        jitter=0.0, morning_spread=timedelta(0), quiet_from=polling.time(0), quiet_until=polling.time(0)
    )
    got = next_poll_at("dhl", "24333892874", S.OUT_FOR_DELIVERY, utc("2026-03-10T22:00:00"), SEEN, policy)
    assert got == utc("2026-03-10T22:30:00")


def test_jitter_is_the_documented_hash_of_number_and_moment():
    seed = "dhl:24333892874:2026-03-10T10:00:00.000000Z"
    u = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") / 2**64
    expected = (NOW + timedelta(hours=3) * (1 + 0.2 * u)).replace(microsecond=0)
    assert next_poll_at("dhl", "24333892874", S.IN_TRANSIT, NOW, SEEN) == expected


def test_jitter_never_polls_early_and_spreads_parcels_shipped_together():
    interval = timedelta(hours=3)
    times = [next_poll_at("dhl", f"2433389{i:04d}", S.IN_TRANSIT, NOW, SEEN) for i in range(200)]
    assert all(NOW + interval <= t <= NOW + interval * 1.2 for t in times)
    assert len(set(times)) > 150  # 200 parcels over a 36-minute window: almost all distinct seconds
    again = [next_poll_at("dhl", f"2433389{i:04d}", S.IN_TRANSIT, NOW, SEEN) for i in range(200)]
    assert again == times  # deterministic


def test_the_morning_catch_up_is_spread_over_two_hours():
    evening = utc("2026-03-10T20:45:00")
    times = [next_poll_at("dhl", f"2433389{i:04d}", S.OUT_FOR_DELIVERY, evening, SEEN) for i in range(200)]
    morning = utc("2026-03-11T05:00:00")
    assert all(morning <= t < morning + timedelta(hours=2) for t in times)
    assert max(times) - min(times) > timedelta(hours=1, minutes=45)


def event(at: str, code: str = "LK") -> TrackingEvent:
    return TrackingEvent(
        source="dhl_api", carrier="dhl", tracking_number="24333892874", status=S.IN_TRANSIT, raw_code=code,
        occurred_at=utc(at),
    )  # fmt: skip


def test_only_events_from_the_last_applied_one_on_go_through():
    history = [
        event("2026-03-09T10:00:00", "DWP"),
        event("2026-03-10T07:00:00", "LK"),
        event("2026-03-10T09:00:00"),
    ]
    assert polling.new_events(history, None) == history
    assert polling.new_events(history, utc("2026-03-10T07:00:00")) == history[1:]  # equal: dedup absorbs it
    assert polling.new_events(history, utc("2026-03-11T00:00:00")) == []


# --- Run plan -----------------------------------------------------------------------------------------------

LIMITS = {"dhl": CarrierLimit(calls_per_run=2), "poczta_polska": CarrierLimit(calls_per_run=1, batch_size=3)}
ALL = ("dhl", "poczta_polska", "orlen")


def due(carrier: str, number: str, minutes_ago: int) -> Due:
    return Due(carrier, number, NOW - timedelta(minutes=minutes_ago))


def test_oldest_first_within_each_carriers_limit_and_in_batches():
    items = [
        due("dhl", "D1", 10),
        due("dhl", "D2", 50),
        due("dhl", "D3", 30),
        due("poczta_polska", "P1", 40),
        due("poczta_polska", "P2", 5),
        due("poczta_polska", "P3", 20),
        due("poczta_polska", "P4", 1),
        Due("dhl", "LATER", NOW + timedelta(minutes=1)),  # not due: not polled, not deferred
    ]
    plan = plan_run(items, NOW, LIMITS, budget=10, callable_carriers=ALL)
    assert plan.batches == (
        Batch("dhl", ("D2",)),
        Batch("poczta_polska", ("P1", "P3", "P2")),
        Batch("dhl", ("D3",)),
    )
    assert [d.tracking_number for d in plan.deferred] == ["D1", "P4"]  # over the limits, oldest first
    assert plan.calls == 3 and plan.paused == ()


def test_the_run_budget_caps_all_carriers_together():
    items = [due("dhl", "D1", 10), due("dhl", "D2", 50), due("poczta_polska", "P1", 40)]
    plan = plan_run(items, NOW, LIMITS, budget=2, callable_carriers=ALL)
    assert plan.batches == (Batch("dhl", ("D2",)), Batch("poczta_polska", ("P1",)))
    assert [d.tracking_number for d in plan.deferred] == ["D1"]
    assert plan_run(items, NOW, LIMITS, budget=0, callable_carriers=ALL).deferred == tuple(
        sorted(items, key=lambda d: d.due_at)
    )


def test_a_paused_or_unlimited_carrier_keeps_its_parcels_due():
    items = [due("dhl", "D1", 10), due("orlen", "O1", 10), due("poczta_polska", "P1", 10)]
    plan = plan_run(items, NOW, LIMITS, budget=10, callable_carriers=("poczta_polska", "orlen"))
    assert plan.batches == (Batch("poczta_polska", ("P1",)),)
    assert plan.paused == ("dhl", "orlen")  # dhl backing off, orlen has no limit configured
    assert {d.tracking_number for d in plan.deferred} == {"D1", "O1"}


def test_a_number_due_twice_is_asked_once():
    plan = plan_run([due("dhl", "D1", 10), due("dhl", "D1", 5)], NOW, LIMITS, 10, ALL)
    assert plan.batches == (Batch("dhl", ("D1",)),) and plan.deferred == ()


# --- Backoff and alarm --------------------------------------------------------------------------------------


def test_backoff_doubles_up_to_an_hour():
    health, waits = CarrierHealth(), []
    for run in range(6):
        now = NOW + timedelta(hours=run)
        health = after_failure(health, now)
        waits.append(health.retry_at - now)
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]
    assert (health.failures, health.down_since) == (6, NOW)
    assert after_success(health) == CarrierHealth()


def test_refused_credentials_alarm_at_once_and_wait_an_hour():
    health = after_failure(CarrierHealth(), NOW, auth=True)
    assert alarm(health, NOW) and health.retry_at == NOW + timedelta(hours=1)
    assert not may_call(health, NOW + timedelta(minutes=59)) and may_call(health, NOW + timedelta(hours=1))


def test_a_carrier_down_for_an_hour_backs_off_alarms_and_loses_nothing():
    """Runs every 5 minutes; the carrier fails every call for 65 minutes, then answers."""
    parcels = [due("dhl", f"D{i:02d}", 60 - i) for i in range(30)]
    limits = {"dhl": CarrierLimit(calls_per_run=50)}
    health, calls, alarms, answered = CarrierHealth(), 0, [], set()
    for run in range(20):
        now = NOW + timedelta(minutes=5 * run)
        down = now < NOW + timedelta(minutes=65)
        callable_ = ("dhl",) if may_call(health, now) else ()
        plan = plan_run(
            [p for p in parcels if p.tracking_number not in answered], now, limits, 100, callable_
        )
        if plan.batches and down:
            calls += 1  # the first call fails: the run stops asking this carrier
            health = after_failure(health, now)
        elif plan.batches:
            answered |= {n for b in plan.batches for n in b.numbers}
            health = after_success(health)
        alarms.append(alarm(health, now))
    # Failed calls at 0, 5, 15 and 35 minutes (waits 5, 10, 20, 40); the next try at 75 finds it back.
    assert calls == 4
    assert answered == {p.tracking_number for p in parcels}  # nothing lost
    # The alarm: from the run at 60 minutes (down since 0) until the run at 75 that succeeded.
    assert [run for run, on in enumerate(alarms) if on] == [12, 13, 14]


# --- Cost estimate ------------------------------------------------------------------------------------------

FLAT = PollPolicy(
    jitter=0.0, morning_spread=timedelta(0), quiet_from=polling.time(0), quiet_until=polling.time(0)
)


def test_estimate_matches_a_hand_count_without_jitter_or_quiet_hours():
    # 1,000 DHL parcels in transit, polled every 3 h: 8 polls a day each, 8,000 / 288 runs = 27.78 a run;
    # a 300-byte item: 1 WRU for the table + 2 for the index move = 3 WRU a poll.
    e = polling.estimate_run(1000, policy=FLAT, carrier_share={"dhl": 1.0}, state_share={S.IN_TRANSIT: 1.0})
    (dhl,) = e.carriers
    assert dhl.polls == pytest.approx(8000 / 288, rel=1e-6)
    assert dhl.calls == pytest.approx(8000 / 288, rel=0.02)  # whole calls per run
    assert dhl.wru == pytest.approx(8000 / 288 * 3, rel=1e-6)
    assert e.runs_per_day == 288


def test_estimate_batches_where_the_api_allows_and_final_states_cost_nothing():
    batched = polling.estimate_run(
        1000, policy=FLAT, carrier_share={"poczta_polska": 1.0}, state_share={S.IN_TRANSIT: 1.0}
    )
    (pp,) = batched.carriers
    assert pp.calls < pp.polls / 10  # 20 numbers a call
    done = polling.estimate_run(1000, carrier_share={"dhl": 1.0}, state_share={S.DELIVERED: 1.0})
    assert (done.calls, done.wru) == (0, 0)
    assert done.rru == 0.5  # only the run's one query of the carrier's empty queue partition


def test_estimate_dpd_drains_its_queue_per_run():
    # 10,000 DPD parcels x 4 events a day / 288 runs = 138.9 events a run: 2 fetches of 100 (the second
    # returns fewer: drained) and 2 acknowledgements.
    (dpd,) = polling.estimate_run(10_000, carrier_share={"dpd": 1.0}).carriers
    assert (dpd.calls, dpd.rru, dpd.wru) == (4, 0, 0)


def test_estimate_grows_with_active_parcels():
    small, large = polling.estimate_run(1000), polling.estimate_run(10_000)
    polled = {c.carrier: c.polls for c in small.carriers}
    assert all(c.polls == pytest.approx(10 * polled[c.carrier], rel=1e-6) for c in large.carriers)
    assert large.calls > small.calls and large.rru > small.rru
    assert "| 10,000 | **all** |" in polling.estimate_table([small, large])
