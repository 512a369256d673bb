"""A courier event's effect, planned before the one transaction that writes it: the ShipX confirmation
of an unsigned push, the timeline line, the shipment's new attributes, the messages; and the ticket after."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.domain import shipment_notices
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus
from zwrotnica.domain.shipments import Action, Decision, ShipmentState, evolve, silent_due, timeline_text
from zwrotnica.flows import orders as order_flow
from zwrotnica.models.common import iso
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.providers import inpost
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings
from zwrotnica.store import shipments as store
from zwrotnica.store import tickets


@lru_cache(maxsize=4)
def overrides(raw: str) -> dict[str, list[str]]:
    """SHIPPING_MESSAGES: per-shop channels per trigger, e.g. {"out_for_delivery": ["sms", "email"]}."""
    return json.loads(raw) if raw.strip() else {}


def confirm(
    event: TrackingEvent, state: ShipmentState, decision: Decision
) -> tuple[TrackingEvent, Decision, bool]:
    """Ask ShipX before an unsigned push starts a clock or tells the customer something."""
    acts = decision.action is not Action.RECORD and (decision.trigger or decision.possession)
    if not acts or not inpost.needs_confirmation(event.status):
        return event, decision, False
    settings = get_settings()
    answer = inpost.client(settings.shipx_base_url, get_secrets().inpost_api_token).confirm(event)
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


def plan(
    state: ShipmentState,
    event: TrackingEvent,
    decision: Decision,
    item: dict[str, Any],
    now: datetime,
    base_url: str | None,
    refuted: bool = False,
) -> store.EventWrite:
    text = timeline_text(state, event)
    if refuted:
        text = f"Przesyłka {event.tracking_number}: zdarzenie {event.raw_code} czeka na potwierdzenie."
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
    write = store.EventWrite(state.order_number, event, entry, seen_rev=None)
    if event.return_tracking_number:
        write.return_shipment = {
            "type": "shipment",
            "carrier": event.carrier,
            "tracking_number": event.return_tracking_number,
            "gsi1pk": store.lookup_key(event.carrier, event.return_tracking_number),
            "gsi1sk": "SHIPMENT",
            "is_return": True,
            "origin": "zdn",
        }
    if decision.action is Action.RECORD:
        return write
    settings = get_settings()
    after = evolve(state, event, decision)
    due = (
        None
        if state.is_return
        else silent_due(
            after.status,
            event.occurred_at,
            settings.silent_label_hours,
            settings.silent_transit_working_hours,
        )
    )
    write.seen_rev = int(item.get("rev") or 0)
    write.changes = {
        "status": decision.status.value if decision.status else None,
        "raw_code": event.raw_code,
        "raw_text": event.raw_text or None,
        "last_event_at": iso(event.occurred_at),
        "confirmed": event.confirmed,
        "updated_at": iso(now),
        "queue": store.SILENT_QUEUE if due else None,
        "due_at": iso(due) if due else None,
    }
    for name in ("point_name", "point_address"):
        if getattr(event, name):
            write.changes[name] = getattr(event, name)
    if after.pickup_deadline:
        write.changes["pickup_deadline"] = iso(after.pickup_deadline)
    if decision.possession:
        write.changes["possessed_at"] = iso(event.occurred_at)
        write.possessed_at = event.occurred_at
    if decision.trigger and base_url is not None:
        write.messages = shipment_notices.messages(
            decision.trigger,
            decision.status,
            replace(state, point_id=event.point_id or state.point_id),
            occurred_at=event.occurred_at,
            now=now,
            status_url=order_flow.status_link(base_url, state.order_number, now),
            shop_name=settings.shop_name,
            point_name=event.point_name,
            point_address=event.point_address,
            pickup_deadline=after.pickup_deadline,
            overrides=overrides(settings.shipping_messages),
            review_url=settings.review_url,
            goodwill_code=settings.goodwill_code,
        )
    return write


def open_ticket(state: ShipmentState, event: TrackingEvent, decision: Decision, now: datetime) -> None:
    """For logistics. After the commit: a failure here is logged, never a 5xx (the state is stored)."""
    status = decision.status or ShipmentStatus.UNKNOWN
    unconfirmed = " Niepotwierdzone w API przewoźnika." if event.confirmed is False else ""
    request = TicketRequest(
        order_number=state.order_number,
        category=TicketCategory.DELIVERY,
        priority=TicketPriority.HIGH if status is ShipmentStatus.EXCEPTION else TicketPriority.NORMAL,
        subject=f"Przesyłka {event.carrier} {event.tracking_number}: {STATUS_LABEL_PL[status].lower()}",
        note=f"Zdarzenie przewoźnika {event.raw_code} ({iso(event.occurred_at)}).{unconfirmed} "
        "Klient dostał przeprosiny i informację, co dalej.",
        source_ref=f"shipment:{event.event_key}",
        at=now,
    )
    try:
        tickets.open_or_append(request)
    except (ClientError, BotoCoreError):
        logger.exception("delivery ticket not opened", extra={"carrier": event.carrier})
        metrics.add_metric(name="DeliveryTicketFailed", unit="Count", value=1)
