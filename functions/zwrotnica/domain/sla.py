"""SLA clocks and the escalation ladder: pure functions of a ticket's history and the policy.

Each metric counts on the clock the policy names for it (calendar or business hours). Pauses: "pending
on customer" stops the reply clocks; "pending on a third party" (a courier) stops the resolution clock.
A legal deadline (a complaint's answer, UPK art. 7a; a withdrawal's refund, art. 32) is a hard target
that no pause stops: warned at 75% of its period, again on the morning of its last day, breached at
the deadline. Every threshold is a point in time, so the sweeper queries them from an index.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica.domain.business_calendar import BusinessCalendar
from zwrotnica.domain.sla_policy import METRICS, SlaPolicy, Targets
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketRequest,
    TicketStatus,
)

CLOSED = (TicketStatus.SOLVED, TicketStatus.CLOSED)
PAUSES = {
    "first_reply": TicketStatus.PENDING_CUSTOMER,
    "next_reply": TicketStatus.PENDING_CUSTOMER,
    "resolution": TicketStatus.PENDING_THIRD_PARTY,
}
STEP_ORDER = ("warn", "breach", "owner")
# A legal deadline is also announced on the morning of its last day (Warsaw time).
LAST_DAY_AT = time(8, 0)
WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class Clock:
    metric: str
    target: timedelta
    elapsed: timedelta  # time counted so far on the metric's clock (pauses excluded)
    running: bool  # started and not yet fulfilled
    paused: bool
    thresholds: dict[str, datetime | None]  # step -> when it is reached (None while paused)
    key: str = ""  # names the steps: the next-reply clock restarts, so each cycle has its own steps

    @property
    def step_key(self) -> str:
        return self.key or self.metric


def _segments(
    history: Sequence[TicketEvent], as_of: datetime
) -> Iterator[tuple[datetime, datetime, TicketStatus, bool, bool]]:
    """(start, end, status, replied_before, waiting_for_reply) for each stretch between events."""
    status, replied, waiting = TicketStatus.NEW, False, False
    events = sorted(history, key=lambda e: e.at)
    for i, event in enumerate(events):
        if event.kind is TicketEventKind.STATUS and event.status:
            status = event.status
        elif event.kind is TicketEventKind.AGENT_REPLY:
            replied, waiting = True, False
            status = TicketStatus.OPEN if status is TicketStatus.NEW else status
        elif event.kind is TicketEventKind.CUSTOMER_MESSAGE and replied:
            waiting = True
        end = events[i + 1].at if i + 1 < len(events) else as_of
        yield event.at, max(end, event.at), status, replied, waiting


def _counts(metric: str, status: TicketStatus, replied: bool, waiting: bool) -> bool:
    if status in CLOSED:
        return False
    if metric == "first_reply":
        return not replied
    if metric == "next_reply":
        return waiting
    return True


def _starts(segments: list) -> list:
    """Segments where a wait for our reply begins (the customer wrote after being answered)."""
    return [seg for i, seg in enumerate(segments) if seg[4] and (i == 0 or not segments[i - 1][4])]


def clocks(
    history: Sequence[TicketEvent],
    targets: Targets,
    calendars: Mapping[str, BusinessCalendar],
    escalation: dict[str, float],
    as_of: datetime,
) -> list[Clock]:
    """The three clocks as of `as_of` (normally the last history event), with their step times; each
    metric counts on its own calendar (`SlaPolicy.calendars`)."""
    out = []
    segments = list(_segments(history, as_of))
    for metric in METRICS:
        calendar = calendars[metric]
        elapsed, running, paused = timedelta(0), False, False
        if metric == "next_reply":
            # only the current wait counts: an earlier, answered message had its own clock
            last_start = max((seg[0] for seg in _starts(segments) if seg[4]), default=None)
            segments_for = [seg for seg in segments if last_start and seg[0] >= last_start]
        else:
            segments_for = segments
        for start, end, status, replied, waiting in segments_for:
            running = _counts(metric, status, replied, waiting)
            paused = running and status is PAUSES[metric]
            if running and not paused:
                elapsed += calendar.business_time_between(start, end)
        target = targets.of(metric)
        thresholds: dict[str, datetime | None] = {}
        for step in STEP_ORDER:
            if running and not paused:
                remaining = max(target * escalation[step] - elapsed, timedelta(0))
                thresholds[step] = calendar.add_business_time(as_of, remaining)
            else:
                thresholds[step] = None
        cycles = sum(1 for _, _, _, _, waiting in _starts(segments) if waiting)
        key = f"{metric}#{cycles}" if metric == "next_reply" else metric
        out.append(Clock(metric, target, elapsed, running, paused, thresholds, key))
    return out


@dataclass(frozen=True)
class LadderState:
    due: list[str]  # step ids reached by `now` and not yet done, e.g. "first_reply:warn"
    next_due_at: datetime | None  # the next threshold after these; None: nothing left to watch


def ladder(
    clock_list: list[Clock],
    done: set[str],
    now: datetime,
    legal_deadline: datetime | None = None,
    legal_opened_at: datetime | None = None,
    escalation: dict[str, float] | None = None,
) -> LadderState:
    """Which escalation steps are due now, and when the next one is."""
    points: list[tuple[str, datetime]] = []
    for clock in clock_list:
        points += [
            (f"{clock.step_key}:{step}", at) for step, at in clock.thresholds.items() if at is not None
        ]
    if legal_deadline and legal_opened_at and escalation:
        points += legal_points(legal_opened_at, legal_deadline, escalation)
    pending = [(step, at) for step, at in points if step not in done]
    due = sorted(step for step, at in pending if at <= now)
    later = [at for step, at in pending if at > now]
    return LadderState(due=due, next_due_at=min(later) if later else None)


def legal_points(
    opened_at: datetime, deadline: datetime, escalation: Mapping[str, float]
) -> list[tuple[str, datetime]]:
    """A legal deadline's steps: `legal:warn` at the policy's warning share of the period, `legal:final`
    at 8:00 (Warsaw) on the deadline's day (when that is later than the warning and before the
    deadline), `legal:breach` at the deadline."""
    warn = opened_at + (deadline - opened_at) * escalation["warn"]
    points = [("legal:warn", warn), ("legal:breach", deadline)]
    last_day = datetime.combine(deadline.astimezone(WARSAW).date(), LAST_DAY_AT, tzinfo=WARSAW)
    if warn < last_day < deadline:
        points.append(("legal:final", last_day))
    return points


def evaluate(
    history: Sequence[TicketEvent],
    policy: SlaPolicy,
    targets: Targets,
    done: set[str],
    now: datetime,
    legal_deadline: datetime | None = None,
) -> tuple[list[Clock], LadderState]:
    """Clocks and ladder for a ticket; `now` is when the sweeper looks."""
    as_of = max(e.at for e in history)
    clock_list = clocks(history, targets, policy.calendars(targets), policy.escalation, as_of)
    opened = min(e.at for e in history)
    return clock_list, ladder(clock_list, done, now, legal_deadline, opened, policy.escalation)


def first_due(
    opened_at: datetime, targets: Targets, policy: SlaPolicy, legal_deadline: datetime | None
) -> datetime | None:
    """When a new ticket's first escalation step falls due (what the sweeper's index is keyed on)."""
    history = [TicketEvent(at=opened_at, kind=TicketEventKind.OPENED)]
    _, state = evaluate(history, policy, targets, set(), opened_at, legal_deadline)
    return min(
        [*([state.next_due_at] if state.next_due_at else []), *([opened_at] if state.due else [])],
        default=None,
    )


def opening_due(request: TicketRequest, policy: SlaPolicy) -> datetime | None:
    """When a ticket opened by `request` first falls due in the sweeper's queue."""
    targets = policy.targets_for(request.channel, request.category, request.priority)
    return first_due(request.at, targets, policy, request.legal_deadline)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def ticket_ladder(
    ticket: Mapping[str, Any], policy: SlaPolicy, now: datetime, extra: Sequence[TicketEvent] = ()
) -> LadderState:
    """The escalation ladder of a stored ticket at `now` (with `extra` events not stored yet)."""
    targets = policy.targets_for(
        TicketChannel(ticket["channel"]),
        TicketCategory(ticket["category"]),
        TicketPriority(ticket.get("sla_priority", ticket["priority"])),
    )
    history = [TicketEvent.model_validate(e) for e in ticket.get("history", [])] + list(extra)
    done = set(ticket.get("escalations", ()))
    _, state = evaluate(history, policy, targets, done, now, _when(ticket.get("legal_deadline")))
    return state


def due_after(
    ticket: Mapping[str, Any], event: TicketEvent, policy: SlaPolicy, now: datetime
) -> datetime | None:
    """The ticket's next queue time once `event` is in its history: None when it is solved or nothing
    is left to watch; now when a step is due already (the next sweep takes it)."""
    if event.status in CLOSED:
        return None
    state = ticket_ladder(ticket, policy, now, [event])
    return now if state.due else state.next_due_at
