"""Tickets: SLA clocks at open, the sweeper's escalation ladder, team digests, POST /tickets."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from sla_sweeper.app import lambda_handler
from tests import usecases
from tests.factories import SW_SECRET, sweeper_context, tickets_webhook
from zwrotnica.dispatch import sweeps
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketRequest,
    TicketStatus,
)
from zwrotnica.store import table, tickets

pytestmark = pytest.mark.integration
W = ZoneInfo("Europe/Warsaw")


def team_messages() -> list[dict]:
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    return [
        {"subject": subject, "text": message, "team": (attrs or {}).get("team", {}).get("Value")}
        for topic in backend.topics.values()
        for _, message, subject, attrs, _ in topic.sent_notifications
    ]


def open_ticket(
    opened: datetime,
    *,
    ref: str = "t1",
    priority=TicketPriority.NORMAL,
    channel=TicketChannel.FORM,
    category=TicketCategory.DELIVERY,
    order: str | None = "1001",
) -> str:
    ticket_id, created = usecases.open_ticket(
        TicketRequest(
            order_number=order,
            channel=channel,
            category=category,
            priority=priority,
            subject="Paczka nie dotarła",
            note="Kurier zgłosił problem.",
            source_ref=ref,
            at=opened,
        )
    )
    assert created
    return ticket_id


def test_new_ticket_waits_in_the_sla_queue_until_its_first_step(stack):
    # Delivery category: form first reply 24 h x 0.5 = 12 business hours; warning at 75 % = 9 h.
    ticket_id = open_ticket(datetime(2026, 11, 23, 8, 0, tzinfo=W))
    ticket = tickets.get(ticket_id)
    assert ticket["queue"] == "sla"
    assert ticket["due_at"] == "2026-11-24T08:00:00.000000Z"  # Tuesday 9:00 Warsaw
    assert ticket["team"] == "logistics" and ticket["policy_version"] == "2026-12-01"


def test_ladder_warn_breach_owner_each_once_with_team_digest(stack):
    ticket_id = open_ticket(datetime(2026, 11, 23, 8, 0, tzinfo=W))
    # Tuesday 9:00 Warsaw: the warning
    result, _ = sweeps.escalate_due(datetime(2026, 11, 24, 9, 0, tzinfo=W), budget=10)
    assert result.escalated == 1
    assert tickets.get(ticket_id)["escalations"] == {"first_reply:warn"}
    # The same moment again: nothing more
    assert sweeps.escalate_due(datetime(2026, 11, 24, 9, 0, tzinfo=W), budget=10)[0].escalated == 0
    # Tuesday 12:00: breach, priority raised, marked breached
    sweeps.escalate_due(datetime(2026, 11, 24, 12, 0, tzinfo=W), budget=10)
    ticket = tickets.get(ticket_id)
    assert ticket["breached"] is True and ticket["priority"] == "high" and ticket["sla_priority"] == "normal"
    assert "first_reply:breach" in ticket["escalations"]
    # Thursday 8:00 (24 business hours = 2x): the owner
    sweeps.escalate_due(datetime(2026, 11, 26, 8, 0, tzinfo=W), budget=10)
    assert "first_reply:owner" in tickets.get(ticket_id)["escalations"]
    digests = [m for m in team_messages() if m["team"] == "logistics"]
    assert len(digests) == 3
    assert "SLA przekroczone" in digests[1]["text"] and ticket_id in digests[1]["text"]


def test_two_overlapping_sweeps_escalate_once(stack):
    ticket_id = open_ticket(datetime(2026, 11, 23, 8, 0, tzinfo=W))
    stale = tickets.due("2026-11-24T08:00:00.000000Z", 10)[0][0]
    sweeps.escalate_due(datetime(2026, 11, 24, 9, 0, tzinfo=W), budget=10)
    # The second sweep read the item before the first wrote: its conditional write loses.
    assert not table.write_one(
        tickets.escalation(stale, ["first_reply:warn"], "2026-11-25T00:00:00.000000Z", {})
    )
    assert tickets.get(ticket_id)["escalations"] == {"first_reply:warn"}


def test_non_urgent_escalation_at_night_waits_for_eight(stack):
    ticket_id = open_ticket(datetime(2026, 11, 23, 8, 0, tzinfo=W))
    result, _ = sweeps.escalate_due(datetime(2026, 11, 24, 22, 0, tzinfo=W), budget=10)
    assert (result.escalated, result.held_for_morning) == (0, 1)
    assert tickets.get(ticket_id)["due_at"] == "2026-11-25T07:00:00.000000Z"  # 8:00 Warsaw
    assert team_messages() == []


def test_pending_on_customer_takes_the_ticket_out_of_the_queue_and_reopening_puts_it_back(stack):
    opened = datetime(2026, 11, 23, 8, 0, tzinfo=W)
    ticket_id = open_ticket(opened)
    usecases.record_event(
        ticket_id,
        TicketEvent(
            at=opened + timedelta(hours=1), kind=TicketEventKind.STATUS, status=TicketStatus.PENDING_CUSTOMER
        ),
        now=opened,
    )
    # The resolution clock still runs (only a courier wait pauses it), so the ticket stays queued,
    # but on the resolution warning, not on the paused first reply.
    paused = tickets.get(ticket_id)
    assert paused["status"] == "pending_customer" and paused["due_at"] > "2026-11-24T08:00:00.000000Z"
    usecases.record_event(
        ticket_id,
        TicketEvent(at=opened + timedelta(hours=2), kind=TicketEventKind.AGENT_REPLY),
        now=opened + timedelta(hours=2),
    )
    usecases.record_event(
        ticket_id,
        TicketEvent(at=opened + timedelta(hours=3), kind=TicketEventKind.STATUS, status=TicketStatus.SOLVED),
        now=opened + timedelta(hours=3),
    )
    solved = tickets.get(ticket_id)
    assert solved["status"] == "solved" and "queue" not in solved and "due_at" not in solved


def test_sweeper_handler_runs_messages_and_tickets(stack):
    open_ticket(datetime(2026, 11, 2, 8, 0, tzinfo=W))  # long overdue
    totals = lambda_handler({"source": "aws.scheduler"}, sweeper_context())
    assert totals["escalated"] + totals["held"] == 1


def signed_ticket(payload: dict, msg_id: str = "msg_t1", secret: str = SW_SECRET) -> dict:
    return tickets_webhook(payload, msg_id, secret=secret)


def test_post_tickets_opens_one_and_a_retry_does_not_open_another(stack, context):
    payload = {"channel": "chat", "category": "product_question", "subject": "Czy kurtka jest wodoodporna?"}
    first = lambda_handler(signed_ticket(payload), context)
    again = lambda_handler(signed_ticket(payload), context)
    assert first["statusCode"] == 201 and again["statusCode"] == 200
    assert json.loads(first["body"])["ticket_id"] == json.loads(again["body"])["ticket_id"]
    ticket = tickets.get(json.loads(first["body"])["ticket_id"])
    assert ticket["channel"] == "chat" and ticket["team"] == "customer_service"


@pytest.mark.parametrize(
    ("payload", "secret", "status"),
    [
        ({"channel": "chat", "category": "other", "subject": "x"}, "whsec_" + "QUFB" * 8, 401),
        ({"channel": "pigeon", "category": "other", "subject": "x"}, SW_SECRET, 422),
        ({"channel": "chat", "category": "other"}, SW_SECRET, 422),
    ],
)
def test_post_tickets_refuses_bad_input(stack, context, payload, secret, status):
    response = lambda_handler(signed_ticket(payload, secret=secret), context)
    assert response["statusCode"] == status
    assert tickets.due("9999", 10)[0] == []
