"""What the team does to a ticket (the operator CLI): answer the customer, wait, solve.

Each action is a history event (flows.tickets.record_event), so the SLA clocks follow; an answer is also
an e-mail to the order's address, written to the outbox in the same transaction, then sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zwrotnica.flows import outbox as outbox_flow
from zwrotnica.flows import tickets as ticket_flow
from zwrotnica.messages import compose
from zwrotnica.messages.ticket_templates import ticket_reply
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import TicketEvent, TicketEventKind, TicketStatus
from zwrotnica.observability import logger
from zwrotnica.settings import get_settings
from zwrotnica.store import orders as order_store
from zwrotnica.store import tickets as ticket_store

PENDING_ON = {"customer": TicketStatus.PENDING_CUSTOMER, "courier": TicketStatus.PENDING_THIRD_PARTY}


class TicketNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ReplyResult:
    first: bool  # the first reply (stops the first-reply clock) or a next one
    emailed: bool  # an e-mail was written to the outbox (and sent or left for the sweeper's retry)
    why_not: str = ""  # no order, no address on the order


def _ticket(ticket_id: str) -> dict:
    ticket = ticket_store.get(ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def _reply_message(ticket: dict, text: str, now: datetime) -> tuple[OutboxMessage | None, str]:
    number = ticket.get("order_number")
    if not number:
        return None, "the ticket has no order, so no address to write to"
    view = order_store.load_view(number)
    address = view.order.get("email") if view else None
    if not address:
        return None, "the order has no e-mail address"
    settings = get_settings()
    status_url = ""
    if settings.public_base_url:
        from zwrotnica.flows.orders import status_link  # needs the link-signing secret

        status_url = status_link(settings.public_base_url, number, now)
    content = ticket_reply(
        ticket_id=ticket["ticket_id"],
        order_number=number,
        text=text,
        shop_name=settings.shop_name,
        status_url=status_url,
    )
    message = compose.email(
        dedup_key=f"ticket:{ticket['ticket_id']}:reply:{iso(now)}",
        order_number=number,
        recipient=address,
        template="ticket_reply",
        content=content,
        now=now,
    )
    return message, "" if message else "the message rules forbid it"


def reply(ticket_id: str, text: str, now: datetime) -> ReplyResult:
    """Record the team's answer and e-mail it to the customer (the order's address)."""
    if not text.strip():
        raise ValueError("an empty reply")
    ticket = _ticket(ticket_id)
    first = not any(e.get("kind") == TicketEventKind.AGENT_REPLY.value for e in ticket.get("history", []))
    message, why_not = _reply_message(ticket, text, now)
    status = TicketStatus.OPEN if ticket.get("status") == TicketStatus.NEW.value else None
    event = TicketEvent(at=now, kind=TicketEventKind.AGENT_REPLY, status=status)
    messages = [message] if message else []
    ticket_flow.record_event(ticket_id, event, now, messages=messages)
    outbox_flow.deliver(messages, now)
    logger.info("ticket answered", extra={"ticket_id": ticket_id, "first": first, "emailed": bool(messages)})
    return ReplyResult(first=first, emailed=bool(messages), why_not=why_not)


def set_status(ticket_id: str, status: TicketStatus, now: datetime) -> None:
    _ticket(ticket_id)
    ticket_flow.record_event(ticket_id, TicketEvent(at=now, kind=TicketEventKind.STATUS, status=status), now)
    logger.info("ticket status set", extra={"ticket_id": ticket_id, "status": status.value})


def pending(ticket_id: str, on: str, now: datetime) -> TicketStatus:
    """Waiting on the customer pauses the reply clocks; on a courier, the resolution clock."""
    status = PENDING_ON[on]
    set_status(ticket_id, status, now)
    order_number = _ticket(ticket_id).get("order_number")
    if status is TicketStatus.PENDING_THIRD_PARTY and order_number:
        from zwrotnica.store import shipments  # the courier's next event resumes the clock

        shipments.set_paused_ticket(order_number, ticket_id)
    return status


def solve(ticket_id: str, now: datetime) -> None:
    ticket = _ticket(ticket_id)
    set_status(ticket_id, TicketStatus.SOLVED, now)
    ticket_store.release_lock(ticket)
