"""Courier events: find the shipment (one query), decide in domain code, confirm what an unsigned push
claims, write the whole effect in one transaction, then send and open a ticket where a human is needed.

Round trips per event: one lookup query, one transaction, then one update per message sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.domain import shipment_notices
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus
from zwrotnica.domain.shipments import Action, ShipmentState, Trigger, decide, evolve
from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.flows import orders as order_flow
from zwrotnica.flows import outbox as outbox_flow
from zwrotnica.flows import shipment_plan
from zwrotnica.models.common import iso
from zwrotnica.models.order import ShopOrder
from zwrotnica.models.ticket import TicketCategory, TicketRequest
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_settings
from zwrotnica.store import shipments as store
from zwrotnica.store import tickets, unmatched


@dataclass(frozen=True)
class Outcome:
    result: str  # apply, refresh, record, duplicate, unmatched, refuted
    http: HTTPStatus = HTTPStatus.OK


def ingest(event: TrackingEvent, now: datetime, base_url: str) -> Outcome:
    """One courier event. Unknown number: held for a later order update (202, the courier stops)."""
    shipment, _ = store.find(event.carrier, event.tracking_number)
    if shipment is None:
        held = unmatched.keep(event, now)
        logger.info("courier event for an unknown number held", extra={"carrier": event.carrier})
        metrics.add_metric(name="CourierEventUnmatched", unit="Count", value=1)
        return Outcome("unmatched" if held else "duplicate", HTTPStatus.ACCEPTED)
    return apply(event, shipment, now, base_url, confirm=event.source == "inpost")


def apply(
    event: TrackingEvent,
    item: dict[str, Any],
    now: datetime,
    base_url: str,
    *,
    confirm: bool,
    notify: bool = True,
) -> Outcome:
    """Decide and write; a lost race re-reads the shipment (consistently) and decides again, once."""
    for attempt in range(2):
        if _is_last_applied(item, event):
            _redrive_return(item, now, base_url)
            return _duplicate(event)  # a retry of the event we hold: the read already says so
        state = ShipmentState.from_item(item)
        decision = decide(state, event)
        checked, decision, refuted = (
            shipment_plan.confirm(event, state, decision) if confirm else (event, decision, False)
        )
        write = shipment_plan.plan(state, checked, decision, item, now, base_url if notify else None, refuted)
        try:
            written = store.write_event(write)
            break
        except ConcurrentUpdate:
            if attempt:
                raise
            item = store.get(state.order_number, event.carrier, event.tracking_number) or item
    if not written:  # the marker existed: the transaction changed nothing
        return _duplicate(event)
    logger.info(
        "courier event", extra={"carrier": event.carrier, "code": event.raw_code, "action": decision.action}
    )
    metrics.add_metric(name=f"CourierEvent{decision.action.value.title()}", unit="Count", value=1)
    outbox_flow.deliver(write.messages, now)
    if decision.ticket and notify:
        shipment_plan.open_ticket(state, checked, decision, now)
    if state.is_return and state.origin != "zdn" and decision.action is Action.APPLY:
        from zwrotnica.flows import cases  # lazy: only customer return parcels move cases

        cases.on_return_parcel(state.order_number, decision.status is ShipmentStatus.RETURNED, now, base_url)
    if item.get("paused_ticket") and decision.action is Action.APPLY and not refuted:
        _resume(item["paused_ticket"], state.order_number, now)
    if refuted:
        return Outcome("refuted", HTTPStatus.ACCEPTED)
    return Outcome(decision.action.value)


def _redrive_return(item: dict[str, Any], now: datetime, base_url: str) -> None:
    """A retry of the event we applied to a customer's return parcel: if the case move after that commit
    failed (the courier got a 503), the retry makes it now. Forward-only moves make a second run a no-op;
    only return parcels (a few % of events) pay its reads."""
    state = ShipmentState.from_item(item)
    if not state.is_return or state.origin == "zdn" or state.status is None:
        return
    from zwrotnica.flows import cases  # lazy: only customer return parcels move cases

    cases.on_return_parcel(state.order_number, state.status is ShipmentStatus.RETURNED, now, base_url)


def _is_last_applied(item: dict[str, Any], event: TrackingEvent) -> bool:
    return item.get("last_event_at") == iso(event.occurred_at) and (
        str(item.get("raw_code", "")).casefold() == event.raw_code.casefold()
    )


def _duplicate(event: TrackingEvent) -> Outcome:
    logger.info(
        "courier event", extra={"carrier": event.carrier, "code": event.raw_code, "action": "duplicate"}
    )
    metrics.add_metric(name="CourierEventDuplicate", unit="Count", value=1)
    return Outcome("duplicate")


def claim_unmatched(order: ShopOrder, now: datetime, base_url: str) -> int:
    """Events held for numbers this order now names join its shipments, oldest first; the customer
    hears only about where the parcel is now (the last change that has a message), not its history."""
    refs = [(s.carrier, s.tracking_number) for s in order.shipments]
    claimed = 0
    for carrier, number in unmatched.held_numbers(refs):
        item = store.get(order.number, carrier, number)
        if item is None:
            continue
        events = sorted(unmatched.held_events(carrier, number), key=lambda e: (e.occurred_at, e.raw_code))
        state, last = ShipmentState.from_item(item), -1
        for index, event in enumerate(events):
            decision = decide(state, event)
            last = index if decision.trigger else last
            state = evolve(state, event, decision)
        for index, event in enumerate(events):
            apply(event, item, now, base_url, confirm=False, notify=index == last)
            item = store.get(order.number, carrier, number) or item
        unmatched.release(carrier, number)
        claimed += len(events)
    return claimed


def flag_silent(now: datetime, budget: int) -> int:
    """Sweeper step: shipments with no new event for too long (48 working hours in transit, 24 h after
    the label without a first scan). Each becomes a ticket for logistics and, once per shipment, a
    message to the customer. Returns how many were flagged; an overlapping sweep flags nothing twice."""
    settings = get_settings()
    items, _ = store.due_silent(now, budget)
    flagged = 0
    for item in items:
        state = ShipmentState.from_item(item)
        messages = []
        if not item.get("silent_notified") and not state.is_return:
            base = settings.public_base_url
            messages = shipment_notices.messages(
                Trigger.SILENT,
                state.status,
                state,
                occurred_at=state.last_event_at or now,
                now=now,
                status_url=order_flow.status_link(base, state.order_number, now) if base else None,
                shop_name=settings.shop_name,
                overrides=shipment_plan.overrides(settings.shipping_messages),
            )
        if not store.flag_silent(item, now, messages):
            continue
        flagged += 1
        outbox_flow.deliver(messages, now)
        label = STATUS_LABEL_PL[state.status or ShipmentStatus.UNKNOWN].lower()
        request = TicketRequest(
            order_number=state.order_number,
            category=TicketCategory.DELIVERY,
            subject=f"Przesyłka {state.carrier} {state.tracking_number}: brak nowych zdarzeń",
            note=f"Ostatnie zdarzenie {item.get('last_event_at')}, status: {label}. Zapytaj przewoźnika, "
            "co się dzieje z paczką." + (" Klient dostał wiadomość, że to sprawdzamy." if messages else ""),
            source_ref=f"silent:{state.carrier}:{state.tracking_number}:{item['due_at']}",
            at=now,
        )
        try:
            tickets.open_or_append(request)
        except (ClientError, BotoCoreError):
            logger.exception("silent parcel ticket not opened", extra={"carrier": state.carrier})
    logger.info("silent parcels flagged", extra={"flagged": flagged, "due": len(items)})
    return flagged


def _resume(ticket_id: str, order_number: str, now: datetime) -> None:
    """The parcel moved: a ticket waiting on the courier gets its resolution clock back (no helpdesk
    does this). Only if it is still waiting: a ticket the team reopened or solved is left alone."""
    from zwrotnica.flows import tickets
    from zwrotnica.models.ticket import TicketEvent, TicketEventKind, TicketStatus
    from zwrotnica.store import tickets as ticket_store

    ticket = ticket_store.get(ticket_id)
    if ticket and ticket.get("status") == TicketStatus.PENDING_THIRD_PARTY.value:
        tickets.record_event(
            ticket_id, TicketEvent(at=now, kind=TicketEventKind.STATUS, status=TicketStatus.OPEN), now
        )
        logger.info("ticket resumed by the courier", extra={"ticket_id": ticket_id})
    store.set_paused_ticket(order_number, None)
