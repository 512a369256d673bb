"""What a courier event does to a shipment, and what the customer is told: pure decision, no I/O.

Order of events: a shipment moves only on an event at least as new as the last one it applied, and only
forward (`shipment_status.advances`). An older event, a repeated status or an unknown code goes to the
timeline and changes nothing. So any arrival order of one parcel's history ends in the same state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from zwrotnica.domain import order_numbers
from zwrotnica.domain.business_calendar import BusinessCalendar
from zwrotnica.domain.shipment_status import (
    STATUS_LABEL_PL,
    TERMINAL,
    ShipmentStatus,
    advances,
    possession_taken,
)
from zwrotnica.models.tracking import TrackingEvent

S = ShipmentStatus
# Couriers work Monday to Friday, public holidays excepted: whole days count as working hours.
COURIER_CALENDAR = BusinessCalendar(hours=((time(0), time.max),) * 5 + (None, None))
PICKUP_HOLD = {"inpost": timedelta(hours=48)}  # InPost keeps a parcel in the locker about 48 h
REMINDER_LEFT = timedelta(hours=24)  # `pickup_reminder_sent` comes with about a day left


class Trigger(StrEnum):
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICKUP_REMINDER = "pickup_reminder"
    PROBLEM = "problem"  # failed, delayed, exception, going back: an apology and a ticket for logistics
    DELIVERED = "delivered"
    SILENT = "silent"


# The default policy; SHIPPING_MESSAGES (JSON, e.g. {"out_for_delivery": ["sms", "email"]}) overrides it.
DEFAULT_CHANNELS: dict[Trigger, tuple[str, ...]] = {
    Trigger.SHIPPED: ("email",),
    Trigger.OUT_FOR_DELIVERY: ("sms",),
    Trigger.READY_FOR_PICKUP: ("sms", "email"),
    Trigger.PICKUP_REMINDER: ("sms",),
    Trigger.PROBLEM: ("sms", "email"),
    Trigger.DELIVERED: ("email",),
    Trigger.SILENT: ("email",),
}


def channels(trigger: Trigger, overrides: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    chosen = (overrides or {}).get(trigger.value, DEFAULT_CHANNELS[trigger])
    return tuple(c for c in chosen if c in ("sms", "email"))


class Action(StrEnum):
    APPLY = "apply"  # the status changes
    REFRESH = "refresh"  # the same status, a newer event (another scan, a pickup reminder)
    RECORD = "record"  # timeline only: late, repeated or unknown, or refuted by the carrier's API


@dataclass(frozen=True)
class ShipmentState:
    """A shipment as stored, with the order's contact data copied onto it (one read finds both)."""

    order_number: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus | None = None
    last_event_at: datetime | None = None
    silent_clock_at: datetime | None = None  # when it goes silent unless news comes (the "silent" queue)
    is_return: bool = False
    origin: str | None = None  # "zdn": InPost sends the undelivered parcel back; else a customer return
    email: str = ""
    phone: str | None = None
    marketing_consent: bool = False
    marketing_withdrawn: bool = False  # the customer withdrew it (one-click unsubscribe): it wins
    cod_amount: int | None = None  # cash on delivery: what the courier collects (grosze)
    paczkomat: bool = False
    point_id: str | None = None
    pickup_deadline: datetime | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ShipmentState:
        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(item[key].replace("Z", "+00:00")) if item.get(key) else None

        status = item.get("status")
        return cls(
            order_number=order_numbers.from_key(item["pk"].removeprefix("ORDER#")),
            carrier=item["carrier"],
            tracking_number=item["tracking_number"],
            status=ShipmentStatus(status) if status in ShipmentStatus.__members__ else None,
            last_event_at=when("last_event_at"),
            silent_clock_at=when("due_at") if item.get("queue") == "silent" else None,
            is_return=bool(item.get("is_return")),
            origin=item.get("origin"),
            email=item.get("email", ""),
            phone=item.get("phone"),
            marketing_consent=bool(item.get("marketing_consent")),
            marketing_withdrawn=bool(item.get("marketing_withdrawn_at")),
            cod_amount=int(item["cod_amount"]) if item.get("cod_amount") is not None else None,
            paczkomat=item.get("delivery_method") == "paczkomat",
            point_id=item.get("point_id"),
            pickup_deadline=when("pickup_deadline"),
        )

    @property
    def may_market(self) -> bool:
        """Marketing consent given with the order and not withdrawn since."""
        return self.marketing_consent and not self.marketing_withdrawn


@dataclass(frozen=True)
class Decision:
    action: Action
    status: ShipmentStatus | None  # the shipment's status after the event
    trigger: Trigger | None = None
    possession: bool = False  # the customer holds the parcel: the withdrawal clock starts
    pickup_deadline: datetime | None = None

    @property
    def ticket(self) -> bool:
        return self.trigger is Trigger.PROBLEM


def effective_status(state: ShipmentState, event: TrackingEvent) -> ShipmentStatus:
    """A return parcel delivered is back at the shop: RETURNED for the order, never the customer's."""
    if state.is_return and event.status is S.DELIVERED:
        return S.RETURNED
    return event.status


def decide(state: ShipmentState, event: TrackingEvent) -> Decision:
    current, new = state.status, effective_status(state, event)
    last = state.last_event_at
    if last is not None and event.occurred_at < last:
        return Decision(Action.RECORD, current)
    if advances(current, new):
        trigger = None if state.is_return else _trigger(current, new)
        deadline = None
        if new is S.READY_FOR_PICKUP and event.carrier in PICKUP_HOLD:
            deadline = event.occurred_at + PICKUP_HOLD[event.carrier]
        return Decision(Action.APPLY, new, trigger, not state.is_return and possession_taken(new), deadline)
    if new == current and (last is None or event.occurred_at > last):
        reminder = event.raw_code.casefold() == "pickup_reminder_sent" and not state.is_return
        if reminder and new is S.READY_FOR_PICKUP:
            deadline = state.pickup_deadline or event.occurred_at + REMINDER_LEFT
            return Decision(Action.REFRESH, new, Trigger.PICKUP_REMINDER, pickup_deadline=deadline)
        return Decision(Action.REFRESH, new)
    return Decision(Action.RECORD, current)


def evolve(state: ShipmentState, event: TrackingEvent, decision: Decision) -> ShipmentState:
    """The state after the event (what the store writes), for replaying several events in a row."""
    if decision.action is Action.RECORD:
        return state
    deadline = decision.pickup_deadline or state.pickup_deadline
    return replace(state, status=decision.status, last_event_at=event.occurred_at, pickup_deadline=deadline)


def _trigger(current: ShipmentStatus | None, new: ShipmentStatus) -> Trigger | None:
    if new in (S.LABEL_CREATED, S.IN_TRANSIT):
        return Trigger.SHIPPED if current in (None, S.UNKNOWN) else None  # once: label or first scan
    return {
        S.OUT_FOR_DELIVERY: Trigger.OUT_FOR_DELIVERY,
        S.READY_FOR_PICKUP: Trigger.READY_FOR_PICKUP,
        S.DELIVERED: Trigger.DELIVERED,
        S.DELIVERY_FAILED: Trigger.PROBLEM,
        S.DELAYED: Trigger.PROBLEM,
        S.EXCEPTION: Trigger.PROBLEM,
        S.RETURNING_TO_SENDER: Trigger.PROBLEM,
        S.RETURNED: Trigger.PROBLEM,
    }.get(new)


def silent_due(
    status: ShipmentStatus | None, last_event_at: datetime, label_hours: int = 24, transit_hours: int = 48
) -> datetime | None:
    """When a shipment that hears nothing more becomes a silent parcel; None once it cannot go silent."""
    if status is None or status in TERMINAL:
        return None
    if status is S.LABEL_CREATED:
        return last_event_at + timedelta(hours=label_hours)
    due = COURIER_CALENDAR.add_business_time(last_event_at, timedelta(hours=transit_hours))
    return due.replace(microsecond=0)  # each day's window ends at 23:59:59.999999: drop those microseconds


def silent_clock(
    before: ShipmentStatus | None,
    after: ShipmentStatus | None,
    occurred_at: datetime,
    running: datetime | None,
    label_hours: int = 24,
    transit_hours: int = 48,
) -> datetime | None:
    """The silent-parcel clock an event leaves on its shipment (`running`: the clock it had, if any).

    The clock is set once per rule (the label's 24 hours, then transit's 48 working hours) and not moved
    by every later event: moving it re-writes the due index each time (2 write units per event). A later
    event's own due time is never earlier, so the clock can only ring early; when it does, the sweeper
    finds the last event newer than the clock and moves it then (`silent_due` of that event), once,
    instead of flagging. An event that ends silence (delivered, a return) or changes the rule, or an older
    event whose due time comes earlier, sets the clock as before."""
    due = silent_due(after, occurred_at, label_hours, transit_hours)
    if due is None or running is None:
        return due
    same_rule = (before is S.LABEL_CREATED) == (after is S.LABEL_CREATED)
    return running if same_rule and running <= due else due


def timeline_text(state: ShipmentState, event: TrackingEvent, refuted: bool = False) -> str:
    """The timeline line: "Przesyłka 123: doręczona.", "Przesyłka zwrotna 456: w drodze."; the label
    agrees with "przesyłka" (feminine) for both. A carrier code stays out of the sentence (the entry's
    data keeps it); `refuted`: the carrier's API did not confirm the event yet."""
    what = "Przesyłka zwrotna" if state.is_return or event.is_return else "Przesyłka"
    if refuted:
        return f"{what} {event.tracking_number}: nowe zdarzenie u przewoźnika czeka na potwierdzenie."
    if event.status is S.UNKNOWN:
        return f"{what} {event.tracking_number}: nowe zdarzenie u przewoźnika."
    return f"{what} {event.tracking_number}: {STATUS_LABEL_PL[effective_status(state, event)].lower()}."
