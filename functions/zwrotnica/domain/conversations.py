"""A customer's message on its ticket, pure: which thread it continues, which parcel an answer speaks of,
what the automatic answer says and to whom, and what the ticket records. The conversations use case
(flows/conversations.py) reads the facts through the store and commits what these functions decide.

What the customer is told comes from domain.inbound.decide; this module only turns that decision into
the answer (messages.inbound_templates) and the ticket's lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from zwrotnica.domain import inbound
from zwrotnica.domain.inbound import Action, InboundDecision
from zwrotnica.domain.mail_safety import RateDecision, rate_decision
from zwrotnica.domain.shipment_notices import shipping_context
from zwrotnica.domain.shipments import ShipmentState
from zwrotnica.domain.sla_policy import SlaPolicy
from zwrotnica.messages import inbound_templates
from zwrotnica.messages.policy import WARSAW
from zwrotnica.messages.polish import carrier, date_pl, money
from zwrotnica.messages.team_templates import TicketBrief
from zwrotnica.messages.templates import Email
from zwrotnica.models.inbound import CustomerMessage
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketStatus

RECENT_ORDERS = timedelta(days=60)  # "my parcel" without a number: the sender's only order this recent
FORM_LINK_VALID = timedelta(days=14)
CLOSED = (TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)
MAX_TEXT = 30_000  # characters of a message kept on the ticket (the raw mail keeps the rest)
MAX_NEW_TEXT = 10_000


def day_and_hour(moment: datetime) -> tuple[str, int]:
    """The sender's counter bucket: the Warsaw day (yyyymmdd) and hour."""
    local = moment.astimezone(WARSAW)
    return local.strftime("%Y%m%d"), local.hour


def rate(counters: dict[str, Any], hour: int) -> RateDecision:
    """The sender's counts before this message (store.conversations.count keeps them)."""
    return rate_decision(
        int(counters.get("mails", 0)), int(counters.get(f"h{hour:02d}", 0)), int(counters.get("answers", 0))
    )


def outgoing_parcel(parcels: Sequence[ShipmentState]) -> ShipmentState | None:
    """The parcel an answer speaks of: the order's outbound parcel with the newest news (a return going
    back to the shop is not "my parcel")."""
    outbound = [p for p in parcels if not p.is_return]
    if not outbound:
        return None
    oldest = datetime.min.replace(tzinfo=WARSAW)
    return max(outbound, key=lambda p: p.last_event_at or oldest)


# Automatic answers that may have settled the question (an acknowledgement settles nothing).
SETTLING = frozenset({"inbound_parcel", "inbound_return_form"})


def answered_automatically(ticket: dict[str, Any]) -> bool:
    """The ticket's last word to the customer was an automatic answer to their question (the parcel's
    status, the form), and they have not written since: their next message earns one acknowledgement. A
    person's answer, or an acknowledgement already sent, earns none."""
    for event in reversed(ticket.get("history") or []):
        kind = event.get("kind")
        if kind == "automatic_answer":
            return event.get("detail") in SETTLING
        if kind in ("agent_reply", "customer_message"):
            return False
    return False


@dataclass(frozen=True)
class Answer:
    template: str
    content: Email
    to_order: bool  # sent to the order's address (it speaks of the order), else to the sender


def answer(
    decision: InboundDecision,
    message: CustomerMessage,
    *,
    parcel: ShipmentState | None,
    shop_name: str,
    now: datetime,
    policy: SlaPolicy,
    status_url: str | None,
    form_url: str | None,
) -> Answer | None:
    """The automatic answer the decision calls for, or None (no answer, or a link it needs is missing:
    then the acknowledgement instead of a form answer without its form)."""
    due = inbound.answer_by(message.received_at, decision.category, policy, decision.priority)
    legal = _legal_day(decision.legal_deadline)
    action = decision.action
    if action is Action.ANSWER_PARCEL and parcel is not None and parcel.status is not None:
        context = shipping_context(
            parcel, shop_name=shop_name, status_url=status_url, pickup_deadline=parcel.pickup_deadline
        )
        content = inbound_templates.parcel_answer(
            status=parcel.status,
            ctx=context,
            subject=message.subject,
            last_update=parcel.last_event_at,
            expected_delivery=inbound.expected_delivery(parcel.status, parcel.last_event_at, now),
        )
        return Answer("inbound_parcel", content, to_order=True)
    if action is Action.ANSWER_FORM and decision.order_number and form_url and status_url:
        content = inbound_templates.return_form_answer(
            complaint=decision.category is TicketCategory.COMPLAINT,
            order_number=decision.order_number,
            form_url=form_url,
            status_url=status_url,
            subject=message.subject,
            shop_name=shop_name,
            answer_due=due,
            now=now,
            legal_deadline=legal,
        )
        return Answer("inbound_return_form", content, to_order=True)
    if action is Action.REVEAL_NOTHING:
        content = inbound_templates.reveal_nothing(
            subject=message.subject, shop_name=shop_name, answer_due=due, now=now
        )
        return Answer("inbound_reveal_nothing", content, to_order=False)
    if decision.answers:  # acknowledge, ask for the order number, and a form or parcel answer that fell short
        content = inbound_templates.acknowledgement(
            subject=message.subject,
            shop_name=shop_name,
            answer_due=due,
            now=now,
            ask_order_number=action is Action.ASK_ORDER_NUMBER,
            complaint_deadline=legal,
        )
        return Answer("inbound_acknowledgement", content, to_order=False)
    return None


def _legal_day(deadline: datetime | None) -> date | None:
    return deadline.astimezone(WARSAW).date() if deadline else None


def ticket_subject(message: CustomerMessage, decision: InboundDecision) -> str:
    """The ticket's subject: the customer's own, else what the mail is about (no personal data added)."""
    subject = " ".join(message.subject.split())[:200]
    if subject:
        return subject
    about = f" (zamówienie {decision.order_number})" if decision.order_number else ""
    return f"Wiadomość od klienta{about}"[:200]


def ticket_note(message: CustomerMessage, decision: InboundDecision) -> str:
    """The ticket's note: codes only (intent, cues, safety reasons): it may reach the team's chat."""
    reasons = ", ".join(decision.reasons) or "-"
    return (
        f"Wiadomość klienta ({message.channel.value}): {decision.intent.value}, "
        f"decyzja {decision.action.value}; {reasons}"
    )[:2000]


def message_record(
    message: CustomerMessage, decision: InboundDecision, answer: Answer | None, outbox_id: str | None
) -> dict[str, Any]:
    """The conversation message as the ticket keeps it (the customer's words, the attachments' keys,
    what we decided and answered)."""
    record: dict[str, Any] = {
        "direction": "in",
        "channel": message.channel.value,
        "sender": message.sender,
        "sender_name": message.sender_name or None,
        "subject": message.subject,
        "text": message.text[:MAX_TEXT],
        "new_text": message.new_text[:MAX_NEW_TEXT],
        "message_id": message.message_id,
        "attachments": [a.model_dump(exclude_none=True) for a in message.attachments] or None,
        "raw_key": message.raw_key,
        "intent": decision.intent.value,
        "action": decision.action.value,
        "reasons": list(decision.reasons) or None,
        "notes": list(message.notes) or None,
    }
    if answer is not None and outbox_id:
        record["answer"] = {"template": answer.template, "subject": answer.content.subject, "id": outbox_id}
    return record


def team_brief(
    ticket_id: str,
    thread: dict[str, Any] | None,
    message: CustomerMessage,
    decision: InboundDecision,
    order: dict[str, Any] | None,
    parcel: ShipmentState | None,
    answer: Answer | None,
) -> TicketBrief:
    """What the team's notification says of the ticket: whom, which order (only one the sender may see),
    what we answered already. The team reads personal data here: it goes to the team's mailbox only."""
    name = message.sender_name or ""
    contact = f"{name} <{message.sender}>".strip() if message.sender else (message.phone or name or "-")
    lines = []
    if order is not None and decision.order_number:
        lines.append(
            f"Zamówienie {decision.order_number}: {order.get('shop_status') or '-'}, płatność "
            f"{order.get('payment_status') or '-'}, {money(int(order['total']))}"
            if order.get("total") is not None
            else f"Zamówienie {decision.order_number}"
        )
        if parcel is not None:
            status = parcel.status.value if parcel.status else "brak zdarzeń"
            lines.append(f"Przesyłka {carrier(parcel.carrier).name} {parcel.tracking_number}: {status}")
    source = thread or {}
    legal = decision.legal_deadline or (
        datetime.fromisoformat(source["legal_deadline"].replace("Z", "+00:00"))
        if source.get("legal_deadline")
        else None
    )
    return TicketBrief(
        ticket_id=ticket_id,
        subject=str(source.get("subject") or ticket_subject(message, decision)),
        category=str(source.get("category") or decision.category.value),
        priority=str(source.get("priority") or decision.priority.value),
        channel=message.channel.value,
        contact=contact,
        order_lines=lines,
        legal_deadline=date_pl(legal.astimezone(WARSAW).date()) if legal else None,
        answered_automatically=answer.content.subject if answer is not None else None,
    )


RAISED = {
    TicketPriority.LOW: TicketPriority.NORMAL,
    TicketPriority.NORMAL: TicketPriority.HIGH,
    TicketPriority.HIGH: TicketPriority.URGENT,
    TicketPriority.URGENT: TicketPriority.URGENT,
}


def vip_priority(
    priority: TicketPriority, orders: int, spend: int, min_orders: int, min_spend: int
) -> TicketPriority:
    """A VIP (at least `min_orders` orders, or `min_spend` grosze spent; 0 turns a rule off) gets one step
    higher priority."""
    vip = (min_orders > 0 and orders >= min_orders) or (min_spend > 0 and spend >= min_spend)
    return RAISED[priority] if vip else priority
