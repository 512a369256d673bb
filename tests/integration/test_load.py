"""A CI-sized load test: the local stack in a subprocess, 400 signed courier and payment webhooks from
10 concurrent senders, 20 % exact re-deliveries, shuffled. The expected state changes and messages come
from replaying the plan through the domain's pure rules (infra/perf/load.py), not from the system's answers.
Latency and throughput are printed by `make load`, never asserted here."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from infra.perf import load


def test_the_plan_has_the_asked_share_of_re_deliveries_and_keeps_each_order_on_one_sender() -> None:
    plan = load.make_plan(400, 0.2, seed=3, run_id="000001")
    assert len(plan.deliveries) == 400
    assert plan.duplicates == 80
    copies = Counter(d.ident for d in plan.deliveries)
    assert sum(n - 1 for n in copies.values()) == 80
    assert {d.kind for d in plan.deliveries} == {"inpost", "aftership", "generic", "payu", "p24"}
    lanes = load._lanes(list(enumerate(plan.deliveries)), 10)
    owner = {d.order: i for i, lane in enumerate(lanes) for _, d in lane}
    assert all(owner[d.order] == i for i, lane in enumerate(lanes) for _, d in lane)
    for lane in lanes:  # each sender keeps the shuffled plan's order
        positions = [p for p, _ in lane]
        assert positions == sorted(positions)


def test_the_expected_outcome_counts_a_re_delivery_as_absorbed_and_a_late_event_as_no_change() -> None:
    plan = load.make_plan(8, 0.0, seed=1, run_id="000002")  # one InPost order: 6 tracking + 2 PayU
    life = sorted(plan.deliveries, key=lambda d: d.ident)
    in_order = load.Plan(plan.orders, life, 8, 0)
    backwards = load.Plan(plan.orders, life[5::-1] + life[6:] + [life[0]], 9, 1)
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    forward, reverse = load.expected_outcome(in_order, now), load.expected_outcome(backwards, now)
    # in order: every tracking status is a change (the sorting-centre scan refreshes), PayU pending + paid
    assert forward.state_changes == 8
    # label (e-mail), out for delivery (SMS), in the locker (SMS + e-mail), collected (e-mail), paid (e-mail)
    assert forward.messages == 6
    assert forward.by_channel == {"email": 4, "sms": 2}
    # delivered first: everything older is timeline only; the re-delivered label changes nothing either
    assert reverse.state_changes == 1 + 2
    assert reverse.messages == 1 + 1
    assert reverse.absorbed == 1


def test_load_on_the_local_stack_loses_nothing_and_sends_nothing_twice() -> None:
    figures = load.run(webhooks=400, senders=10, duplicate_share=0.2, seed=11)
    assert figures["sent"] == 400
    assert figures["errors"] == 0
    assert figures["accepted"] == 400
    assert figures["duplicates_absorbed"] == figures["duplicates_sent"] == 80
    assert figures["state_changes"] == figures["expected_state_changes"]
    assert figures["messages"] == figures["expected_messages"] > 0
    assert figures["messages_by_channel"] == figures["expected_by_channel"]
    assert figures["duplicate_message_keys"] == 0
