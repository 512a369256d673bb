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
from zwrotnica.models.common import iso
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


def test_an_email_is_stored_as_its_blocks_and_a_retry_sends_what_the_first_try_would_have(stack, sent):
    """Issue 19: the outbox item holds the blocks, not the 3-4 KB of HTML they render to."""
    from zwrotnica.messages import compose
    from zwrotnica.messages.templates import email_from_blocks

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    status = "https://sklep.example.com/api/orders/1001/status?t=abc"
    content = email_from_blocks(
        "Paczka w drodze", ["Dzień dobry,", "Twoja paczka jest w drodze.", ("Status zamówienia", status)]
    )
    message = compose.email(
        dedup_key="blocks:1",
        order_number="1001",
        recipient="anna.kowalska@example.com",
        template="test",
        content=content,
        now=now,
    )
    client().transact_write_items(TransactItems=[outbox_store.put_new(message)])
    item = client().get_item(
        TableName="ZwrotnicaTable", Key={"pk": {"S": "ORDER#1001"}, "sk": {"S": f"MSG#{message.message_id}"}}
    )["Item"]
    assert "html" not in item and "text" not in item
    assert [b.get("S") or [p["S"] for p in b["L"]] for b in item["blocks"]["L"]] == [
        "Dzień dobry,",
        "Twoja paczka jest w drodze.",
        ["Status zamówienia", status],
    ]
    # Given SES refuses the first try, when the sweeper sends it, it sends the same e-mail
    with Stubber(sender.ses_client()) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", http_status_code=429)
        assert outbox_flow.deliver([message], now).failed == 1
    assert outbox_flow.retry_due(now + timedelta(minutes=5), budget=10)[0].sent == 1
    [email] = sent.emails
    assert email.subject == "Paczka w drodze" and email.body == content.html  # moto keeps the HTML part
    assert stored(message).text == content.text


def test_a_message_stored_before_issue_19_is_sent_as_it_was_stored(stack, sent):
    """Whole text and HTML in the item, and its week bucket set at creation: read and sent as they are."""
    from zwrotnica.models.outbox import message_id_for
    from zwrotnica.store.table import to_item

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    message_id = message_id_for("old:1:email")
    old = {
        "pk": "ORDER#1001",
        "sk": f"MSG#{message_id}",
        "type": "message",
        "message_id": message_id,
        "dedup_key": "old:1:email",
        "order_number": "1001",
        "channel": "email",
        "kind": "transactional",
        "template": "order_received",
        "recipient": "anna.kowalska@example.com",
        "subject": "Otrzymaliśmy Twoje zamówienie nr 1001",
        "text": "Stara treść.",
        "html": '<!doctype html><html lang="pl"><body><p>Stara treść.</p></body></html>',
        "status": "pending",
        "attempts": 0,
        "created_at": "2026-11-24T11:00:00.000000Z",
        "due_at": "2026-11-24T11:03:00.000000Z",
        "queue": "outbox",
        "gsi1pk": "MSGWEEK#2026-W48",
        "gsi1sk": "2026-11-24T11:00:00.000000Z",
    }
    client().put_item(TableName="ZwrotnicaTable", Item=to_item(old))
    assert outbox_flow.retry_due(now, budget=10)[0].sent == 1
    [email] = sent.emails
    assert email.body == old["html"]


def test_a_message_joins_its_week_bucket_when_it_leaves_the_queue(stack, sent):
    """Sent: MSGWEEK#; given up: MSGFAILED#; pending: in the queue only. The dashboard sees all three."""
    from zwrotnica.store import dashboard

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    sent_one = enqueue(Channel.EMAIL, now, key="bucket:sent")
    given_up = enqueue(Channel.EMAIL, now, key="bucket:failed")
    waiting = enqueue(Channel.EMAIL, now, key="bucket:pending")

    def raw(message: OutboxMessage) -> dict:
        key = {"pk": {"S": "ORDER#1001"}, "sk": {"S": f"MSG#{message.message_id}"}}
        return client().get_item(TableName="ZwrotnicaTable", Key=key)["Item"]

    assert "gsi1pk" not in raw(waiting)
    assert outbox_flow.deliver([sent_one], now).sent == 1
    outbox_store.record_failure(given_up, "SES: rejected", None)
    assert (raw(sent_one)["gsi1pk"]["S"], raw(sent_one)["gsi1sk"]["S"]) == ("MSGWEEK#2026-W48", iso(now))
    assert raw(given_up)["gsi1pk"]["S"] == "MSGFAILED#2026-W48" and "gsi1pk" not in raw(waiting)
    seen = {m["status"] for m in dashboard.messages(["2026-W48"])}
    assert seen == {"sent", "failed", "pending"}


def test_a_sweep_skips_a_message_that_left_the_queue_after_the_index_named_it(stack, sent):
    """The due index holds keys only: the sweep reads the item itself, and an item sent meanwhile (by the
    writer that sends it right after its commit) is not sent again."""
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    message = enqueue(Channel.EMAIL, now - timedelta(minutes=10))
    raced: list[bool] = []

    def sent_meanwhile(model, **_: object) -> None:
        if not raced:
            raced.append(True)
            outbox_store.mark_sent(message, now, "ses-inline")

    client().meta.events.register("after-call.dynamodb.Query", sent_meanwhile)
    try:
        result, more = outbox_flow.retry_due(now, budget=10)
    finally:
        client().meta.events.unregister("after-call.dynamodb.Query", sent_meanwhile)
    assert raced and (result.sent, more) == (0, False) and sent.emails == []
    assert stored(message).provider_message_id == "ses-inline"


def test_items_read_by_key_are_asked_again_when_dynamodb_leaves_keys_unprocessed(stack):
    from zwrotnica.store.table import batch_get, to_item

    key = to_item({"pk": "ORDER#1001", "sk": "MSG#x"})
    item = key | to_item({"template": "test"})
    with Stubber(client()) as ddb:
        ddb.add_response(
            "batch_get_item",
            {"Responses": {"ZwrotnicaTable": []}, "UnprocessedKeys": {"ZwrotnicaTable": {"Keys": [key]}}},
        )
        ddb.add_response("batch_get_item", {"Responses": {"ZwrotnicaTable": [item]}})
        assert batch_get([key, key]) == [{"pk": "ORDER#1001", "sk": "MSG#x", "template": "test"}]
        ddb.assert_no_pending_responses()
