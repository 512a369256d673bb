"""What happens to one received e-mail (domain.inbound.decide), the promised answer time, and the
intent rules' own mechanics (typos, negation, replies, the complaint clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zwrotnica.domain.inbound import (
    Action,
    OrderFacts,
    ThreadFacts,
    answer_by,
    decide,
    expected_delivery,
)
from zwrotnica.domain.intent import Intent, classify, normalise
from zwrotnica.domain.mail_safety import Disposition, RateDecision, SafetyAssessment
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketStatus

S = ShipmentStatus
NOW = datetime(2026, 12, 7, 8, 2, tzinfo=UTC)  # Monday, 09:02 in Warsaw
ANNA = "anna@example.pl"
OK = SafetyAssessment(Disposition.ACCEPT, trusted=True, automatic=())
PARCEL = classify("Gdzie moja paczka?", "Dzień dobry, gdzie jest moja paczka? Zamówienie 1001")
COMPLAINT = classify("Reklamacja", "Czajnik z zamówienia 1001 przestał działać. Proszę o wymianę.")
RETURN = classify("Zwrot", "Chcę zwrócić buty z zamówienia 1001, są za małe.")
OTHER = classify("Faktura", "Proszę o fakturę na firmę do zamówienia 1001.")


def run(classification=PARCEL, safety=OK, order=S.IN_TRANSIT, given=True, sender=ANNA, **kw):
    facts = None if order is None else OrderFacts("1001", ANNA, order)
    return decide(
        safety=safety,
        classification=classification,
        received_at=NOW,
        candidate_given=given,
        order=facts,
        sender=sender,
        **kw,
    )


def test_a_parcel_question_from_the_customer_gets_the_automatic_answer_and_waits_on_them():
    decision = run()
    assert decision.action is Action.ANSWER_PARCEL
    assert decision.ticket_status is TicketStatus.PENDING_CUSTOMER
    assert decision.order_number == "1001" and decision.category is TicketCategory.DELIVERY
    assert "answered_automatically" in decision.reasons and decision.answers


@pytest.mark.parametrize("status", [S.DELIVERED, S.EXCEPTION, S.DELIVERY_FAILED, S.RETURNED, S.UNKNOWN, None])
def test_a_parcel_only_a_person_can_explain_gets_the_acknowledgement(status):
    decision = decide(
        safety=OK,
        classification=PARCEL,
        received_at=NOW,
        candidate_given=True,
        order=OrderFacts("1001", ANNA, status),
        sender=ANNA,
    )
    assert decision.action is Action.ACKNOWLEDGE and decision.ticket_status is TicketStatus.NEW


def test_a_matched_order_of_another_sender_reveals_nothing_exactly_like_an_unknown_number():
    stranger = run(sender="eve@example.pl")
    unknown = run(order=None, sender="eve@example.pl")
    assert stranger.action is unknown.action is Action.REVEAL_NOTHING
    assert stranger.order_number is None and unknown.order_number is None
    assert stranger == unknown


def test_a_spoofed_customer_address_is_never_trusted_with_the_order():
    spoofed = SafetyAssessment(Disposition.ACCEPT, trusted=False, automatic=())
    decision = run(safety=spoofed)
    assert decision.action is Action.REVEAL_NOTHING and decision.order_number is None
    assert "sender_not_verified" in decision.reasons


def test_no_order_number_asks_for_it():
    decision = run(order=None, given=False)
    assert decision.action is Action.ASK_ORDER_NUMBER


def test_the_senders_own_recent_order_counts_without_a_number():
    assert run(given=False).action is Action.ANSWER_PARCEL


def test_a_weak_parcel_question_goes_to_a_person_with_the_acknowledgement():
    weak = classify("", "Mam pytanie w sprawie przesyłki.")
    assert not weak.automatic_answer
    decision = run(classification=weak)
    assert decision.action in (Action.ACKNOWLEDGE, Action.ASK_ORDER_NUMBER)


def test_a_complaint_carries_the_legal_deadline_from_the_moment_it_arrived():
    decision = run(classification=COMPLAINT)
    assert decision.action is Action.ANSWER_FORM
    assert decision.category is TicketCategory.COMPLAINT and decision.priority is TicketPriority.HIGH
    # 14 calendar days from 7 December (UPK art. 7a, no KC 115 shift), end of that day in Warsaw
    assert decision.legal_deadline is not None
    assert decision.legal_deadline.isoformat() == "2026-12-21T23:59:00+01:00"


def test_a_complaint_from_a_stranger_still_starts_the_clock_but_shows_nothing():
    decision = run(classification=COMPLAINT, sender="eve@example.pl")
    assert decision.action is Action.REVEAL_NOTHING and decision.legal_deadline is not None


def test_a_return_gets_the_form():
    assert run(classification=RETURN).action is Action.ANSWER_FORM


def test_anything_else_gets_the_acknowledgement():
    decision = run(classification=OTHER)
    assert decision.action is Action.ACKNOWLEDGE and decision.category is TicketCategory.OTHER


@pytest.mark.parametrize(
    ("safety", "rate", "action"),
    [
        (SafetyAssessment(Disposition.DROP, True, ()), RateDecision.OK, Action.DROP),
        (SafetyAssessment(Disposition.QUARANTINE, True, ()), RateDecision.OK, Action.QUARANTINE),
        (OK, RateDecision.QUARANTINE, Action.QUARANTINE),
        (SafetyAssessment(Disposition.ACCEPT, True, ("auto_submitted",)), RateDecision.OK, Action.RECORD),
        (OK, RateDecision.NO_ANSWER, Action.RECORD),
    ],
)
def test_safety_and_rate_limits_come_before_any_answer(safety, rate, action):
    decision = run(safety=safety, rate=rate)
    assert decision.action is action and not decision.answers


def test_a_follow_up_after_our_automatic_answer_goes_to_a_person_with_one_acknowledgement():
    decision = run(thread=ThreadFacts("TK-0A1B2C3D4E", answered_automatically=True))
    assert decision.action is Action.ACKNOWLEDGE and decision.ticket_status is TicketStatus.OPEN
    assert "follow_up" in decision.reasons


def test_a_follow_up_after_a_persons_answer_is_recorded_without_an_answer():
    decision = run(thread=ThreadFacts("TK-0A1B2C3D4E", answered_automatically=False))
    assert decision.action is Action.RECORD and decision.ticket_status is TicketStatus.OPEN


@pytest.mark.parametrize(
    ("received", "category", "priority", "expected"),
    [
        # e-mail: one working day (8 business hours, Mon-Fri 8-16 Warsaw). Monday 09:02 -> 6 h 58 min on
        # Monday, 1 h 02 min on Tuesday -> Tuesday 09:02, rounded up to 09:15
        (NOW, TicketCategory.OTHER, TicketPriority.NORMAL, "2026-12-08T09:15:00+01:00"),
        # delivery questions: factor 0.5 -> 4 business hours -> Monday 13:02, rounded up to 13:15
        (NOW, TicketCategory.DELIVERY, TicketPriority.NORMAL, "2026-12-07T13:15:00+01:00"),
        # Friday 18:00: nothing counts before Monday 08:00 -> 8 h -> Monday 16:00
        (
            datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
            TicketCategory.OTHER,
            TicketPriority.NORMAL,
            "2026-12-07T16:00:00+01:00",
        ),
        # Christmas: 24, 25, 26 Dec are closed (Wigilia is a public holiday from 2025), 27th a Sunday;
        # a high-priority return (0.5 x 8 h = 4 h) asked on 23 Dec at 16:00 -> Monday 28 Dec 12:00
        (
            datetime(2026, 12, 23, 15, 0, tzinfo=UTC),
            TicketCategory.RETURN,
            TicketPriority.HIGH,
            "2026-12-28T12:00:00+01:00",
        ),
    ],
)
def test_answer_by_follows_the_sla_policy_and_the_business_calendar(received, category, priority, expected):
    assert answer_by(received, category, default_policy(), priority).isoformat() == expected


@pytest.mark.parametrize(
    ("status", "last_event", "expected"),
    [
        (S.OUT_FOR_DELIVERY, datetime(2026, 12, 7, 6, 0, tzinfo=UTC), date(2026, 12, 7)),
        (S.OUT_FOR_DELIVERY, datetime(2026, 12, 4, 6, 0, tzinfo=UTC), None),  # stale: no promise
        (S.IN_TRANSIT, None, date(2026, 12, 8)),
        (S.LABEL_CREATED, None, None),
        (S.DELAYED, None, None),
    ],
)
def test_expected_delivery_is_a_modest_estimate(status, last_event, expected):
    assert expected_delivery(status, last_event, NOW) == expected


def test_expected_delivery_skips_weekends_and_holidays():
    friday = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)  # Wednesday before Christmas
    assert expected_delivery(S.IN_TRANSIT, None, friday) == date(2026, 12, 28)


# --- the intent rules' mechanics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gdzie JEST moja PACZKA???", "gdzie jest moja paczka???"),
        ("Gdize jest moja pacz ka", "gdzie jest moja paczka"),
        ("gdzieeee paczkaaa", "gdzie paczka"),
        ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("o przesyłce", "o przesylce"),  # an inflection is not a typo
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_the_subject_of_a_reply_is_ours_and_is_not_read():
    reply = classify("Re: Zamówienie nr 1005 jest w drodze", "Dziękuję, wszystko w porządku!")
    assert reply.intent is Intent.OTHER and not reply.automatic_answer


def test_negation_takes_the_evidence_away():
    assert classify(
        "", "Nie chcę zwracać butów, tylko pytam, gdzie jest paczka z zamówienia 1001?"
    ).intent is (Intent.WHERE_IS_PARCEL)
    assert not classify("", "Paczka doszła bez uszkodzeń, dziękuję.").complaint_in_law


def test_an_explicit_complaint_is_one_in_law_even_next_to_another_question():
    mixed = classify("", "Gdzie jest druga paczka? I składam reklamację na pierwszą.")
    assert mixed.complaint_in_law and not mixed.automatic_answer


def test_a_parcel_question_with_an_invoice_request_is_not_answered_automatically():
    mixed = classify("", "Kiedy dotrze zamówienie 1001? Proszę też o fakturę.")
    assert not mixed.automatic_answer


def test_a_tracking_number_is_evidence_for_a_parcel_question():
    without = classify("", "paczka stoi w sortowni")
    with_number = classify("", "paczka stoi w sortowni", has_tracking_number=True)
    assert with_number.scores[Intent.WHERE_IS_PARCEL] > without.scores[Intent.WHERE_IS_PARCEL]
    assert "tracking_number" in with_number.cues
