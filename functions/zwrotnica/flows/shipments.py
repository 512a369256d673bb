"""Courier events: find the shipment (one query), decide in domain code, confirm what an unsigned push
claims (ShipX), and return one Effect: the timeline line (also the event's dedup marker), the shipment's
new attributes, the customer's messages, and what follows as commands (a ticket for logistics, a return
case moving, a paused ticket resuming).

Round trips per event: one lookup query, one transaction, then one update per message sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain import shipment_notices
from zwrotnica.domain.polling import POLLED, next_poll_at
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus
from zwrotnica.domain.shipments import (
    Action,
    Decision,
    ShipmentState,
    Trigger,
    decide,
    evolve,
    silent_clock,
    silent_due,
    timeline_text,
)
from zwrotnica.effect import Effect, Guard
from zwrotnica.messages.polish import carrier
from zwrotnica.models.command import Command, CommandKind, cod_collected, open_ticket
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.store import polling as poll_store
from zwrotnica.store import shipments as store
from zwrotnica.store import unmatched
from zwrotnica.store.table import order_number_of


@lru_cache(maxsize=4)
def overrides(raw: str) -> dict[str, list[str]]:
    """SHIPPING_MESSAGES: per-shop channels per trigger, e.g. {"out_for_delivery": ["sms", "email"]}."""
    return json.loads(raw) if raw.strip() else {}


def ingest(event: TrackingEvent, ctx: Context, fresh: bool = False) -> Effect:
    """One courier event. Unknown number: held for a later order update (outcome "unmatched")."""
    shipment, _ = store.find(event.carrier, event.tracking_number)
    if shipment is None:
        held, holder = unmatched.keep(event, ctx.now)
        return Effect("unmatched", data={"held": True}).write(held, Guard.DUPLICATE).write(holder)
    if fresh:  # a lost race: the index may lag behind the table, read the shipment itself
        order_number = order_number_of(shipment["pk"])
        shipment = store.get(order_number, event.carrier, event.tracking_number) or shipment
    return apply_event(event, shipment, ctx, confirm=event.source == "inpost")


def apply_event(event: TrackingEvent, item: dict[str, Any], ctx: Context, *, confirm: bool) -> Effect:
    if _is_last_applied(item, event):
        return Effect("duplicate")  # a retry of the event we hold: the read already says so
    state = ShipmentState.from_item(item)
    decision = decide(state, event)
    checked, decision, refuted = (
        _confirm(event, state, decision, ctx) if confirm else (event, decision, False)
    )
    step = plan(state, checked, decision, item, ctx, refuted)
    effect = Effect("refuted" if refuted else decision.action.value, data={"action": decision.action.value})
    return step.into(effect, state.order_number, checked)


def _is_last_applied(item: dict[str, Any], event: TrackingEvent) -> bool:
    return item.get("last_event_at") == iso(event.occurred_at) and (
        str(item.get("raw_code", "")).casefold() == event.raw_code.casefold()
    )


def _confirm(
    event: TrackingEvent, state: ShipmentState, decision: Decision, ctx: Context
) -> tuple[TrackingEvent, Decision, bool]:
    """Ask ShipX before an unsigned push starts a clock or tells the customer something."""
    from zwrotnica.providers import inpost

    acts = decision.action is not Action.RECORD and (decision.trigger or decision.possession)
    if not acts or not inpost.needs_confirmation(event.status):
        return event, decision, False
    answer = inpost.client(ctx.settings.shipx_base_url, ctx.secrets().inpost_api_token).confirm(event)
    metrics.add_metric(name=f"ShipX{answer.verdict.value.title()}", unit="Count", value=1)
    if answer.verdict is inpost.Verdict.CONTRADICTED:
        logger.warning("push not confirmed by ShipX: not acted on", extra={"code": event.raw_code})
        return event.model_copy(update={"confirmed": False}), Decision(Action.RECORD, state.status), True
    if answer.verdict is inpost.Verdict.UNAVAILABLE:
        logger.warning(
            "ShipX unavailable: acting on the push, marked unconfirmed", extra={"code": event.raw_code}
        )
        return event.model_copy(update={"confirmed": False}), decision, False
    point = {
        "point_id": event.point_id or answer.point_id,
        "point_name": event.point_name or answer.point_name,
        "point_address": event.point_address or answer.point_address,
    }
    return event.model_copy(update={"confirmed": True} | point), decision, False


@dataclass
class EventStep:
    """One courier event's whole effect on its shipment, before it is written."""

    entry: TimelineEntry
    seen_rev: int | None = None  # the shipment's revision we decided on; None: timeline line only
    changes: dict[str, Any] = field(default_factory=dict)  # shipment attributes to set (None removes)
    return_shipment: dict[str, Any] | None = None  # InPost ZDN: the parcel's new number, a shipment too
    messages: list[OutboxMessage] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    poll: dict[str, Any] | None = None  # a polled carrier's parcel: its next poll time (store.polling)

    def into(self, effect: Effect, order_number: str, event: TrackingEvent) -> Effect:
        effect.line(order_number, [self.entry])
        if self.seen_rev is not None:
            update = store.event_update(
                order_number, event.carrier, event.tracking_number, self.changes, self.seen_rev
            )
            effect.write(update, Guard.CONFLICT)
        if self.poll is not None:
            effect.write(self.poll, Guard.OPTIONAL)
        if self.return_shipment:
            number = self.return_shipment["tracking_number"]
            effect.write(store.return_shipment(order_number, event.carrier, number, {"origin": "zdn"}))
        return effect.send(self.messages).follow(*self.commands)


def plan(
    state: ShipmentState,
    event: TrackingEvent,
    decision: Decision,
    item: dict[str, Any],
    ctx: Context,
    refuted: bool = False,
) -> EventStep:
    text = timeline_text(state, event, refuted=refuted)
    entry = TimelineEntry(
        at=event.occurred_at,
        kind="shipment",
        ref=f"{event.carrier}:{event.tracking_number}:{event.raw_code.casefold()}",
        text_pl=text,
        data={
            "carrier": event.carrier,
            "tracking_number": event.tracking_number,
            "status": event.status.value,
            "raw_code": event.raw_code,
            "source": event.source,
            "action": decision.action.value,
            "confirmed": event.confirmed,
            "raw": json.dumps(event.raw, ensure_ascii=False, default=str)[:4000],
        },
    )
    step = EventStep(entry)
    if event.return_tracking_number:
        step.return_shipment = {"tracking_number": event.return_tracking_number}
    if decision.action is Action.RECORD:
        return step
    settings = ctx.settings
    after = evolve(state, event, decision)
    due = (
        None
        if state.is_return
        else silent_clock(
            state.status,
            after.status,
            event.occurred_at,
            state.silent_clock_at,
            settings.silent_label_hours,
            settings.silent_transit_working_hours,
        )
    )
    step.seen_rev = int(item.get("rev") or 0)
    step.changes = {
        "status": decision.status.value if decision.status else None,
        "raw_code": event.raw_code,
        "raw_text": event.raw_text or None,
        "last_event_at": iso(event.occurred_at),
        "confirmed": event.confirmed,
        "updated_at": iso(ctx.now),
        "queue": store.SILENT_QUEUE if due else None,
        "due_at": iso(due) if due else None,
    }
    for name in ("point_name", "point_address"):
        if getattr(event, name):
            step.changes[name] = getattr(event, name)
    if event.expected_delivery:  # the carrier's latest estimate (AfterShip's); an event without one keeps it
        step.changes["expected_delivery"] = event.expected_delivery.isoformat()
    if after.pickup_deadline:
        step.changes["pickup_deadline"] = iso(after.pickup_deadline)
    if decision.possession:
        step.changes["possessed_at"] = iso(event.occurred_at)  # the order's: domain.returns.possession
    step.poll = _next_poll(event, decision.status, ctx)
    if decision.trigger and ctx.send:
        step.messages = shipment_notices.messages(
            decision.trigger,
            decision.status,
            replace(state, point_id=event.point_id or state.point_id),
            occurred_at=event.occurred_at,
            now=ctx.now,
            status_url=ctx.status_url(state.order_number),
            shop_name=settings.shop_name,
            point_name=event.point_name,
            point_address=event.point_address,
            pickup_deadline=after.pickup_deadline,
            overrides=overrides(settings.shipping_messages),
            review_url=settings.review_url,
            goodwill_code=settings.goodwill_code,
            unsubscribe_url=ctx.unsubscribe_url(state.order_number),
        )
    step.commands = _follow_ups(state, event, decision, item, ctx, refuted)
    if decision.status is ShipmentStatus.DELIVERED and not state.is_return and state.cod_amount:
        # Cash on delivery: the courier collected the money, the order is paid (its own commit).
        collected = cod_collected(
            state.order_number,
            event.carrier,
            event.tracking_number,
            state.cod_amount,
            event.occurred_at,
            ctx.now,
        )
        step.commands.append(collected)
    return step


def _next_poll(event: TrackingEvent, status: ShipmentStatus | None, ctx: Context) -> dict[str, Any] | None:
    """A parcel of a carrier we poll, with credentials set: the next poll follows its new state (out of
    the queue after a final one). Pushed (AfterShip) or polled, the same write in the event's commit."""
    if event.carrier not in POLLED:
        return None
    from zwrotnica.providers.carrier_tracking import with_credentials

    if event.carrier not in with_credentials(ctx.secrets()):
        return None  # not polled: no poll item
    # The interval counts from now; `max_age` is checked against the item's own first_seen when it is due.
    due = next_poll_at(event.carrier, event.tracking_number, status, ctx.now, first_seen=ctx.now)
    return poll_store.on_event(
        event.carrier, event.tracking_number, status, event.occurred_at, event.raw_code, due, ctx.now
    )


def _follow_ups(
    state: ShipmentState,
    event: TrackingEvent,
    decision: Decision,
    item: dict[str, Any],
    ctx: Context,
    refuted: bool,
) -> list[Command]:
    """A ticket for logistics when the customer got an apology; a customer's return parcel moving its
    cases; a ticket that waited on the courier getting its clock back."""
    commands = []
    if decision.ticket and ctx.send:
        commands.append(open_ticket(_delivery_ticket(state, event, decision, ctx.now)))
    applied = decision.action is Action.APPLY
    if state.is_return and state.origin != "zdn" and applied:
        delivered = decision.status is ShipmentStatus.RETURNED
        payload = {"order_number": state.order_number, "delivered": delivered, "at": iso(event.occurred_at)}
        key = f"{state.carrier}:{state.tracking_number}:{decision.status.value if decision.status else '-'}"
        commands.append(
            Command(kind=CommandKind.MOVE_RETURN_CASES, key=key, payload=payload, created_at=ctx.now)
        )
    if item.get("paused_ticket") and applied and not refuted:
        payload = {"ticket_id": item["paused_ticket"], "order_number": state.order_number}
        key = f"{item['paused_ticket']}:{event.event_key}"
        commands.append(Command(kind=CommandKind.RESUME_TICKET, key=key, payload=payload, created_at=ctx.now))
    # Issue 16: NPS some days after delivery, only with marketing consent (domain.satisfaction); keyed by the
    # parcel (a command per order would make a second parcel's commit a duplicate), one survey per order
    # decided when it runs (flows.satisfaction.send_nps).
    nps_days = ctx.settings.nps_after_days
    delivered = applied and decision.status is ShipmentStatus.DELIVERED and not state.is_return
    if delivered and nps_days and state.may_market and ctx.send:
        commands.append(
            Command(
                kind=CommandKind.SEND_NPS,
                key=f"nps:{state.carrier}:{state.tracking_number}",
                payload={"order_number": state.order_number},
                created_at=ctx.now,
                not_before=event.occurred_at + timedelta(days=nps_days),
            )
        )
    return commands


def _delivery_ticket(
    state: ShipmentState, event: TrackingEvent, decision: Decision, now: datetime
) -> TicketRequest:
    status = decision.status or ShipmentStatus.UNKNOWN
    unconfirmed = " Niepotwierdzone w API przewoźnika." if event.confirmed is False else ""
    return TicketRequest(
        order_number=state.order_number,
        category=TicketCategory.DELIVERY,
        priority=TicketPriority.HIGH if status is ShipmentStatus.EXCEPTION else TicketPriority.NORMAL,
        subject=f"Przesyłka {carrier(event.carrier).name} {event.tracking_number}: "
        f"{STATUS_LABEL_PL[status].lower()}",
        note=f"Zdarzenie przewoźnika {event.raw_code} ({iso(event.occurred_at)}).{unconfirmed} "
        "Klient dostał przeprosiny i informację, co dalej.",
        source_ref=f"shipment:{event.event_key}",
        at=now,
    )


def replay_held(command: Command, ctx: Context, fresh: bool) -> Effect:
    """Courier events held for a parcel that an order now names join its shipment, oldest first, in one
    commit; the customer hears only about where the parcel is now (the last change that has a message),
    not its history. Lines already stored are dropped, not repeated (the dispatcher commits it as a
    replay)."""
    order_number = command.payload["order_number"]
    carrier, number = command.payload["carrier"], command.payload["tracking_number"]
    item = store.get(order_number, carrier, number)
    if item is None:
        return Effect("nothing")
    events = sorted(unmatched.held_events(carrier, number), key=lambda e: (e.occurred_at, e.raw_code))
    state, last = ShipmentState.from_item(item), -1
    for index, event in enumerate(events):
        decision = decide(state, event)
        last = index if decision.trigger else last
        state = evolve(state, event, decision)
    effect = Effect("replayed", data={"events": len(events)})
    state, changes, seen_rev, poll = ShipmentState.from_item(item), {}, None, None
    for index, event in enumerate(events):
        if _is_last_applied(item, event):
            continue
        decision = decide(state, event)
        step = plan(state, event, decision, item, ctx if index == last else ctx.quiet())
        effect.line(order_number, [step.entry]).send(step.messages).follow(*step.commands)
        if step.seen_rev is not None:
            seen_rev, changes = step.seen_rev, changes | step.changes
        poll = step.poll or poll
        if step.return_shipment:
            fields = {"origin": "zdn"}
            effect.write(
                store.return_shipment(order_number, carrier, step.return_shipment["tracking_number"], fields)
            )
        state = evolve(state, event, decision)
    if seen_rev is not None:
        effect.write(store.event_update(order_number, carrier, number, changes, seen_rev), Guard.CONFLICT)
    if poll is not None:
        effect.write(poll, Guard.OPTIONAL)
    return effect.write(unmatched.release(carrier, number))


def silent(item: dict[str, Any], ctx: Context) -> Effect:
    """Sweeper: a shipment with no new event for too long (48 working hours in transit, 24 h after the
    label without a first scan). A ticket for logistics and, once per shipment, a message to the
    customer; an overlapping sweep's write is a duplicate."""
    state = ShipmentState.from_item(item)
    news = (
        silent_due(
            state.status,
            state.last_event_at,
            ctx.settings.silent_label_hours,
            ctx.settings.silent_transit_working_hours,
        )
        if state.last_event_at and not state.is_return
        else None
    )
    if news is not None and news > ctx.now:  # events came after the clock was set (silent_clock): move it
        return Effect("rescheduled").write(store.silent_rescheduled(item, news), Guard.DUPLICATE)
    messages: list[OutboxMessage] = []
    if not item.get("silent_notified") and not state.is_return:
        messages = shipment_notices.messages(
            Trigger.SILENT,
            state.status,
            state,
            occurred_at=state.last_event_at or ctx.now,
            now=ctx.now,
            status_url=ctx.status_url(state.order_number),
            shop_name=ctx.shop_name,
            overrides=overrides(ctx.settings.shipping_messages),
        )
    label = STATUS_LABEL_PL[state.status or ShipmentStatus.UNKNOWN].lower()
    request = TicketRequest(
        order_number=state.order_number,
        category=TicketCategory.DELIVERY,
        subject=f"Przesyłka {carrier(state.carrier).name} {state.tracking_number}: brak nowych zdarzeń",
        note=f"Ostatnie zdarzenie {item.get('last_event_at')}, status: {label}. Zapytaj przewoźnika, "
        "co się dzieje z paczką." + (" Klient dostał wiadomość, że to sprawdzamy." if messages else ""),
        source_ref=f"silent:{state.carrier}:{state.tracking_number}:{item['due_at']}",
        at=ctx.now,
    )
    effect = Effect("flagged").write(store.silent_flagged(item, ctx.now, bool(messages)), Guard.DUPLICATE)
    return effect.send(messages).follow(open_ticket(request))
