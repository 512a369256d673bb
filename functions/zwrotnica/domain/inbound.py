"""What to do with one received e-mail: the pure decision the inbound wiring calls after it has parsed the
message, assessed its safety, classified it and looked up the order its candidates point to.

    parsed = inbound_email.parse_mime(raw)               -> ParsedMail | Rejected
    safety = mail_safety.assess(receipt, source, email, own_domains)
    intent = intent.classify(email.subject, email.new_text, has_tracking_number)
    order  = <store: the first candidate that is an order, or the sender's recent order> -> OrderFacts
    rate   = mail_safety.rate_decision(<store counters>)
    decide(safety, intent, order, candidate_given, thread, rate) -> InboundDecision

The decision never reveals an order to a sender who is not its customer (mail_matching.disclosure), never
answers automatic mail, and answers a parcel question automatically only when everything lines up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from zwrotnica.domain.holidays import is_public_holiday
from zwrotnica.domain.intent import Classification, Intent
from zwrotnica.domain.mail_matching import Disclosure, disclosure
from zwrotnica.domain.mail_safety import Disposition, RateDecision, SafetyAssessment
from zwrotnica.domain.returns import complaint_legal_deadline
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.domain.sla_policy import SlaPolicy
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketStatus


class Action(StrEnum):
    DROP = "drop"  # a virus: nothing but the raw object, no ticket, no answer
    QUARANTINE = "quarantine"  # spam, or a flooding sender: kept for a human, no answer
    RECORD = "record"  # automatic mail, or a follow-up: on the ticket, no answer
    ANSWER_PARCEL = "answer_parcel"  # the live parcel status (messages.inbound_templates.parcel_answer)
    ANSWER_FORM = "answer_form"  # the signed, pre-filled return form (return_form_answer)
    ACKNOWLEDGE = "acknowledge"  # when we will answer (acknowledgement)
    ASK_ORDER_NUMBER = "ask_order_number"  # acknowledgement asking for the order number
    REVEAL_NOTHING = "reveal_nothing"  # an order number, but not this sender's: nothing about it


CATEGORY = {
    Intent.WHERE_IS_PARCEL: TicketCategory.DELIVERY,
    Intent.RETURN: TicketCategory.RETURN,
    Intent.COMPLAINT: TicketCategory.COMPLAINT,
    Intent.OTHER: TicketCategory.OTHER,
}
# A parcel the customer can be told about: not cancelled, not lost in a state only a human explains.
ANSWERABLE = frozenset(
    {
        ShipmentStatus.LABEL_CREATED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.READY_FOR_PICKUP,
        ShipmentStatus.DELAYED,
    }
)


@dataclass(frozen=True)
class OrderFacts:
    """The order a candidate (or the sender's address) matched, as the store found it."""

    order_number: str
    email: str  # personal data: compared, never logged
    shipment_status: ShipmentStatus | None  # the outgoing parcel's status; None: nothing shipped yet


@dataclass(frozen=True)
class ThreadFacts:
    """The open ticket this mail belongs to: its reply tag, In-Reply-To/References, or the same customer
    writing about the same order while the ticket is open."""

    ticket_id: str
    answered_automatically: bool  # the last answer on it was ours, not a person's


@dataclass(frozen=True)
class InboundDecision:
    action: Action
    intent: Intent
    category: TicketCategory
    priority: TicketPriority
    order_number: str | None  # set only when the sender may see the order
    ticket_status: TicketStatus  # what the ticket is left in
    legal_deadline: datetime | None  # a complaint's UPK art. 7a deadline, from the moment it arrived
    reasons: tuple[str, ...]  # codes for the team and the logs: cues, safety reasons, no text

    @property
    def answers(self) -> bool:
        return self.action in (
            Action.ANSWER_PARCEL,
            Action.ANSWER_FORM,
            Action.ACKNOWLEDGE,
            Action.ASK_ORDER_NUMBER,
            Action.REVEAL_NOTHING,
        )


def decide(
    *,
    safety: SafetyAssessment,
    classification: Classification,
    received_at: datetime,
    candidate_given: bool,
    order: OrderFacts | None,
    sender: str | None,
    thread: ThreadFacts | None = None,
    rate: RateDecision = RateDecision.OK,
) -> InboundDecision:
    intent = classification.intent
    category = CATEGORY[intent]
    legal = complaint_legal_deadline(received_at) if classification.complaint_in_law else None
    if legal is not None:
        category = TicketCategory.COMPLAINT
    reasons = [*classification.cues, *safety.automatic]
    show = disclosure(candidate_given, order.email if order else None, sender, safety.trusted)
    number = order.order_number if order is not None and show is Disclosure.ORDER else None
    priority = TicketPriority.HIGH if legal is not None else TicketPriority.NORMAL

    def result(action: Action, status: TicketStatus = TicketStatus.NEW, *extra: str) -> InboundDecision:
        return InboundDecision(action, intent, category, priority, number, status, legal, (*reasons, *extra))

    if safety.disposition is Disposition.DROP:
        return result(Action.DROP, TicketStatus.CLOSED, "virus")
    if safety.disposition is Disposition.QUARANTINE or rate is RateDecision.QUARANTINE:
        return result(Action.QUARANTINE, TicketStatus.NEW, "spam" if rate is RateDecision.OK else "flood")
    if safety.automatic:
        return result(Action.RECORD, TicketStatus.OPEN if thread else TicketStatus.NEW)
    if rate is RateDecision.NO_ANSWER:
        return result(Action.RECORD, TicketStatus.NEW, "rate_limited")
    if not safety.trusted:
        reasons.append("sender_not_verified")
    if thread is not None:
        # The customer wrote again: a person takes it from here, with the first-reply clock from now.
        # After our automatic answer they get one acknowledgement; after a person's answer, none.
        action = Action.ACKNOWLEDGE if thread.answered_automatically else Action.RECORD
        return result(action, TicketStatus.OPEN, "follow_up")
    if show is Disclosure.NOTHING:
        return result(Action.REVEAL_NOTHING)
    if show is Disclosure.NO_ORDER:
        return result(Action.ASK_ORDER_NUMBER)
    if not classification.automatic_answer:
        return result(Action.ACKNOWLEDGE, TicketStatus.NEW, "low_confidence")
    if intent is Intent.WHERE_IS_PARCEL:
        if order is not None and order.shipment_status in ANSWERABLE:
            return result(Action.ANSWER_PARCEL, TicketStatus.PENDING_CUSTOMER, "answered_automatically")
        return result(Action.ACKNOWLEDGE, TicketStatus.NEW, "no_answerable_shipment")
    if intent in (Intent.RETURN, Intent.COMPLAINT):
        return result(Action.ANSWER_FORM)
    return result(Action.ACKNOWLEDGE)


def answer_by(
    received_at: datetime,
    category: TicketCategory,
    policy: SlaPolicy,
    priority: TicketPriority = TicketPriority.NORMAL,
) -> datetime:
    """When the team's first reply is due (the e-mail channel's target on the business calendar), in the
    calendar's time zone, rounded up to a quarter of an hour: the promise the acknowledgement makes."""
    targets = policy.targets_for(TicketChannel.EMAIL, category, priority)
    due = policy.due(targets, "first_reply", received_at)
    if due.minute % 15 or due.second or due.microsecond:
        due = due.replace(second=0, microsecond=0) + timedelta(minutes=15 - due.minute % 15)
    return due


WARSAW = ZoneInfo("Europe/Warsaw")


def expected_delivery(status: ShipmentStatus, last_event_at: datetime | None, now: datetime) -> date | None:
    """A modest estimate for the parcel answer: a parcel out for delivery today arrives today; one in
    transit, on the next courier working day (Monday to Friday, holidays excepted: domestic parcels in
    Poland travel overnight). Nothing is promised for a parcel not yet handed over, or delayed."""
    today = now.astimezone(WARSAW).date()
    if status is ShipmentStatus.OUT_FOR_DELIVERY:
        seen = last_event_at.astimezone(WARSAW).date() if last_event_at else None
        return today if seen == today else None
    if status is ShipmentStatus.IN_TRANSIT:
        day = today + timedelta(days=1)
        while day.weekday() >= 5 or is_public_holiday(day):
            day += timedelta(days=1)
        return day
    return None
