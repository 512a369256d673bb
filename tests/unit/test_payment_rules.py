"""The payment state machine (zwrotnica.domain.payments): every transition, and its out-of-order twin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import permutations

import pytest

from zwrotnica.domain.payments import (
    Context,
    PaymentDecision,
    PaymentState,
    on_payment,
    on_refund,
    on_refund_requested,
)
from zwrotnica.models.payment import PaymentEvent, PaymentStatus, RefundEvent, RefundStatus

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CTX = Context(NOW, "https://sklep.example.com/orders/1001/status?t=abc", "Sklep Testowy")
START = PaymentState(order_number="1001", total=26100, currency="PLN", email="anna.kowalska@example.com")


def pay(status: str, attempt: str = "A", amount: int = 26100, currency: str = "PLN") -> PaymentEvent:
    code = {"WAITING": "waiting_for_confirmation", "COMPLETED": "paid", "CANCELED": "cancelled"}
    return PaymentEvent(
        provider="payu",
        provider_payment_id=attempt,
        order_number="1001",
        amount=amount,
        currency=currency,
        status=PaymentStatus(code.get(status, status.lower())),
        event_key=f"payu:order:{attempt}:{status}",
    )


def refund(status: str, refund_id: str = "R1", amount: int = 26100, ext: str | None = None) -> RefundEvent:
    return RefundEvent(
        provider="payu",
        provider_payment_id="A",
        refund_id=refund_id,
        ext_refund_id=ext,
        order_number="1001",
        amount=amount,
        currency="PLN",
        status=RefundStatus(status),
        event_key=f"payu:refund:{refund_id}:{status}",
    )


def decide(state: PaymentState, event: PaymentEvent | RefundEvent) -> PaymentDecision:
    return on_refund(state, event, CTX) if isinstance(event, RefundEvent) else on_payment(state, event, CTX)


def run(events: list, state: PaymentState = START) -> PaymentState:
    for event in events:
        state = decide(state, event).state
    return state


def at(status: str, attempt: str | None = "A", **changes) -> PaymentState:
    paid = {"paid_amount": 26100} if status in ("paid", "partially_refunded", "refunded") else {}
    return replace(
        START, status=status, provider="payu" if attempt else None, payment_id=attempt, **paid | changes
    )


# (state before, event, status after, outcome, e-mail templates, ticket reason)
TRANSITIONS = [
    (at("pending", None), pay("PENDING"), "pending", "applied", [], None),
    (at("pending", None), pay("WAITING"), "waiting_for_confirmation", "applied", [], "capture_needed"),
    (at("pending", None), pay("COMPLETED"), "paid", "applied", ["payment_received"], None),
    (at("pending", None), pay("CANCELED"), "cancelled", "applied", ["payment_failed"], None),
    (at("pending", None), pay("FAILED"), "failed", "applied", ["payment_failed"], None),
    (at("pending"), pay("PENDING"), "pending", "ignored", [], None),
    (at("pending"), pay("WAITING"), "waiting_for_confirmation", "applied", [], "capture_needed"),
    (at("pending"), pay("CANCELED", "B"), "pending", "ignored", [], None),
    (at("waiting_for_confirmation"), pay("PENDING"), "waiting_for_confirmation", "ignored", [], None),
    (at("waiting_for_confirmation"), pay("COMPLETED"), "paid", "applied", ["payment_received"], None),
    (at("waiting_for_confirmation"), pay("CANCELED"), "cancelled", "applied", ["payment_failed"], None),
    (at("cancelled"), pay("PENDING"), "cancelled", "ignored", [], None),
    (at("cancelled"), pay("WAITING"), "cancelled", "ignored", [], None),
    (at("cancelled"), pay("CANCELED"), "cancelled", "ignored", [], None),
    (at("cancelled"), pay("FAILED"), "cancelled", "ignored", [], None),
    (at("cancelled"), pay("COMPLETED"), "paid", "applied", ["payment_received"], None),
    (at("cancelled"), pay("PENDING", "B"), "pending", "applied", [], None),
    (at("failed"), pay("WAITING", "B"), "waiting_for_confirmation", "applied", [], "capture_needed"),
    (at("cancelled"), pay("CANCELED", "B"), "cancelled", "ignored", [], None),
    (at("cancelled"), pay("COMPLETED", "B"), "paid", "applied", ["payment_received"], None),
    (at("paid"), pay("PENDING"), "paid", "ignored", [], None),
    (at("paid"), pay("WAITING"), "paid", "ignored", [], None),
    (at("paid"), pay("CANCELED"), "paid", "ignored", [], None),
    (at("paid"), pay("COMPLETED"), "paid", "ignored", [], None),
    (at("paid"), pay("COMPLETED", "B"), "paid", "flagged", [], "double_payment"),
    (at("pending"), pay("COMPLETED", amount=26000), "pending", "flagged", [], "amount_mismatch"),
    (at("pending"), pay("COMPLETED", currency="EUR"), "pending", "flagged", [], "amount_mismatch"),
    (at("cod", None), pay("COMPLETED"), "paid", "applied", ["payment_received"], None),
    (at("paid"), refund("done", amount=1000), "partially_refunded", "applied", ["refund_sent"], None),
    (at("paid"), refund("done"), "refunded", "applied", ["refund_sent"], None),
    (at("paid"), refund("rejected"), "paid", "applied", [], "refund_rejected"),
    (at("paid"), refund("pending"), "paid", "applied", [], None),
    (at("partially_refunded", refunds={"R0": {"amount": 100, "status": "done", "refund_id": "R0"}}),
     refund("done", "R2", 26000), "refunded", "applied", ["refund_sent"], None),
    (at("refunded", refunds={"payu:R1": {"amount": 26100, "status": "done", "refund_id": "R1"}}),
     refund("done"), "refunded", "ignored", [], None),
    (at("refunded", refunds={"payu:R1": {"amount": 26100, "status": "done", "refund_id": "R1"}}),
     refund("rejected"), "refunded", "ignored", [], None),
]  # fmt: skip


@pytest.mark.parametrize(("before", "event", "after", "outcome", "templates", "ticket"), TRANSITIONS)
def test_transition(before, event, after, outcome, templates, ticket):
    decision = decide(before, event)
    assert decision.state.status == after
    assert decision.outcome == outcome
    assert [m.template for m in decision.messages] == templates
    assert (decision.ticket.reason if decision.ticket else None) == ticket
    # Every change, and every flag, is one line on the order's timeline; an ignored event writes nothing
    assert decision.writes == (outcome != "ignored")
    assert len(decision.timeline) == (0 if outcome == "ignored" else 1)
    if outcome == "flagged":
        assert decision.state == before


# Both orders of arrival end in the same state.
TWINS = [
    (pay("PENDING"), pay("COMPLETED"), "paid"),
    (pay("WAITING"), pay("COMPLETED"), "paid"),
    (pay("PENDING"), pay("WAITING"), "waiting_for_confirmation"),
    (pay("PENDING"), pay("CANCELED"), "cancelled"),
    (pay("WAITING"), pay("CANCELED"), "cancelled"),
    (pay("CANCELED"), pay("COMPLETED"), "paid"),
    (pay("CANCELED"), pay("PENDING", "B"), "pending"),
    (pay("CANCELED"), pay("COMPLETED", "B"), "paid"),
    (pay("COMPLETED"), pay("COMPLETED", "B"), "paid"),
    (pay("COMPLETED", amount=1), pay("COMPLETED"), "paid"),
    (pay("COMPLETED"), refund("done"), "refunded"),
    (pay("COMPLETED"), refund("done", amount=1000), "partially_refunded"),
    (pay("COMPLETED"), refund("rejected"), "paid"),
    (refund("rejected"), refund("done"), "pending"),
]


@pytest.mark.parametrize(("first", "second", "final"), TWINS)
def test_out_of_order_twin_ends_in_the_same_state(first, second, final):
    forward, backward = run([first, second]), run([second, first])
    assert forward.status == backward.status == final
    assert forward.refunded() == backward.refunded()


def test_a_whole_life_in_any_order_ends_the_same():
    life = [
        pay("PENDING"),
        pay("CANCELED"),
        pay("PENDING", "B"),
        pay("COMPLETED", "B"),
        refund("done", amount=6100),
    ]
    finals = {(s.status, s.payment_id, s.refunded()) for s in (run(list(p)) for p in permutations(life))}
    assert finals == {("partially_refunded", "B", 6100)}


def test_two_partial_refunds_in_any_order_refund_the_whole_payment():
    events = [pay("COMPLETED"), refund("done", "R1", 10000), refund("done", "R2", 16100)]
    assert {run(list(p)).status for p in permutations(events)} == {"refunded"}


def test_the_same_notification_twice_is_one_change_and_one_email():
    once = decide(START, pay("COMPLETED"))
    twice = decide(once.state, pay("COMPLETED"))
    assert [m.template for m in once.messages] == ["payment_received"]
    assert (twice.outcome, twice.messages, twice.timeline) == ("ignored", (), ())


def test_amount_mismatch_keeps_unpaid_and_names_both_amounts_without_personal_data():
    decision = decide(START, pay("COMPLETED", amount=2610))
    assert decision.state == START and decision.messages == ()
    assert decision.ticket.reason == "amount_mismatch"
    assert "26,10" in decision.ticket.note and "261,00" in decision.ticket.note
    assert "anna" not in decision.ticket.note + decision.ticket.subject
    [line] = decision.timeline
    assert line.text_pl == "Otrzymaliśmy płatność w innej kwocie niż wartość zamówienia. Sprawdzamy to."


def test_paid_email_and_timeline_in_polish():
    decision = decide(START, pay("COMPLETED"))
    [message] = decision.messages
    assert message.subject == "Otrzymaliśmy płatność za zamówienie nr 1001"
    assert "261,00\u00a0zł" in message.text and "PayU" in message.text and CTX.status_url in message.text
    assert decision.timeline[0].text_pl == "Płatność 261,00\u00a0zł otrzymana (PayU)."
    assert decision.verify is False
    p24 = decide(START, pay("COMPLETED").model_copy(update={"provider": "przelewy24"}))
    assert p24.verify is True and p24.state.status == "paid"


def test_a_refund_before_the_paid_notification_counts_when_it_comes_and_no_paid_email():
    refunded_first = run([refund("done")])
    assert refunded_first.status == "pending" and refunded_first.refunded() == 26100
    decision = decide(refunded_first, pay("COMPLETED"))
    assert decision.state.status == "refunded"
    assert decision.messages == ()


def test_refund_requested_then_notified_is_one_refund():
    paid = run([pay("COMPLETED")])
    requested = on_refund_requested(paid, "ZWKEY", 10000, "R1", CTX)
    assert requested.state.refunds["ZWKEY"]["status"] == "pending"
    assert requested.state.refundable == 16100
    assert on_refund_requested(requested.state, "ZWKEY", 10000, "R1", CTX).outcome == "ignored"
    done = decide(requested.state, refund("done", "R1", 10000))  # PayU names only its refund id
    assert list(done.state.refunds) == ["ZWKEY"]
    assert done.state.status == "partially_refunded"
    assert [m.template for m in done.messages] == ["refund_sent"]
    p24_style = decide(requested.state, refund("done", "other-id", 10000, ext="ZWKEY"))  # P24: our uuid
    assert list(p24_style.state.refunds) == ["ZWKEY"]


def test_nothing_is_refundable_before_payment():
    assert START.refundable == 0
    assert run([pay("COMPLETED"), refund("done", amount=100)]).refundable == 26000


# --- Several attempts for one order: each its own payment, the order paid once -------------------
def attempt(status: str, payu_id: str, started: str | None = None, amount: int = 26100) -> PaymentEvent:
    """A notification of one attempt as the PayU plugins send it: their reference holds the attempt's
    start (uniqid: hex seconds and microseconds), which orders attempts by time."""
    return replace_event(pay(status, payu_id, amount), attempt_started=started)


def replace_event(event: PaymentEvent, **changes) -> PaymentEvent:
    return event.model_copy(update=changes)


T1, T2 = "66a1f0c2b3d4e", "66a1f1003a0b1"  # the second attempt started 62 seconds after the first

# (notifications in arrival order, final status, current attempt, e-mails sent, tickets opened)
ATTEMPTS = [
    # "pay again" while the first attempt hangs: PayU later cancels the abandoned one
    ([attempt("PENDING", "A", T1), attempt("PENDING", "B", T2), attempt("CANCELED", "A", T1),
      attempt("COMPLETED", "B", T2)], "paid", "B", ["payment_received"], []),
    # the abandoned attempt's PENDING arrives late: the later attempt stays current
    ([attempt("PENDING", "B", T2), attempt("PENDING", "A", T1), attempt("CANCELED", "A", T1)],
     "pending", "B", [], []),
    # without a start time in the reference, the attempt heard of last is current
    ([attempt("PENDING", "A"), attempt("PENDING", "B"), attempt("CANCELED", "A")], "pending", "B", [], []),
    # the first attempt failed, the second paid: one failure e-mail, one thank-you
    ([attempt("CANCELED", "A", T1), attempt("PENDING", "B", T2), attempt("COMPLETED", "B", T2)],
     "paid", "B", ["payment_failed", "payment_received"], []),
    # both attempts paid: paid once, the second is a double payment for finance
    ([attempt("COMPLETED", "A", T1), attempt("COMPLETED", "B", T2)], "paid", "A", ["payment_received"],
     ["double_payment"]),
    # the current attempt's failure while another is paid changes nothing
    ([attempt("COMPLETED", "B", T2), attempt("CANCELED", "A", T1)], "paid", "B", ["payment_received"], []),
]  # fmt: skip


@pytest.mark.parametrize(("events", "status", "current", "emails", "tickets"), ATTEMPTS)
def test_several_attempts_for_one_order(events, status, current, emails, tickets):
    state, sent, opened = START, [], []
    for event in events:
        decision = on_payment(state, event, CTX)
        state = decision.state
        sent += [m.template for m in decision.messages]
        opened += [decision.ticket.reason] if decision.ticket else []
    assert (state.status, state.payment_id, sent, opened) == (status, current, emails, tickets)
    assert state.paid_amount == (26100 if status == "paid" else 0)


def test_each_attempt_is_its_own_record_that_only_moves_forward():
    from zwrotnica.domain.payments import attempt_record

    pending, paid, late = attempt("PENDING", "A", T1), attempt("COMPLETED", "A", T1), attempt("CANCELED", "A")
    records = [attempt_record(e) for e in (pending, paid, late)]
    assert [(r["payment_id"], r["status"]) for r in records] == [
        ("A", "pending"),
        ("A", "paid"),
        ("A", "cancelled"),
    ]
    assert records[0]["rank"] < records[2]["rank"] < records[1]["rank"]  # a late CANCELED never undoes paid
