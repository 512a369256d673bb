"""Customers write in: one message (an e-mail SES received, or POST /tickets with a message) becomes a
message on a ticket, and, where the rules allow, an automatic answer at once. One Effect per message.

    thread   a signed reply tag or thread id in its headers (a ticket, an order, a case) -> an outside
             tool's thread (POST /tickets) -> the order's open conversation, when the sender is its customer
    order    the first order number that exists -> a tracking number's parcel -> the sender's only order of
             the last 60 days (no number given at all)
    counts   the sender's mails and answers today and this hour (rate limits)
    decide   domain.inbound.decide: drop, quarantine, record, or answer (parcel status, return form,
             acknowledgement, ask for the order number, reveal nothing)
    commit   the ticket (new, or the customer's message on it), the conversation message (the idempotency
             marker: a message recorded twice is one), the answer in the outbox (threaded), the counters,
             and for an automatic parcel answer a deferred command that solves the ticket as deflected
             unless the customer writes again

Round trips before the answer is queued, for a parcel question naming its order: one BatchGetItem
(orders, their conversations, tagged tickets, counters), one BatchGetItem (the order's parcels and its
open conversation's ticket), the commit. A tracking number, a case tag or the sender's last order adds
one Query and one BatchGetItem.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain import conversations as rules
from zwrotnica.domain import intent, links, mail_matching, sla, team_access
from zwrotnica.domain.inbound import Action, InboundDecision, OrderFacts, ThreadFacts, decide
from zwrotnica.domain.mail_safety import Disposition, SafetyAssessment
from zwrotnica.domain.reply_address import (
    ThreadKind,
    ThreadRef,
    reply_address,
    reply_headers,
    thread_message_id,
    threads_in,
    verify_tag,
)
from zwrotnica.domain.shipments import ShipmentState
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.effect import Effect, Guard
from zwrotnica.messages import compose, team_templates
from zwrotnica.models.command import Command, CommandKind
from zwrotnica.models.common import iso
from zwrotnica.models.inbound import CustomerMessage
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import (
    Contact,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketRequest,
    TicketStatus,
)
from zwrotnica.store import conversations as store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import tickets as ticket_store

KEPT_REFERENCES = 20


def _refs(message: CustomerMessage, ctx: Context) -> list[ThreadRef]:
    """Threads named by signed plus tags (pomoc+t-TK-...@) and by our thread ids in its headers."""
    if not ctx.link_key:
        return []
    found = [ref for tag in message.tags if (ref := verify_tag(ctx.link_key, tag)) is not None]
    found += threads_in(ctx.link_key, message.references, ctx.settings.own_domains)
    unique: list[ThreadRef] = []
    for ref in found:
        ref = ThreadRef(ref.kind, ref.id.upper()) if ref.kind is ThreadKind.TICKET else ref
        if ref not in unique:
            unique.append(ref)
    return unique


def _sender_key(message: CustomerMessage) -> str | None:
    if message.sender:
        return mail_matching.mailbox_key(message.sender)
    if message.phone:
        return "tel:" + mail_matching.mailbox_key(message.phone + "@phone")
    return None


class _Facts:
    """What the reads found for one message."""

    def __init__(self) -> None:
        self.thread: dict[str, Any] | None = None
        self.order_number: str | None = None
        self.order_email: str | None = None
        self.order: dict[str, Any] | None = None
        self.parcel: ShipmentState | None = None
        self.counters: dict[str, Any] = {}
        self.reads = 0


def _gather(
    message: CustomerMessage,
    refs: list[ThreadRef],
    numbers: list[str],
    tracking: list[mail_matching.TrackingCandidate],
    trusted: bool,
    fresh: bool,
) -> _Facts:
    facts = _Facts()
    sender_key = _sender_key(message)
    day, _ = rules.day_and_hour(message.received_at)
    tagged = [r.id for r in refs if r.kind is ThreadKind.TICKET]
    got = store.gather(numbers, tagged, sender_key, day, _thread_name(message), consistent=fresh)
    facts.counters = got.counters
    facts.thread = next((got.tickets[t] for t in tagged if t in got.tickets), None)
    number = next((n for n in numbers if n in got.orders), None)
    order = got.orders.get(number) if number else None
    parcels: list[dict[str, Any]] = []
    conversation = got.conversations.get(number) if number else None
    # An order found another way: a case's tag, a tracking number, the sender's only recent order
    if number is None:
        number, parcel_item = _order_elsewhere(message, refs, numbers, tracking, sender_key)
        if number is not None:
            late = store.order_context(number, consistent=fresh)
            order, conversation = late.orders.get(number), late.conversations.get(number)
            parcels = [parcel_item] if parcel_item else []
    if order is not None and number is not None:
        facts.order_number, facts.order_email, facts.order = number, order.get("email"), order
    # Second read: the order's parcels, and the ticket of the order's open conversation (or of the
    # outside tool's thread), in one BatchGetItem
    keys = store.shipment_keys(number, order) if order is not None and number and not parcels else []
    open_ticket = None
    if facts.thread is None:
        customer = trusted and mail_matching.same_mailbox(facts.order_email, message.sender)
        open_ticket = got.thread_ticket or (conversation if customer else None)
    found = store.batch_get(keys + ([store.ticket_key(open_ticket)] if open_ticket else []), consistent=fresh)
    parcels += [i for i in found if i.get("type") == "shipment"]
    if open_ticket:
        facts.thread = next((i for i in found if i.get("sk") == "TICKET"), None)
    states = [ShipmentState.from_item(p) for p in parcels]
    facts.parcel = rules.outgoing_parcel(states)
    return facts


def _thread_name(message: CustomerMessage) -> str | None:
    return f"{message.channel.value}:{message.thread_ref}" if message.thread_ref else None


def _order_elsewhere(
    message: CustomerMessage,
    refs: list[ThreadRef],
    numbers: list[str],
    tracking: list[mail_matching.TrackingCandidate],
    sender_key: str | None,
) -> tuple[str | None, dict[str, Any] | None]:
    """(order number, the parcel that named it) when no order number in the message exists."""
    for ref in refs:
        if ref.kind is ThreadKind.CASE and (number := store.case_order(ref.id)):
            return number, None
    for candidate in tracking:
        parcel, _ = shipment_store.find(candidate.carrier, candidate.number)
        if parcel is not None:
            return ShipmentState.from_item(parcel).order_number, parcel
    if not (numbers or tracking or refs) and message.sender and sender_key:
        recent = store.recent_orders(sender_key, message.received_at - rules.RECENT_ORDERS)
        if len(recent) == 1:  # more than one: a guess, so the acknowledgement asks for the number
            return str(recent[0].get("number")), None
    return None, None


def receive(message: CustomerMessage, safety: SafetyAssessment, ctx: Context, fresh: bool = False) -> Effect:
    """One message from a customer: its ticket, its answer, its follow-up; see the module's docstring."""
    tracking = mail_matching.tracking_candidates(f"{message.subject}\n{message.new_text}")
    candidates = mail_matching.order_candidates(message.subject, message.new_text)
    classification = intent.classify(message.subject, message.new_text, bool(tracking))
    refs = _refs(message, ctx)
    team = next((r for r in refs if r.kind is ThreadKind.TEAM), None)
    if team is not None:
        return _team_reply(message, safety, team.id.upper(), ctx)
    tagged_orders = [r.id for r in refs if r.kind is ThreadKind.ORDER]
    named = [message.order_number] if message.order_number else []  # the tool named it (POST /tickets)
    numbers = list(dict.fromkeys([*tagged_orders, *named, *(c.number for c in candidates)]))
    facts = _gather(message, refs, numbers, tracking, safety.trusted, fresh)
    _, hour = rules.day_and_hour(message.received_at)
    thread = facts.thread
    order = (
        OrderFacts(facts.order_number, facts.order_email or "", facts.parcel.status if facts.parcel else None)
        if facts.order_number
        else None
    )
    decision = decide(
        safety=safety,
        classification=classification,
        received_at=message.received_at,
        candidate_given=bool(candidates or tracking or tagged_orders or named),
        order=order,
        sender=message.sender,
        thread=ThreadFacts(thread["ticket_id"], rules.answered_automatically(thread)) if thread else None,
        rate=rules.rate(facts.counters, hour),
    )
    data = {
        "action": decision.action.value,
        "intent": decision.intent.value,
        "confidence": classification.confidence,
        "complaint_in_law": classification.complaint_in_law,
        "trusted": safety.trusted,
        "reasons": list(decision.reasons),
        "order_candidates": len(candidates),
        "tracking_candidates": len(tracking),
        "threaded": thread is not None,
    }
    effect = Effect(decision.action.value, data=data)
    sender_key = _sender_key(message)
    day, _ = rules.day_and_hour(message.received_at)
    if decision.action in (Action.DROP, Action.QUARANTINE):
        kept = {"action": decision.action.value, "reasons": list(decision.reasons)}
        kept["raw_key"] = message.raw_key
        effect.write(store.marker(message.key, kept, message.received_at), Guard.DUPLICATE)
        if sender_key:
            effect.write(store.count(sender_key, day, hour, False, ctx.now))
        return effect
    ticket_id = thread["ticket_id"] if thread else ticket_store.ticket_id_for(message.key)
    answer, outgoing = _answer(decision, message, facts, ticket_id, ctx)
    if outgoing is None and ctx.send:
        answer = None  # nobody to send it to (an order without an address): the team answers
    parcel_answered = answer is not None and answer.template == "inbound_parcel"
    record = rules.message_record(message, decision, answer, outgoing.message_id if outgoing else None)
    effect.write(ticket_store.message(ticket_id, message.received_at, message.key, record), Guard.DUPLICATE)
    if thread is not None:
        status = _continue(effect, thread, message, decision, safety, answer, ctx)
    else:
        status = _open(effect, ticket_id, message, decision, safety, answer, parcel_answered, ctx)
    if outgoing is not None:
        effect.send([outgoing])
    if status is not None and status is not TicketStatus.PENDING_CUSTOMER and ctx.settings.team_email:
        # A person is needed: the team gets the message with its context; their reply answers the customer.
        effect.send([_team_notice(ticket_id, thread, message, decision, facts, answer, ctx)])
    if sender_key:
        effect.write(store.count(sender_key, day, hour, outgoing is not None, ctx.now))
    if parcel_answered and thread is None:
        effect.follow(_deflection(ticket_id, message, ctx))
    effect.data |= {
        "ticket_id": ticket_id,
        "opened": thread is None,
        "answered": outgoing is not None,
        "template": answer.template if answer else None,
    }
    return effect


def _answer(
    decision: InboundDecision, message: CustomerMessage, facts: _Facts, ticket_id: str, ctx: Context
) -> tuple[rules.Answer | None, OutboxMessage | None]:
    number = decision.order_number
    status_url = ctx.status_url(number) if number else None
    form_url = None
    if number and decision.action is Action.ANSWER_FORM and ctx.base_url and ctx.link_key:
        kind = "complaint" if decision.category is TicketCategory.COMPLAINT else "withdrawal"
        valid = rules.FORM_LINK_VALID
        form_url = links.return_form_url(ctx.base_url, ctx.link_key, number, ctx.now, valid, kind)
    answer = rules.answer(
        decision,
        message,
        parcel=facts.parcel if number else None,
        shop_name=ctx.shop_name,
        now=ctx.now,
        policy=default_policy(),
        status_url=status_url,
        form_url=form_url,
    )
    if answer is None or not ctx.send:
        return answer, None
    recipient = facts.order_email if answer.to_order else message.sender
    if not recipient:
        return answer, None
    reply_to, root = _thread_address(ticket_id, ctx)
    headers = reply_headers(
        in_reply_to=message.message_id, references=message.references, root=root, automatic=True
    )
    outgoing = compose.email(
        dedup_key=f"inbound:{message.key}",
        order_number=number or ticket_id,  # no order to show: the ticket's own outbox partition
        recipient=recipient,
        template=answer.template,
        content=answer.content,
        now=ctx.now,
        reply_to=reply_to,
        headers=headers,
    )
    return answer, outgoing


def _thread_address(
    ticket_id: str, ctx: Context, kind: ThreadKind = ThreadKind.TICKET
) -> tuple[str | None, str | None]:
    """The ticket's signed reply address and thread id (the customer's, or the team's notification
    thread); none until receiving is set up."""
    mailbox = ctx.settings.inbound_address
    if not (mailbox and ctx.link_key):
        return None, None
    ref = ThreadRef(kind, ticket_id)
    domain = mailbox.rpartition("@")[2]
    return reply_address(ctx.link_key, ref, mailbox), thread_message_id(ctx.link_key, ref, domain)


def _thread_fields(message: CustomerMessage) -> dict[str, Any]:
    chain = [*message.references, *([message.message_id] if message.message_id else [])]
    return {"last_message_id": message.message_id, "references": chain[-KEPT_REFERENCES:] or None}


def _events(message: CustomerMessage, answer: rules.Answer | None, status: TicketStatus | None, ctx: Context):
    events = []
    if answer is not None:
        events.append(TicketEvent(at=ctx.now, kind=TicketEventKind.AUTOMATIC_ANSWER, detail=answer.template))
    if status is not None:
        events.append(TicketEvent(at=ctx.now, kind=TicketEventKind.STATUS, status=status))
    return events


def _open(
    effect: Effect,
    ticket_id: str,
    message: CustomerMessage,
    decision: InboundDecision,
    safety: SafetyAssessment,
    answer: rules.Answer | None,
    parcel_answered: bool,
    ctx: Context,
) -> TicketStatus | None:
    """A new conversation ticket: born answered and waiting on the customer after a parcel answer. Returns
    its status (None for automatic mail: nobody needs telling)."""
    policy = default_policy()
    status = decision.ticket_status
    if status is TicketStatus.PENDING_CUSTOMER and not parcel_answered:
        status = TicketStatus.NEW  # the parcel answer fell short: nothing to wait for, a person answers
    priority = decision.priority
    if safety.automatic and priority is TicketPriority.NORMAL:
        priority = TicketPriority.LOW  # automatic mail (an out-of-office reply, a bounce) with no thread
    elif decision.order_number and message.sender and not parcel_answered:
        # The order's own customer needs a person: a VIP goes first (one Query, off the parcel answer's path)
        found = store.customer_orders(mail_matching.mailbox_key(message.sender))
        spend = sum(int(o.get("total") or 0) for o in found)
        settings = ctx.settings
        priority = rules.vip_priority(
            priority, len(found), spend, settings.vip_min_orders, settings.vip_min_spend_grosze
        )
    thread_name = _thread_name(message)
    request = TicketRequest(
        order_number=decision.order_number,
        channel=message.channel,
        category=decision.category,
        priority=priority,
        subject=rules.ticket_subject(message, decision),
        note=rules.ticket_note(message, decision),
        source_ref=message.key,
        at=message.received_at,
        legal_deadline=decision.legal_deadline,
        contact=Contact(email=message.sender, name=message.sender_name[:200], phone=message.phone),
        thread_ref=thread_name,
    )
    opened = TicketEvent(at=message.received_at, kind=TicketEventKind.OPENED)
    events = [opened, *_events(message, answer, status if status is not TicketStatus.NEW else None, ctx)]
    targets = policy.targets_for(request.channel, request.category, request.priority)
    _, ladder = sla.evaluate(events, policy, targets, set(), ctx.now, request.legal_deadline)
    due = ctx.now if ladder.due else ladder.next_due_at
    extra = {"conversation": True, **_thread_fields(message)}
    if parcel_answered:
        extra["auto_answer"] = message.key
    history = [e.model_dump(mode="json", exclude_none=True) for e in events]
    new = ticket_store.new(request, due, policy.version, status=status, history=history, extra=extra)
    effect.write(new, Guard.DUPLICATE)
    if decision.order_number and not safety.automatic:
        # The customer's conversation about the order (an out-of-office reply opens none).
        effect.write(store.conversation(decision.order_number, ticket_id), Guard.CONFLICT)
    if thread_name:
        effect.write(store.external_thread(thread_name, ticket_id), Guard.CONFLICT)
    return None if safety.automatic else status


def _continue(
    effect: Effect,
    ticket: dict[str, Any],
    message: CustomerMessage,
    decision: InboundDecision,
    safety: SafetyAssessment,
    answer: rules.Answer | None,
    ctx: Context,
) -> TicketStatus | None:
    """The customer's message on their open ticket: the team has it, the reply clock runs from it (a solved
    one reopens). Automatic mail (an out-of-office reply) is kept on the ticket and moves no clock.
    Returns the ticket's status (None for automatic mail)."""
    if safety.automatic:
        return None
    current = ticket.get("status")
    status = None if current == TicketStatus.NEW.value else TicketStatus.OPEN
    # The status change is an event of its own: the SLA clocks read statuses from status events only.
    events = [TicketEvent(at=message.received_at, kind=TicketEventKind.CUSTOMER_MESSAGE)]
    if status is not None and current != status.value:
        events.append(TicketEvent(at=message.received_at, kind=TicketEventKind.STATUS, status=status))
    events += _events(message, answer, None, ctx)
    state = sla.ticket_ladder(ticket, default_policy(), ctx.now, events)
    due = ctx.now if state.due else state.next_due_at
    extra = {"auto_answer": None, **_thread_fields(message)}
    if not ticket.get("contact") and (message.sender or message.phone):
        contact = Contact(email=message.sender, name=message.sender_name[:200], phone=message.phone)
        extra["contact"] = contact.model_dump(exclude_none=True)
    history = [e.model_dump(mode="json", exclude_none=True) for e in events]
    next_due = iso(due) if due else None
    effect.write(
        ticket_store.event(ticket["ticket_id"], history, status.value if status else None, next_due, extra)
    )
    if current in rules.CLOSED and ticket.get("order_number") and ticket.get("conversation"):
        # Reopened: the order's conversation is this one again, unless another took its place meanwhile.
        effect.write(store.conversation(ticket["order_number"], ticket["ticket_id"]), Guard.OPTIONAL)
    return status or TicketStatus(current)


def _team_notice(
    ticket_id: str,
    thread: dict[str, Any] | None,
    message: CustomerMessage,
    decision: InboundDecision,
    facts: _Facts,
    answer: rules.Answer | None,
    ctx: Context,
) -> OutboxMessage | None:
    """The customer's message for the team (TEAM_EMAIL), replying to which answers the customer."""
    brief = rules.team_brief(
        ticket_id,
        thread,
        message,
        decision,
        facts.order if decision.order_number else None,
        facts.parcel,
        answer,
    )
    content = team_templates.ticket_notification(
        brief=brief,
        new=thread is None,
        text=message.new_text or message.text,
        attachments=[a.filename for a in message.attachments],
        reasons=decision.reasons,
    )
    reply_to, root = _thread_address(ticket_id, ctx, ThreadKind.TEAM)
    return compose.email(
        dedup_key=f"team:{message.key}",
        order_number=decision.order_number or ticket_id,
        recipient=ctx.settings.team_email,
        template="team_ticket",
        content=content,
        now=ctx.now,
        reply_to=reply_to,
        headers={"Auto-Submitted": "auto-generated", **({"References": root} if root else {})},
    )


def _team_reply(message: CustomerMessage, safety: SafetyAssessment, ticket_id: str, ctx: Context) -> Effect:
    """A team member answered a ticket's notification by e-mail. From an address on TEAM_ALLOWED_EMAILS
    that passed the sender checks, the answer goes to the customer through the ticket (a command: the
    tickets use case records the reply and sends it on the customer's thread); starting with #notatka, it
    is an internal note. Anything else (another address, automatic mail, an empty reply) is refused."""
    text = message.new_text.strip()
    allowed = team_access.allowed(message.sender or "", ctx.settings.team_allowed_emails)
    ticket = ticket_store.get(ticket_id)
    refused = [
        reason
        for reason, bad in (
            ("not_allowed", not allowed),
            ("sender_not_verified", not safety.trusted),
            ("automatic", bool(safety.automatic) or safety.disposition is not Disposition.ACCEPT),
            ("no_ticket", ticket is None),
            ("empty", not text),
        )
        if bad
    ]
    data = {"action": "team_reply", "ticket_id": ticket_id, "reasons": refused}
    if refused:
        effect = Effect("team_reply_refused", data=data | {"action": "team_reply_refused"})
        kept = {"action": "team_reply_refused", "reasons": refused, "raw_key": message.raw_key}
        return effect.write(store.marker(message.key, kept, message.received_at), Guard.DUPLICATE)
    note = text.lower().startswith(team_templates.NOTE_PREFIX)
    record = {
        "direction": "note" if note else "team",
        "channel": message.channel.value,
        "sender": message.sender,
        "subject": message.subject,
        "text": message.text[: rules.MAX_TEXT],
        "new_text": text[: rules.MAX_NEW_TEXT],
        "message_id": message.message_id,
        "raw_key": message.raw_key,
    }
    effect = Effect(
        "team_note" if note else "team_reply", data=data | {"action": "team_note" if note else "team_reply"}
    )
    effect.write(ticket_store.message(ticket_id, message.received_at, message.key, record), Guard.DUPLICATE)
    if note:
        request = TicketRequest(
            category=TicketCategory.OTHER,
            subject="-",
            note=text[len(team_templates.NOTE_PREFIX) :].strip(" :\n")[:2000] or "-",
            source_ref=message.key,
            at=message.received_at,
        )
        return effect.write(ticket_store.note(ticket_id, request), Guard.DUPLICATE)
    payload = {"ticket_id": ticket_id, "message": message.key}
    return effect.follow(
        Command(
            kind=CommandKind.REPLY_TICKET,
            key=f"team-reply:{message.key}",
            payload=payload,
            created_at=ctx.now,
        )
    )


def _deflection(ticket_id: str, message: CustomerMessage, ctx: Context) -> Command:
    after = ctx.now + timedelta(hours=ctx.settings.deflect_after_hours)
    return Command(
        kind=CommandKind.DEFLECT_TICKET,
        key=f"deflect:{message.key}",
        payload={"ticket_id": ticket_id, "answer": message.key},
        created_at=ctx.now,
        not_before=after,
    )


def deflect_from_command(command: Command, ctx: Context, fresh: bool) -> Effect:
    """The customer did not write again after our automatic answer: the ticket is solved as deflected
    (the question was answered without a person). If they wrote, or the team moved the ticket, nothing."""
    ticket = ticket_store.get(command.payload["ticket_id"])
    waiting = (
        ticket is not None
        and ticket.get("status") == TicketStatus.PENDING_CUSTOMER.value
        and ticket.get("auto_answer") == command.payload["answer"]
    )
    if not waiting:
        return Effect("not_waiting")
    assert ticket is not None
    solved = TicketStatus.SOLVED
    event = TicketEvent(at=ctx.now, kind=TicketEventKind.STATUS, status=solved, detail="deflected")
    effect = Effect("deflected", data={"ticket_id": ticket["ticket_id"]})
    entry = event.model_dump(mode="json", exclude_none=True)
    solve = ticket_store.deflected(ticket["ticket_id"], entry, command.payload["answer"])
    effect.write(solve, Guard.DUPLICATE)
    if release := ticket_store.release_conversation(ticket):
        effect.write(release, Guard.OPTIONAL)
    return effect


def unreadable(key: str, reason: str, raw_key: str | None, received_at: datetime, ctx: Context) -> Effect:
    """A message we refuse to read (a MIME bomb, over a limit, not mail at all): kept in S3, marked once,
    answered by nobody; the team finds it by its marker."""
    effect = Effect("rejected", data={"action": "rejected", "reason": reason})
    data = {"action": "rejected", "reasons": [reason], "raw_key": raw_key}
    return effect.write(store.marker(key, data, received_at), Guard.DUPLICATE)
