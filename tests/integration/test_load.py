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


def test_the_plan_mixes_in_e_mails_and_a_follow_up_never_comes_before_its_question() -> None:
    plan = load.make_plan(400, 0.2, seed=3, run_id="000003", mails=50)
    mails = [d for d in plan.deliveries if d.kind == "mail"]
    assert (plan.mails, plan.mail_duplicates, len(mails)) == (50, 10, 50)
    assert {d.mail_kind for d in mails} == {"where", "followup", "invoice", "stranger", "ooo"}
    for order in {d.order for d in mails if d.mail_kind == "followup"}:
        kinds = [d.mail_kind for d in plan.deliveries if d.kind == "mail" and d.order == order]
        assert kinds.index("where") < kinds.index("followup")


def test_the_expected_outcome_of_e_mails_follows_the_parcel_and_the_conversation() -> None:
    plan = load.make_plan(8, 0.0, seed=1, run_id="000004", mails=2)  # one InPost order, "where" + "followup"
    life = sorted(plan.deliveries, key=lambda d: d.ident)
    webhooks, (question, followup) = life[:8], life[8:]
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    # asked before any tracking event: nothing to tell yet (acknowledgement), the follow-up is recorded
    early = load.expected_outcome(load.Plan(plan.orders, [question, followup, *webhooks], 10, 0), now)
    assert (early.automatic_answers, early.acknowledgements, early.tickets) == ({}, 1, 1)
    assert early.mail_actions == {"acknowledge": 1, "record": 1}
    # asked once the courier has it: the parcel answer, then one acknowledgement for the follow-up
    moving = [*webhooks[:2], question, followup, *webhooks[2:]]
    later = load.expected_outcome(load.Plan(plan.orders, moving, 10, 0), now)
    assert (later.automatic_answers, later.acknowledgements, later.tickets) == ({"inbound_parcel": 1}, 1, 1)


def test_load_on_the_local_stack_loses_nothing_and_sends_nothing_twice() -> None:
    figures = load.run(webhooks=400, senders=10, duplicate_share=0.2, seed=11, mails=60)
    assert figures["sent"] == 460
    assert figures["errors"] == 0
    assert figures["accepted"] == 460
    assert figures["duplicates_absorbed"] == figures["duplicates_sent"] == 80
    assert figures["state_changes"] == figures["expected_state_changes"]
    assert figures["messages"] == figures["expected_messages"] > 0
    assert figures["messages_by_channel"] == figures["expected_by_channel"]
    assert figures["duplicate_message_keys"] == 0
    # inbound e-mail: what was answered, acknowledged and ticketed is what the plan predicts
    assert figures["mail_duplicates_absorbed"] == figures["mail_duplicates_sent"] == 12
    assert figures["answers_by_template"] == figures["expected_answers_by_template"]
    assert figures["automatic_answers"] == figures["expected_automatic_answers"] > 0
    assert figures["acknowledgements"] == figures["expected_acknowledgements"] > 0
    assert figures["tickets_opened"] == figures["expected_tickets"] > 0
