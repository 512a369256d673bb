"""The outbox: sent once, held through quiet hours, retried with backoff, a ticket when it gives up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import Stubber

from sla_sweeper.app import lambda_handler as sweep
from tests import usecases
from tests.factories import sweeper_context
from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.dispatch import outbox as outbox_flow
from zwrotnica.messages import policy
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.notify import sender
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import tickets
from zwrotnica.store.table import client

pytestmark = pytest.mark.integration
WARSAW = ZoneInfo("Europe/Warsaw")


def enqueue(channel: Channel, created: datetime, key: str = "test:1") -> OutboxMessage:
    message = OutboxMessage(
        dedup_key=key,
        order_number="1001",
        channel=channel,
        template="test",
        recipient="+48600100200" if channel is Channel.SMS else "anna.kowalska@example.com",
        subject=None if channel is Channel.SMS else "Temat",
        text="Paczka czeka w Paczkomacie KRA010.",
        created_at=created,
        due_at=policy.earliest_send(channel, created),
    )
    client().transact_write_items(TransactItems=[outbox_store.put_new(message)])
    return message


def stored(message: OutboxMessage) -> OutboxMessage:
    return next(m for m in outbox_store.list_for_order("1001") if m.dedup_key == message.dedup_key)


def test_same_dedup_key_can_only_be_written_once(stack):
    enqueue(Channel.EMAIL, datetime.now(UTC))
    with pytest.raises(client().exceptions.TransactionCanceledException):
        enqueue(Channel.EMAIL, datetime.now(UTC))
    assert len(outbox_store.list_for_order("1001")) == 1


def test_sms_asked_for_at_night_waits_until_eight(stack, sent):
    # Given an SMS produced at 22:30 Warsaw time
    night = datetime(2026, 11, 24, 22, 30, tzinfo=WARSAW)
    message = enqueue(Channel.SMS, night)
    # When it is delivered at once, and swept at 07:59
    assert outbox_flow.deliver([message], night).deferred == 1
    result, _ = outbox_flow.retry_due(datetime(2026, 11, 25, 7, 59, tzinfo=WARSAW), budget=10)
    # Then nothing went out before 8:00
    assert result.sent == 0 and sent.sms == []
    # And the 8:00 sweep sends it, once
    result, _ = outbox_flow.retry_due(datetime(2026, 11, 25, 8, 0, tzinfo=WARSAW), budget=10)
    assert result.sent == 1
    assert sent.sms == [("+48600100200", "Paczka czeka w Paczkomacie KRA010.")]
    assert stored(message).status == "sent"


def test_email_is_not_held_at_night(stack, sent):
    night = datetime(2026, 11, 24, 23, 30, tzinfo=WARSAW)
    message = enqueue(Channel.EMAIL, night)
    assert outbox_flow.deliver([message], night).sent == 1
    assert len(sent.emails) == 1


def test_failed_send_stays_pending_and_the_sweeper_retries_it(stack, sent):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    message = enqueue(Channel.EMAIL, now)
    # Given SES throttles the first try
    with Stubber(sender.ses_client()) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", http_status_code=429)
        result = outbox_flow.deliver([message], now)
    assert result.failed == 1 and sent.emails == []
    pending = stored(message)
    assert (pending.status, pending.attempts, pending.due_at) == ("pending", 1, now + timedelta(minutes=5))
    # When the sweeper runs before the backoff has passed, nothing is sent
    assert outbox_flow.retry_due(now + timedelta(minutes=4), budget=10)[0].sent == 0
    # And after it, the message goes out and leaves the queue
    assert outbox_flow.retry_due(now + timedelta(minutes=5), budget=10)[0].sent == 1
    assert len(sent.emails) == 1
    assert outbox_store.due(now + timedelta(days=1), limit=10)[0] == []


def test_after_the_last_try_a_ticket_is_opened(stack, sent):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    message = enqueue(Channel.SMS, now)
    at = now
    with Stubber(sender.sns_client()) as sns:
        for _ in range(policy.MAX_ATTEMPTS):
            sns.add_client_error("publish", "InvalidParameter", http_status_code=400)
        assert outbox_flow.deliver([message], at).failed == 1
        for _ in range(policy.MAX_ATTEMPTS - 1):
            at = stored(message).due_at
            result, _ = bus.retry_messages(Context.build(at), budget=10)  # the sweeper's step
    assert result.given_up == 1
    final = stored(message)
    assert (final.status, final.attempts) == ("failed", policy.MAX_ATTEMPTS)
    ticket = tickets.get(tickets.ticket_id_for(f"undelivered:{message.message_id}"))
    assert ticket["order_number"] == "1001" and ticket["status"] == "new"
    assert "+48600100200" not in str(ticket)  # no personal data on the ticket's notes


def test_two_overlapping_sweeps_send_a_message_once(stack, sent):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    enqueue(Channel.EMAIL, now - timedelta(minutes=10))
    due, _ = outbox_store.due(now, limit=10)
    # Given the first sweep claimed it
    assert outbox_store.claim(due[0], now + outbox_flow.LEASE)
    # Then a second sweep that read the same item cannot claim it
    assert not outbox_store.claim(due[0], now + outbox_flow.LEASE)


def test_sweeper_handler_sends_what_is_due(stack, sent):
    enqueue(Channel.EMAIL, datetime.now(UTC) - timedelta(minutes=10), key="a")
    enqueue(Channel.EMAIL, datetime.now(UTC) - timedelta(minutes=9), key="b")
    totals = sweep({"source": "aws.scheduler"}, sweeper_context())
    assert (totals["sent"], totals["more_left"]) == (2, False)
    assert len(sent.emails) == 2


def test_a_second_trigger_adds_to_the_open_ticket_of_the_same_order_and_category(stack):
    from zwrotnica.models.ticket import TicketCategory, TicketRequest

    def request(ref: str) -> TicketRequest:
        return TicketRequest(
            order_number="1001",
            category=TicketCategory.DELIVERY,
            subject="Paczka stoi",
            note=f"trigger {ref}",
            source_ref=ref,
            at=datetime.now(UTC),
        )

    first, created = usecases.open_ticket(request("a"))
    second, created_again = usecases.open_ticket(request("b"))
    again, _ = usecases.open_ticket(request("b"))
    assert created and not created_again and first == second == again
    assert [n["text"] for n in tickets.get(first)["notes"]] == ["trigger a", "trigger b"]
