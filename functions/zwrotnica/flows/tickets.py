"""Tickets over time: the sweeper's escalation ladder, and history events (reply, pending, solved)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.domain import sla
from zwrotnica.domain.sla_policy import SlaPolicy, default_policy
from zwrotnica.messages import policy as message_policy
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketPriority,
    TicketStatus,
)
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.store import tickets as ticket_store

RAISE = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
STEP_PL = {"warn": "75% czasu minęło", "breach": "SLA przekroczone", "owner": "2x czas SLA: do właściciela"}
METRIC_PL = {
    "first_reply": "pierwsza odpowiedź",
    "next_reply": "kolejna odpowiedź",
    "resolution": "rozwiązanie",
    "legal": "ustawowy termin odpowiedzi na reklamację",
}


@dataclass
class EscalationResult:
    escalated: int = 0
    held_for_morning: int = 0
    lost_race: int = 0
    digests: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def _history(ticket: dict[str, Any]) -> list[TicketEvent]:
    return [TicketEvent.model_validate(e) for e in ticket.get("history", [])]


def _state(ticket: dict[str, Any], policy: SlaPolicy, now: datetime) -> sla.LadderState:
    targets = policy.targets_for(
        TicketChannel(ticket["channel"]),
        TicketCategory(ticket["category"]),
        TicketPriority(ticket.get("sla_priority", ticket["priority"])),
    )
    legal = (
        datetime.fromisoformat(ticket["legal_deadline"].replace("Z", "+00:00"))
        if ticket.get("legal_deadline")
        else None
    )
    _, state = sla.evaluate(_history(ticket), policy, targets, set(ticket.get("escalations", ())), now, legal)
    return state


def escalate_due(
    now: datetime, budget: int, policy: SlaPolicy | None = None
) -> tuple[EscalationResult, bool]:
    """One sweep batch: every due step exactly once, even when two sweeps overlap."""
    policy = policy or default_policy()
    result = EscalationResult()
    items, more = ticket_store.due(iso(now), budget)
    morning = message_policy.earliest_send(Channel.SMS, now)  # == now outside 21:00-8:00
    for ticket in items:
        state = _state(ticket, policy, now)
        urgent = ticket["priority"] == TicketPriority.URGENT.value or any(
            s.startswith("legal:") for s in state.due
        )
        if state.due and morning > now and not urgent:
            # Non-urgent escalations wait for the morning instead of waking anyone up.
            if ticket_store.apply_escalation(ticket, [], iso(morning), {}):
                result.held_for_morning += 1
            continue
        changes: dict[str, Any] = {}
        if any(step.endswith(":breach") for step in state.due):
            changes |= {"breached": True, "priority": RAISE[ticket["priority"]]}
            changes.setdefault("sla_priority", ticket.get("sla_priority", ticket["priority"]))
        next_due = iso(state.next_due_at) if state.next_due_at else None
        if not ticket_store.apply_escalation(ticket, state.due, next_due, changes):
            result.lost_race += 1
            continue
        if state.due:
            result.escalated += 1
            steps = ", ".join(
                f"{METRIC_PL[s.split(':')[0].split('#')[0]]}: {STEP_PL[s.split(':')[1]]}" for s in state.due
            )
            result.digests[ticket["team"]].append(
                f"{ticket['ticket_id']} [{ticket['category']}, {changes.get('priority', ticket['priority'])}]"
                " "
                f"{ticket['subject']} ({steps})"
            )
    for team, lines in result.digests.items():
        try:
            sender.notify_team(
                f"Zwrotnica SLA: {team}, {len(lines)} do sprawdzenia", "\n".join(lines), team=team
            )
        except (ClientError, BotoCoreError):
            # The steps are stored (breached, priority raised; `tickets list --breached` shows them) and
            # are not escalated again: the digest is at most once. The sweep goes on with its messages.
            logger.exception("team digest not sent", extra={"team": team, "tickets": len(lines)})
            metrics.add_metric(name="TeamDigestFailed", unit="Count", value=1)
    metrics.add_metric(name="TicketsEscalated", unit="Count", value=result.escalated)
    logger.info("tickets swept", extra={"escalated": result.escalated, "held": result.held_for_morning})
    return result, more


def record_event(
    ticket_id: str,
    event: TicketEvent,
    now: datetime,
    policy: SlaPolicy | None = None,
    messages: Sequence[OutboxMessage] = (),
) -> None:
    """Add a reply or status change and move the ticket's next SLA step accordingly; `messages` (the
    reply to the customer) are written to the outbox in the same transaction (the caller sends them)."""
    policy = policy or default_policy()
    ticket = ticket_store.get(ticket_id)
    if ticket is None:
        raise KeyError(ticket_id)
    ticket["history"] = [*ticket.get("history", []), event.model_dump(mode="json")]
    state = _state(ticket, policy, now)
    closed = event.status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
    if closed:
        next_due = None
    elif state.due:
        next_due = iso(now)  # a step is already due: the next sweep takes it
    else:
        next_due = iso(state.next_due_at) if state.next_due_at else None
    ticket_store.append_event(
        ticket_id,
        event.model_dump(mode="json"),
        event.status.value if event.status else None,
        next_due,
        messages,
    )
