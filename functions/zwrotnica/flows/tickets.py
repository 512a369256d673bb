"""Tickets: opening one (or a note on the order's open ticket of that category), the escalation
ladder's next step, what the team does (answer the customer, wait, solve), the courier's next event
resuming a ticket that waited on it, and another use case's note on a known ticket (a legal clock kept,
met, or solved with it). Each returns an Effect; SLA times come from domain.sla.

Each team action is a history event (`record`), so the SLA clocks follow; an answer is also an e-mail
to the order's address, in the same commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain import satisfaction, sla
from zwrotnica.domain.reply_address import (
    ThreadKind,
    ThreadRef,
    reply_address,
    reply_headers,
    thread_message_id,
)
from zwrotnica.domain.sla_policy import SlaPolicy, default_policy
from zwrotnica.effect import Effect, Guard
from zwrotnica.messages import compose, legal, reply_templates, survey_templates, team_templates
from zwrotnica.messages import policy as message_policy
from zwrotnica.messages.ticket_templates import ticket_reply
from zwrotnica.models.command import Command
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import Channel, MessageKind, OutboxMessage
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketRequest,
    TicketStatus,
)
from zwrotnica.store import orders as order_store
from zwrotnica.store import shipments
from zwrotnica.store import tickets as ticket_store

RAISE = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
STEP_PL = {"warn": "75% czasu minęło", "breach": "SLA przekroczone", "owner": "2x czas SLA: do właściciela"}
METRIC_PL = {
    "first_reply": "pierwsza odpowiedź",
    "next_reply": "kolejna odpowiedź",
    "resolution": "rozwiązanie",
}
LOUD = "PILNE – TERMIN USTAWOWY: "  # the digest's legal lines come first and read like this


def open_ticket(request: TicketRequest, ctx: Context, fresh: bool = False) -> Effect:
    """A new ticket with its first SLA step, or (when the order has an open ticket of the category)
    a note on that one. Idempotent on `request.source_ref`: the same trigger twice is one ticket or
    one note. First try: create, assuming no open ticket (one round trip); a lost lock (`fresh`):
    read the open ticket and add the note. A case's request with a legal deadline (a complaint's answer,
    a withdrawal's refund) always opens its own ticket and takes no lock."""
    # A case's legal deadline (a complaint's answer, a withdrawal's refund) is a ticket of its own: as a
    # note on another ticket its clock would be lost, and the case's notes name it.
    own = request.legal_deadline is not None and request.case_id is not None
    existing = (
        ticket_store.open_ticket_id(request.order_number, request.category.value)
        if fresh and request.order_number and not own
        else None
    )
    if existing:
        effect = Effect("noted", data={"ticket_id": existing})
        return effect.write(ticket_store.note(existing, request), Guard.DUPLICATE)
    policy = default_policy()
    ticket_id = ticket_store.ticket_id_for(request.source_ref)
    effect = Effect("opened", data={"ticket_id": ticket_id})
    if request.order_number and not own:
        effect.write(ticket_store.lock(request), Guard.CONFLICT)
    new = ticket_store.new(request, sla.opening_due(request, policy), policy.version)
    return effect.write(new, Guard.DUPLICATE)


def open_from_command(command: Command, ctx: Context, fresh: bool) -> Effect:
    return open_ticket(TicketRequest.model_validate(command.payload), ctx, fresh)


def record(
    ticket: dict[str, Any],
    event: TicketEvent,
    now: datetime,
    messages: Sequence[OutboxMessage] = (),
    policy: SlaPolicy | None = None,
    extra: dict[str, Any] | None = None,
) -> Effect:
    """A reply or status change on a ticket read before, with the ticket's next SLA queue time;
    `messages` (the reply to the customer) go out with it; `extra` attributes are set with it."""
    next_due = sla.due_after(ticket, event, policy or default_policy(), now)
    entry = event.model_dump(mode="json")
    status = event.status.value if event.status else None
    effect = Effect("recorded", data={"ticket_id": ticket["ticket_id"]})
    due = iso(next_due) if next_due else None
    effect.write(ticket_store.event(ticket["ticket_id"], entry, status, due, extra))
    return effect.send(messages)


@dataclass(frozen=True)
class Escalation:
    effect: Effect
    steps: list[str]
    held_for_morning: bool
    digest_line: str | None  # what the team's digest says about it


def escalation(ticket: dict[str, Any], now: datetime, policy: SlaPolicy | None = None) -> Escalation:
    """The ticket's due escalation steps (written once: an overlapping sweep's write is a duplicate),
    its next queue time, and the line for the team's digest. Non-urgent steps due at night wait for
    the morning instead of waking anyone up."""
    state = sla.ticket_ladder(ticket, policy or default_policy(), now)
    morning = message_policy.earliest_send(Channel.SMS, now)  # == now outside 21:00-8:00
    urgent = ticket["priority"] == TicketPriority.URGENT.value or any(
        s.startswith("legal:") for s in state.due
    )
    if state.due and morning > now and not urgent:
        held = Effect("held").write(ticket_store.escalation(ticket, [], iso(morning), {}), Guard.DUPLICATE)
        return Escalation(held, [], True, None)
    changes: dict[str, Any] = {}
    if any(step.endswith(":breach") for step in state.due):
        changes |= {"breached": True, "priority": RAISE[ticket["priority"]]}
        changes.setdefault("sla_priority", ticket.get("sla_priority", ticket["priority"]))
    next_due = iso(state.next_due_at) if state.next_due_at else None
    effect = Effect("escalated" if state.due else "rescheduled")
    effect.write(ticket_store.escalation(ticket, state.due, next_due, changes), Guard.DUPLICATE)
    line = None
    if state.due:
        priority = changes.get("priority", ticket["priority"])
        line = digest_line(ticket, state.due, priority)
    return Escalation(effect, state.due, False, line)


def digest_line(ticket: dict[str, Any], steps: list[str], priority: str) -> str:
    """The team digest's line: the ticket, its category and priority in Polish, and the steps reached.
    A legal deadline's steps say which deadline and, on its last day, what missing it means; such a
    line starts with LOUD."""
    from zwrotnica.messages.report_templates import label  # lazy: only the sweeper's digest needs it

    legal_steps = [s.split(":")[1] for s in steps if s.startswith("legal:")]
    # The most pressing step reached says it all: the deadline passed, its last day, 75% of it.
    worst = next((step for step in ("breach", "final", "warn") if step in legal_steps), None)
    texts = [legal.legal_step_text(ticket["category"], worst)] if worst else []
    texts += [
        f"{METRIC_PL[s.split(':')[0].split('#')[0]]}: {STEP_PL[s.split(':')[1]]}"
        for s in steps
        if not s.startswith("legal:")
    ]
    category = label("category", ticket["category"])
    line = f"{ticket['ticket_id']} [{category}, priorytet {label('priority', priority)}] {ticket['subject']}"
    return f"{LOUD if legal_steps else ''}{line} ({'; '.join(texts)})"


PENDING_ON = {"customer": TicketStatus.PENDING_CUSTOMER, "courier": TicketStatus.PENDING_THIRD_PARTY}


class TicketNotFound(LookupError):
    pass


class NotSent(StrEnum):
    """Why a team reply reached nobody: the CLI prints the explanation, and a reply that came by e-mail
    tells its sender in Polish (messages.team_templates.reply_undelivered, by the code)."""

    NO_ADDRESS = "no_address"
    NO_ORDER_EMAIL = "no_order_email"
    RULES = "rules"
    SMS_TOO_LONG = "sms_too_long"
    NOT_MOBILE = "not_mobile"

    @property
    def explained(self) -> str:
        return NOT_SENT_EN[self]


NOT_SENT_EN = {
    NotSent.NO_ADDRESS: "the ticket has no order, so no address to write to",
    NotSent.NO_ORDER_EMAIL: "the order has no e-mail address",
    NotSent.RULES: "the message rules forbid it",
    NotSent.SMS_TOO_LONG: "too long for an SMS (at most 2 segments): shorten it, or call the customer",
    NotSent.NOT_MOBILE: "the phone is not a Polish mobile number",
}


@dataclass(frozen=True)
class ReplyResult:
    first: bool  # the first reply (stops the first-reply clock) or a next one
    emailed: bool  # an e-mail was written to the outbox (and sent or left for the sweeper's retry)
    not_sent: NotSent | None = None  # why it reached nobody

    @property
    def why_not(self) -> str:
        return self.not_sent.explained if self.not_sent else ""


def _ticket(ticket_id: str) -> dict[str, Any]:
    ticket = ticket_store.get(ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def _reply_message(
    ticket: dict[str, Any], text: str, ctx: Context
) -> tuple[OutboxMessage | None, NotSent | None]:
    number = ticket.get("order_number")
    contact = (ticket.get("contact") or {}).get("email")
    phone = (ticket.get("contact") or {}).get("phone")
    if not contact and phone and ticket.get("channel") in ("phone", "chat", "social", "form"):
        # The customer left a phone only (a call, a chat handoff): the answer goes by SMS, if it fits.
        return _reply_sms(ticket, text, phone, ctx)
    if not number and not contact:
        return None, NotSent.NO_ADDRESS
    address = contact
    if not address:
        view = order_store.load_view(number)
        address = view.order.get("email") if view else None
    if not address:
        return None, NotSent.NO_ORDER_EMAIL
    conversation = _conversation_thread(ticket, ctx)
    content = ticket_reply(
        ticket_id=ticket["ticket_id"],
        order_number=number or "",
        text=text,
        shop_name=ctx.shop_name,
        status_url=(ctx.status_url(number) or "") if number else "",
        subject=ticket.get("subject") if ticket.get("conversation") else None,
    )
    message = compose.email(
        dedup_key=f"ticket:{ticket['ticket_id']}:reply:{iso(ctx.now)}",
        order_number=number or ticket["ticket_id"],  # no order: the ticket's own outbox partition
        recipient=address,
        template="ticket_reply",
        content=content,
        now=ctx.now,
        **conversation,
    )
    return message, None if message else NotSent.RULES


def _reply_sms(
    ticket: dict[str, Any], text: str, phone: str, ctx: Context
) -> tuple[OutboxMessage | None, NotSent | None]:
    from zwrotnica.messages.sms import SmsTooLong

    body = " ".join(text.split())
    try:
        message = compose.sms(
            dedup_key=f"ticket:{ticket['ticket_id']}:reply:{iso(ctx.now)}",
            order_number=ticket.get("order_number") or ticket["ticket_id"],
            phone=phone,
            template="ticket_reply_sms",
            text=body,
            now=ctx.now,
        )
    except SmsTooLong:
        return None, NotSent.SMS_TOO_LONG
    return message, None if message else NotSent.NOT_MOBILE


def _conversation_thread(ticket: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A conversation ticket's answer joins the customer's thread: the ticket's signed reply address,
    In-Reply-To their last message, References the thread (domain.reply_address). A person's answer is
    not automatic: no Auto-Submitted."""
    mailbox = ctx.settings.inbound_address
    reply_to = root = None
    if mailbox and ctx.link_key:
        ref = ThreadRef(ThreadKind.TICKET, ticket["ticket_id"])
        reply_to = reply_address(ctx.link_key, ref, mailbox)
        root = thread_message_id(ctx.link_key, ref, mailbox.rpartition("@")[2])
    if not (ticket.get("conversation") or reply_to):
        return {}
    headers = reply_headers(
        in_reply_to=ticket.get("last_message_id"),
        references=list(ticket.get("references") or []),
        root=root,
        automatic=False,
    )
    return {"reply_to": reply_to, "headers": headers}


def reply(
    ticket_id: str, text: str, ctx: Context, fresh: bool = False, template: str | None = None
) -> Effect:
    """Record the team's answer and e-mail it to the customer (the conversation's contact, else the
    order's address). With `template` (messages.reply_templates), its text filled from the ticket's
    order, parcel and case comes first and `text` follows it. The Effect's data carries the ReplyResult."""
    return _reply(_ticket(ticket_id), text, ctx, template)


def _reply(ticket: dict[str, Any], text: str, ctx: Context, template: str | None = None) -> Effect:
    if template:
        text = "\n\n".join(p for p in (_from_template(ticket, template, ctx), text.strip()) if p)
    if not text.strip():
        raise ValueError("an empty reply")
    first = not any(e.get("kind") == TicketEventKind.AGENT_REPLY.value for e in ticket.get("history", []))
    message, not_sent = _reply_message(ticket, text, ctx)
    status = TicketStatus.OPEN if ticket.get("status") == TicketStatus.NEW.value else None
    event = TicketEvent(at=ctx.now, kind=TicketEventKind.AGENT_REPLY, status=status, detail=template)
    effect = record(ticket, event, ctx.now, [message] if message else [])
    effect.data["reply"] = ReplyResult(first=first, emailed=bool(message), not_sent=not_sent)
    return effect


def reply_from_command(command: Command, ctx: Context, fresh: bool) -> Effect:
    """A team member's answer that came by e-mail (flows.conversations stored it on the ticket): recorded
    and sent to the customer as any team reply."""
    ticket_id = command.payload["ticket_id"]
    item = ticket_store.message_item(ticket_id, command.payload["message"])
    if item is None or not str(item.get("new_text") or "").strip():
        return Effect("nothing_to_send")
    ticket = _ticket(ticket_id)
    effect = _reply(ticket, item["new_text"], ctx)
    result: ReplyResult = effect.data["reply"]
    if not result.emailed and item.get("sender"):
        # Recorded, but it reached nobody: the team member who wrote it is told why, on the ticket's thread.
        effect.send(
            [
                compose.email(
                    dedup_key=f"team-undelivered:{command.payload['message']}",
                    order_number=ticket.get("order_number") or ticket_id,
                    recipient=str(item["sender"]),
                    template="team_reply_undelivered",
                    content=team_templates.reply_undelivered(
                        ticket_id=ticket_id,
                        subject=str(ticket.get("subject") or ""),
                        reason=(result.not_sent or NotSent.RULES).value,
                    ),
                    now=ctx.now,
                )
            ]
        )
    return effect


def _from_template(ticket: dict[str, Any], name: str, ctx: Context) -> str:
    """A ready answer filled from the ticket's order, its newest outbound parcel and its case."""
    template = reply_templates.get(name)  # UnknownTemplate: the CLI lists the names
    number = ticket.get("order_number")
    view = order_store.load_view(number) if number else None
    outbound = [s for s in (view.shipments if view else []) if not s.get("is_return")]
    parcel = max(outbound, key=lambda s: s.get("last_event_at") or "", default=None)
    cases = sorted(view.cases if view else [], key=lambda c: c.get("received_at") or "")
    case = next((c for c in cases if c.get("case_id") == ticket.get("case_id")), cases[-1] if cases else None)
    values = reply_templates.facts(
        order=view.order if view else None,
        parcel=parcel,
        case=case,
        status_url=ctx.status_url(number) if number else None,
        return_address=ctx.settings.return_address,
    )
    return reply_templates.render(template, values)


def note(ticket_id: str, text: str, ctx: Context, fresh: bool = False) -> Effect:
    """An internal note: on the ticket for the team, never sent to the customer, no clock moves."""
    if not text.strip():
        raise ValueError("an empty note")
    _ticket(ticket_id)
    request = TicketRequest(
        category=TicketCategory.OTHER,
        subject="-",
        note=text.strip()[:2000],
        source_ref=f"note:{ticket_id}:{iso(ctx.now)}",
        at=ctx.now,
    )
    return Effect("noted", data={"ticket_id": ticket_id}).write(
        ticket_store.note(ticket_id, request), Guard.DUPLICATE
    )


def set_status(ticket_id: str, status: TicketStatus, ctx: Context, fresh: bool = False) -> Effect:
    ticket = _ticket(ticket_id)
    survey = _csat_survey(ticket, ctx) if status is TicketStatus.SOLVED else None
    event = TicketEvent(at=ctx.now, kind=TicketEventKind.STATUS, status=status)
    extra = {"csat_sent": iso(ctx.now)} if survey else None
    effect = record(ticket, event, ctx.now, [survey] if survey else [], extra=extra)
    if status is TicketStatus.SOLVED and (release := ticket_store.release_lock(ticket)):
        # A solved ticket frees the order's lock: the next problem of its category opens a new ticket.
        effect.write(release, Guard.OPTIONAL)
    if status is TicketStatus.SOLVED and (ended := ticket_store.release_conversation(ticket)):
        # ...and a solved conversation its order's: the customer's next message opens a new ticket.
        effect.write(ended, Guard.OPTIONAL)
    return effect


def _csat_survey(ticket: dict[str, Any], ctx: Context) -> OutboxMessage | None:
    """When a person's ticket is solved: one CSAT e-mail (domain.satisfaction), once per ticket. Only where
    a person answered (the customer knows of the ticket) and links can be signed."""
    answered = any(e.get("kind") == TicketEventKind.AGENT_REPLY.value for e in ticket.get("history", []))
    if ticket.get("csat_sent") or not answered or not (ctx.base_url and ctx.link_key):
        return None
    number = ticket.get("order_number")
    address = (ticket.get("contact") or {}).get("email")
    consent = False
    if number and (not address or ctx.settings.csat_needs_consent):
        view = order_store.load_view(number)
        address = address or (view.order.get("email") if view else None)
        # the consent given with the order and not withdrawn since
        consent = bool(
            view and view.order.get("marketing_consent") and not view.order.get("marketing_withdrawn_at")
        )
    if not address:
        return None
    token = satisfaction.csat_token(ctx.link_key, ticket["ticket_id"], ctx.now)
    base = f"{ctx.base_url.rstrip('/')}/csat/{ticket['ticket_id']}"
    links = {score: f"{base}?s={score}&t={token}" for score in satisfaction.CSAT_SCORES}
    kind = MessageKind.MARKETING if ctx.settings.csat_needs_consent else MessageKind.TRANSACTIONAL
    # As marketing it carries the one-click unsubscribe of its order (compose refuses it without one)
    unsubscribe_url = ctx.unsubscribe_url(number) if number and kind is MessageKind.MARKETING else None
    content = survey_templates.csat_request(
        ticket_id=ticket["ticket_id"],
        subject=ticket.get("subject", ""),
        links=links,
        shop_name=ctx.shop_name,
        unsubscribe_url=unsubscribe_url,
    )
    return compose.email(
        dedup_key=f"csat:{ticket['ticket_id']}",
        order_number=number or ticket["ticket_id"],
        recipient=address,
        template="csat_request",
        content=content,
        now=ctx.now,
        kind=kind,
        marketing_consent=consent,
        unsubscribe_url=unsubscribe_url,
        **_conversation_thread(ticket, ctx),
    )


def pending(ticket_id: str, on: str, ctx: Context, fresh: bool = False) -> Effect:
    """Waiting on the customer pauses the reply clocks; on a courier, the resolution clock, and the
    order's parcels are marked so that the courier's next event resumes it."""
    status = PENDING_ON[on]
    effect = set_status(ticket_id, status, ctx)
    order_number = _ticket(ticket_id).get("order_number")
    if status is TicketStatus.PENDING_THIRD_PARTY and order_number:
        for key in shipments.outbound_keys(order_number):
            effect.write(shipments.paused_ticket(key, ticket_id))
    effect.data["status"] = status
    return effect


def solve(ticket_id: str, ctx: Context, fresh: bool = False) -> Effect:
    return set_status(ticket_id, TicketStatus.SOLVED, ctx)


def resume_from_command(command: Command, ctx: Context, fresh: bool) -> Effect:
    """The parcel moved: a ticket waiting on the courier gets its resolution clock back (no helpdesk
    does this). Only if it is still waiting: a ticket the team reopened or solved is left alone. The
    parcels' marks go either way."""
    ticket_id, order_number = command.payload["ticket_id"], command.payload["order_number"]
    ticket = ticket_store.get(ticket_id)
    effect = Effect("not_waiting")
    if ticket and ticket.get("status") == TicketStatus.PENDING_THIRD_PARTY.value:
        event = TicketEvent(at=ctx.now, kind=TicketEventKind.STATUS, status=TicketStatus.OPEN)
        effect = record(ticket, event, ctx.now)
        effect.outcome = "resumed"
    for key in shipments.outbound_keys(order_number):
        effect.write(shipments.paused_ticket(key, None))
    return effect


def update_from_command(command: Command, ctx: Context, fresh: bool) -> Effect:
    """Another use case's note on a known ticket (named by the `source_ref` that opened it), once per
    `ref`: solving it (a refund ordered), or marking its legal deadline kept (a complaint answered).
    A ticket not there yet is waited for when `required` (its own opening command may still be
    pending: this command is retried); else nothing."""
    payload = command.payload
    ticket = ticket_store.get(ticket_store.ticket_id_for(payload["source_ref"]))
    if ticket is None:
        if payload.get("required"):
            raise TicketNotFound(payload["source_ref"])
        return Effect("nothing")
    ref = payload["ref"]
    if ref in ticket.get("refs", ()):
        return Effect("duplicate")
    closed = ticket.get("status") in (TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)
    solve = bool(payload.get("solve")) and not closed
    event = (
        TicketEvent(at=ctx.now, kind=TicketEventKind.STATUS, status=TicketStatus.SOLVED) if solve else None
    )
    met = bool(payload.get("legal_met")) and bool(ticket.get("legal_deadline"))
    watched = {k: v for k, v in ticket.items() if not (met and k == "legal_deadline")}
    next_due = None
    if not (solve or closed):
        state = sla.ticket_ladder(watched, default_policy(), ctx.now)
        next_due = ctx.now if state.due else state.next_due_at
    effect = Effect("updated", data={"ticket_id": ticket["ticket_id"], "solved": solve})
    update = ticket_store.updated(
        ticket["ticket_id"],
        ref=ref,
        note={"at": iso(ctx.now), "text": payload["note"], "ref": ref},
        entry=event.model_dump(mode="json") if event else None,
        status=TicketStatus.SOLVED.value if solve else None,
        next_due=iso(next_due) if next_due else None,
        legal_met_at=iso(ctx.now) if met else None,
    )
    effect.write(update, Guard.DUPLICATE)
    # A case's legal ticket never took the order's lock (open_ticket): nothing to free then.
    locked = not (ticket.get("case_id") and (ticket.get("legal_deadline") or ticket.get("legal_met_at")))
    if solve and locked and (release := ticket_store.release_lock(ticket)):
        effect.write(release, Guard.OPTIONAL)
    return effect
