"""Faults: SES, SNS and DynamoDB failing under the real handlers, providers timing out, the sweeper
killed half way, and the race between a webhook's own send and a sweep.

AWS faults go in through botocore events on the cached clients (tests/integration/faults.py: `Fault`,
`Faults`, `Killed`, the frozen `clock`); ShipX and Przelewy24 through httpx.MockTransport. A fault for
every follow-up command kind is in test_follow_up_faults.py; every AWS call of an order's life failing
in turn, in test_crash_points.py.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

import httpx
import pytest

import courier_webhook.app as courier_app
import order_status.app as order_app
from infra import template
from tests import usecases
from tests.factories import (
    DEV_SECRETS,
    P24_ORDER_ID,
    PARCEL,
    api_event,
    inpost_webhook,
    p24_notification,
    p24_webhook,
    payu_order_body,
    payu_webhook,
    shipx_tracking,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from tests.integration.faults import (
    START,
    Fault,
    Killed,
    aws_error,
    body,
    conflict,
    order_item,
    partition,
    read_timeout,
    stored_messages,
    sweep,
    throttling,
    throughput,
    tickets_in_table,
)
from zwrotnica.dispatch import outbox as outbox_flow
from zwrotnica.messages import policy
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.notify import sender
from zwrotnica.providers import inpost, payment_clients
from zwrotnica.providers.przelewy24 import Przelewy24Client
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import tickets
from zwrotnica.store.table import client

pytestmark = pytest.mark.integration
UNAVAILABLE = {"message": "temporarily unavailable, retry"}
CONCURRENT = {"message": "concurrent update, retry"}


def emails_to(sent, number: str) -> list[Any]:
    return [e for e in sent.emails if number in e.subject]


# --- 1. SES down while webhooks arrive ------------------------------------------------------------
def test_ses_down_webhooks_still_commit_and_later_sweeps_deliver_each_email_once(
    stack, context, sent, clock, faults
):
    numbers = ["1001", "1002", "1003", "1004"]
    # Given SES refuses the next 6 e-mails (throttled, then unavailable, ...): the 4 webhooks' own sends
    # and 2 in the first sweep
    codes = cycle([("TooManyRequestsException", 429), ("ServiceUnavailable", 503)])
    ses = faults.on(sender.ses_client(), "SendEmail", Fault(lambda _: aws_error(*next(codes)), times=6))
    # When four shop orders arrive
    responses = [order_app.lambda_handler(woo_webhook(woo_order(n)), context) for n in numbers]
    # Then every webhook answered 200 with its state committed, and every e-mail waits for a retry
    assert [(r["statusCode"], body(r)) for r in responses] == [
        (200, {"order_number": n, "action": "create"}) for n in numbers
    ]
    assert sent.emails == [] and ses.raised == 4
    for number in numbers:
        assert order_item(number)["number"] == number
        [message] = stored_messages(number)
        assert (message["status"], message["attempts"], message["queue"]) == ("pending", 1, "outbox")
        assert message["due_at"] == iso(START + timedelta(minutes=5))
        assert (
            "TooManyRequestsException" in message["last_error"]
            or "ServiceUnavailable" in message["last_error"]
        )
    # And a sweep before the backoff ends leaves them alone (SES is not even asked)
    assert sweep(clock, START + timedelta(minutes=1))["sent"] == 0 and ses.calls == 4
    # When the sweep after the backoff meets SES's last two refusals
    first = sweep(clock, START + timedelta(minutes=5))
    assert (first["sent"], first["failed"]) == (2, 2)
    # And SES has recovered by the next try of those two
    second = sweep(clock, START + timedelta(minutes=20))
    assert (second["sent"], second["failed"]) == (2, 0)
    # Then each order's e-mail went out exactly once, and nothing is left to send
    assert sweep(clock, START + timedelta(days=1))["sent"] == 0
    assert len(sent.emails) == 4
    for number in numbers:
        [email] = emails_to(sent, number)
        assert email.destinations["ToAddresses"] == ["anna.kowalska@example.com"]
        [message] = stored_messages(number)
        assert message["status"] == "sent" and "queue" not in message and "due_at" not in message
    assert sorted(m["attempts"] for n in numbers for m in stored_messages(n)) == [2, 2, 3, 3]
    assert tickets_in_table() == []  # nothing was given up


# --- 2. SNS throttling SMS ------------------------------------------------------------------------
def parcel_for(number: str) -> str:
    return PARCEL[:-4] + number  # 24 digits, one parcel per order


def event_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S +0000")


def test_sns_throttled_sms_stay_pending_and_go_out_once_when_it_recovers(stack, context, sent, clock, faults):
    numbers = ["1001", "1002", "1003"]
    for number in numbers:
        order = woo_order_shipped(number, parcel_for(number))
        assert order_app.lambda_handler(woo_webhook(order), context)["statusCode"] == 200
    emails_before = len(sent.emails)
    # Given SNS throttles every SMS until it recovers
    sns = faults.on(sender.sns_client(), "Publish", Fault(lambda _: aws_error("Throttling", 400)))
    # When InPost says each parcel is out for delivery (an SMS-only notice)
    for number in numbers:
        push = inpost_webhook("out_for_delivery", number=parcel_for(number), at=event_time(START))
        response = courier_app.lambda_handler(push, context)
        # Then the webhook answers 200: the status is stored, the SMS waits
        assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
    assert sent.sms == [] and sns.raised == 3
    for number in numbers:
        [sms] = [m for m in stored_messages(number) if m["channel"] == "sms"]
        assert (sms["status"], sms["attempts"], sms["queue"]) == ("pending", 1, "outbox")
    # And a sweep while SNS is still throttling only moves them further back
    assert (sweep(clock, START + timedelta(minutes=5)))["failed"] == 3
    # When SNS recovers and the next sweeps run
    sns.healed = True
    assert sweep(clock, START + timedelta(minutes=20))["sent"] == 3
    assert sweep(clock, START + timedelta(hours=6))["sent"] == 0
    # Then each parcel's SMS went out exactly once, and the e-mails were not touched
    texts = Counter(text for _, text in sent.sms)
    assert sorted(texts.values()) == [1, 1, 1]
    for number in numbers:
        assert sum(f"(zam. {number})" in text for text in texts) == 1
    assert {phone for phone, _ in sent.sms} == {"+48600100200"}
    assert len(sent.emails) == emails_before


def test_sns_throttling_the_team_topic_does_not_abort_the_sweep(stack, sent, clock, faults):
    # Given a ticket whose SLA breach is due, and a pending e-mail that is due too
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            category=TicketCategory.DELIVERY,
            priority=TicketPriority.NORMAL,
            subject="Paczka nie dotarła",
            note="Kurier zgłosił problem.",
            source_ref="fault:t1",
            at=START - timedelta(days=7),
        )
    )
    enqueue_email("1001", "fault:mail", START - timedelta(minutes=10))
    # And SNS throttles every publish (the team digest goes to an SNS topic)
    faults.on(sender.sns_client(), "Publish", Fault(lambda _: aws_error("Throttling", 400)))
    # When the sweeper runs
    totals = sweep(clock, START)
    # Then it finishes its run: the e-mail went out, the escalation is recorded once
    assert (totals["sent"], totals["escalated"], totals["more_left"]) == (1, 1, False)
    assert len(sent.emails) == 1
    ticket = tickets.get(ticket_id)
    assert ticket["breached"] is True and ticket["priority"] == "high"
    # And a later sweep does not escalate the same steps again
    assert sweep(clock, START + timedelta(minutes=5))["escalated"] == 0
    assert tickets.get(ticket_id)["priority"] == "high"


# --- 3. DynamoDB throttling and transaction conflicts in the middle of a webhook --------------------
DYNAMO_FAULTS = [
    pytest.param("TransactWriteItems", throughput, None, UNAVAILABLE, id="transaction-throughput"),
    pytest.param("TransactWriteItems", throttling, None, UNAVAILABLE, id="transaction-throttling"),
    pytest.param("TransactWriteItems", read_timeout, None, UNAVAILABLE, id="transaction-timeout"),
    pytest.param("GetItem", throttling, None, UNAVAILABLE, id="read-throttling"),
    # One conflict is re-read and decided again inside the webhook; the second one is the caller's
    pytest.param("TransactWriteItems", conflict, 2, CONCURRENT, id="transaction-conflict"),
]


@pytest.mark.parametrize(("operation", "error", "times", "answer"), DYNAMO_FAULTS)
def test_order_webhook_dynamodb_fault_is_a_clean_503_and_the_retry_commits_once(
    stack, context, sent, clock, faults, operation, error, times, answer
):
    event = woo_webhook(woo_order("1001"))
    fault = faults.on(client(), operation, Fault(error, times=times))
    # When DynamoDB fails in the middle of the shop's order webhook
    response = order_app.lambda_handler(event, context)
    fault.healed = True  # DynamoDB recovers (and the test can read the table)
    # Then the shop gets a short retryable 503, nothing is half-written and nobody is told anything
    assert (response["statusCode"], body(response)) == (503, answer)
    assert partition("ORDER#1001") == [] and sent.emails == []
    # When the shop retries the same delivery (and once more, late)
    retried, again = order_app.lambda_handler(event, context), order_app.lambda_handler(event, context)
    # Then the order is committed once, with exactly one e-mail
    assert (retried["statusCode"], body(retried)) == (200, {"order_number": "1001", "action": "create"})
    assert (again["statusCode"], body(again)["action"]) == (200, "duplicate")
    [message] = stored_messages("1001")
    assert message["status"] == "sent"
    assert len(sent.emails) == 1 and order_item("1001")["payment_status"] == "pending"


def test_order_webhook_absorbs_one_transaction_conflict(stack, context, sent, clock, faults):
    faults.on(client(), "TransactWriteItems", Fault(conflict, times=1))
    response = order_app.lambda_handler(woo_webhook(woo_order("1001")), context)
    assert (response["statusCode"], body(response)) == (200, {"order_number": "1001", "action": "create"})
    assert [m["status"] for m in stored_messages("1001")] == ["sent"] and len(sent.emails) == 1


PAYMENT_FAULTS = [
    pytest.param("GetItem", throughput, UNAVAILABLE, id="read-throughput"),
    pytest.param("TransactWriteItems", throttling, UNAVAILABLE, id="transaction-throttling"),
    # A conflict is a lost race (unit of work: read again, decide again once), then "concurrent update"
    pytest.param("TransactWriteItems", conflict, CONCURRENT, id="transaction-conflict"),
]


@pytest.mark.parametrize(("operation", "error", "answer"), PAYMENT_FAULTS)
def test_payu_notification_dynamodb_fault_is_503_and_its_retry_pays_once(
    stack, context, sent, clock, faults, operation, error, answer
):
    assert order_app.lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    event = payu_webhook(payu_order_body("1001", "COMPLETED", 26100))
    fault = faults.on(client(), operation, Fault(error))
    # When DynamoDB fails while PayU's COMPLETED notification is applied
    response = order_app.lambda_handler(event, context)
    fault.healed = True  # DynamoDB recovers (and the test can read the table)
    # Then PayU gets a retryable 503 and the order is neither paid nor marked as notified
    assert (response["statusCode"], body(response)) == (503, answer)
    assert order_item("1001")["payment_status"] == "pending"
    assert not [i for i in partition("ORDER#1001") if i["sk"].startswith("PAYEVENT#")]
    assert len(stored_messages("1001")) == 1 and len(sent.emails) == 1  # the order's own e-mail
    # When PayU retries, and once more
    first, second = order_app.lambda_handler(event, context), order_app.lambda_handler(event, context)
    # Then it is paid once, with one payment e-mail
    assert (first["statusCode"], body(first)) == (200, {"result": "applied"})
    assert (second["statusCode"], body(second)) == (200, {"result": "ignored"})
    assert (order_item("1001")["payment_status"], order_item("1001")["paid_amount"]) == ("paid", 26100)
    assert len(emails_to(sent, "1001")) == 2 and len(stored_messages("1001")) == 2
    assert all(m["status"] == "sent" for m in stored_messages("1001"))


def order_with_parcel(context, number: str = "1001") -> None:
    order = woo_order_shipped(number, parcel_for(number))
    assert order_app.lambda_handler(woo_webhook(order), context)["statusCode"] == 200


def shipment_item(number: str = "1001") -> dict[str, Any]:
    return next(i for i in partition(f"ORDER#{number}") if i["sk"].startswith("SHIPMENT#"))


def shipment_lines(number: str = "1001") -> list[dict[str, Any]]:
    return [i for i in partition(f"ORDER#{number}") if i["sk"].startswith("T#") and "#shipment#" in i["sk"]]


INPOST_FAULTS = [
    pytest.param("Query", throughput, None, UNAVAILABLE, id="lookup-throughput"),
    pytest.param("TransactWriteItems", throttling, None, UNAVAILABLE, id="transaction-throttling"),
    pytest.param("TransactWriteItems", lambda p: conflict(p, at=1), 2, CONCURRENT, id="transaction-conflict"),
]


@pytest.mark.parametrize(("operation", "error", "times", "answer"), INPOST_FAULTS)
def test_inpost_push_dynamodb_fault_is_503_and_the_resent_push_applies_once(
    stack, context, sent, clock, faults, operation, error, times, answer
):
    order_with_parcel(context)
    push = inpost_webhook("out_for_delivery", number=parcel_for("1001"), at=event_time(START))
    fault = faults.on(client(), operation, Fault(error, times=times))
    # When DynamoDB fails while the push is applied
    response = courier_app.lambda_handler(push, context)
    fault.healed = True  # DynamoDB recovers (and the test can read the table)
    # Then InPost gets a retryable 503; the shipment, its timeline and the customer are untouched
    assert (response["statusCode"], body(response)) == (503, answer)
    assert "status" not in shipment_item() and shipment_lines() == [] and sent.sms == []
    assert [m["template"] for m in stored_messages("1001")] == ["order_received"]
    # When the push comes again, and once more
    first, second = courier_app.lambda_handler(push, context), courier_app.lambda_handler(push, context)
    # Then it is applied once, with one SMS
    assert (first["statusCode"], body(first)) == (200, {"result": "apply"})
    assert (second["statusCode"], body(second)) == (200, {"result": "duplicate"})
    assert shipment_item()["status"] == "OUT_FOR_DELIVERY" and len(shipment_lines()) == 1
    [(phone, _)] = sent.sms
    assert phone == "+48600100200"


# --- 4. Providers timing out ----------------------------------------------------------------------
def test_shipx_read_timeout_acts_on_the_push_marked_unconfirmed(stack, context, sent, clock):
    order_with_parcel(context)
    number = parcel_for("1001")
    calls: list[str] = []
    answer: dict[str, Any] = {"error": httpx.ReadTimeout("no answer in 2 s")}

    def shipx(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if "error" in answer:
            raise answer["error"]
        return httpx.Response(200, json=shipx_tracking(number, ["ready_to_pickup"]))

    inpost.use_transport(httpx.MockTransport(shipx))
    try:
        push = inpost_webhook("ready_to_pickup", number=number, at=event_time(START))
        # When ShipX's tracking read times out for a push that must be confirmed
        response = courier_app.lambda_handler(push, context)
        # Then the push is acted on (documented: the courier waits, fail fast), marked unconfirmed
        assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
        assert calls == [f"/v1/tracking/{number}"]
        assert (shipment_item()["status"], shipment_item()["confirmed"]) == ("READY_FOR_PICKUP", False)
        [line] = shipment_lines()
        assert line["data"]["confirmed"] is False
        # And the customer is told once, by SMS and e-mail
        notices = Counter(
            m["channel"] for m in stored_messages("1001") if m["template"] == "shipment_ready_for_pickup"
        )
        assert notices == {"sms": 1, "email": 1} and len(sent.sms) == 1
        # When InPost sends the same push again and ShipX answers now
        del answer["error"]
        again = courier_app.lambda_handler(push, context)
        # Then it is the same event: nothing new for the customer
        assert (again["statusCode"], body(again)) == (200, {"result": "duplicate"})
        assert len(sent.sms) == 1 and len(emails_to(sent, "1001")) == 2  # order received, ready for pickup
    finally:
        inpost.use_transport(None)


class P24Verify:
    """Przelewy24's transaction/verify: times out, or confirms."""

    def __init__(self) -> None:
        self.error: Exception | None = httpx.ReadTimeout("no answer")
        self.calls: list[dict[str, Any]] = []

    def client(self) -> Przelewy24Client:
        return Przelewy24Client(
            "https://sandbox.przelewy24.pl",
            DEV_SECRETS["p24_merchant_id"],
            DEV_SECRETS["p24_pos_id"],
            DEV_SECRETS["p24_api_key"],
            DEV_SECRETS["p24_crc"],
            transport=httpx.MockTransport(self),
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("PUT", "/api/v1/transaction/verify")
        self.calls.append(json.loads(request.content))
        if self.error:
            raise self.error
        return httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})


def test_p24_verify_timeout_never_pays_and_answers_503_until_verified(
    stack, context, sent, clock, monkeypatch
):
    assert order_app.lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    p24 = P24Verify()
    monkeypatch.setattr(payment_clients, "p24_client", p24.client)
    event = p24_webhook(p24_notification("1001", 26100))
    # When P24's notification comes twice while transaction/verify times out
    answers = [order_app.lambda_handler(event, context) for _ in range(2)]
    # Then no "paid" without verification: a retryable 503 each time, nothing stored, no e-mail
    reason = {"message": "payment not confirmed with the provider, retry"}
    assert [(a["statusCode"], body(a)) for a in answers] == [(503, reason)] * 2
    assert order_item("1001")["payment_status"] == "pending" and "payment_rev" not in order_item("1001")
    assert not [i for i in partition("ORDER#1001") if i["sk"].startswith("PAYEVENT#")]
    assert [i["kind"] for i in partition("ORDER#1001") if i["sk"].startswith("T#")] == ["order_received"]
    assert len(stored_messages("1001")) == 1 and len(sent.emails) == 1
    assert tickets_in_table() == []  # a timeout is not a refusal: finance is not bothered
    # When P24 sends it again and verify answers
    p24.error = None
    applied, repeated = order_app.lambda_handler(event, context), order_app.lambda_handler(event, context)
    # Then it is paid once, verified with our amount and session, with one e-mail
    assert (body(applied), body(repeated)) == ({"result": "applied"}, {"result": "ignored"})
    assert (order_item("1001")["payment_status"], order_item("1001")["payment_id"]) == (
        "paid",
        str(P24_ORDER_ID),
    )
    assert {(c["sessionId"], c["amount"], c["orderId"]) for c in p24.calls} == {("1001", 26100, P24_ORDER_ID)}
    assert len(p24.calls) == 3 and len(emails_to(sent, "1001")) == 2


# --- 5. The sweeper killed half way -------------------------------------------------------------
def enqueue_email(number: str, key: str, created: datetime) -> OutboxMessage:
    """A pending e-mail whose inline send is long over (as if its webhook's send had failed)."""
    message = OutboxMessage(
        dedup_key=key,
        order_number=number,
        channel=Channel.EMAIL,
        template="fault_test",
        recipient="anna.kowalska@example.com",
        subject=f"Wiadomość {key} do zamówienia {number}",
        text="Treść.",
        created_at=created,
        due_at=created,
    )
    client().transact_write_items(TransactItems=[outbox_store.put_new(message)])
    return message


def five_pending() -> list[OutboxMessage]:
    return [enqueue_email(f"200{i}", f"kill:{i}", START - timedelta(minutes=30 - i)) for i in range(5)]


def subjects(sent) -> Counter:
    return Counter(e.subject for e in sent.emails)


def test_sweeper_killed_before_a_send_delivers_everything_once_on_later_runs(stack, sent, clock, faults):
    messages = five_pending()
    # Given the sweep is killed as it hands SES the third e-mail
    kill = faults.on(sender.ses_client(), "SendEmail", Fault(lambda _: Killed(), times=1, after=2))
    with pytest.raises(Killed):
        sweep(clock, START)
    # Then two are sent and marked; the third is claimed (leased), the last two untouched
    assert len(sent.emails) == 2 and kill.raised == 1
    states = [stored_messages(m.order_number)[0] for m in messages]
    assert [s["status"] for s in states] == ["sent", "sent", "pending", "pending", "pending"]
    assert states[2]["due_at"] == iso(START + outbox_flow.LEASE)
    # When the next scheduled sweep runs while the lease holds
    assert sweep(clock, START + timedelta(minutes=1))["sent"] == 2
    # And one after the lease ran out
    assert sweep(clock, START + outbox_flow.LEASE + timedelta(seconds=1))["sent"] == 1
    assert sweep(clock, START + timedelta(hours=1))["sent"] == 0
    # Then each message went out exactly once
    assert sorted(subjects(sent).values()) == [1] * 5
    assert all(stored_messages(m.order_number)[0]["status"] == "sent" for m in messages)


def test_sweeper_killed_between_ses_and_mark_sent_sends_that_one_message_twice(stack, sent, clock, faults):
    """The inherent at-least-once window: SES accepted the e-mail, the run died before it was marked.
    The claim's lease runs out and the next sweep sends it again: one duplicate of that one message,
    never more, and none of the others."""
    messages = five_pending()
    marking = Fault(
        lambda _: Killed(), times=1, after=1, match=lambda b: ":sent" in b.get("UpdateExpression", "")
    )
    faults.on(client(), "UpdateItem", marking)
    with pytest.raises(Killed):
        sweep(clock, START)
    assert len(sent.emails) == 2 and marking.raised == 1
    [second] = stored_messages(messages[1].order_number)
    assert (second["status"], second["due_at"]) == ("pending", iso(START + outbox_flow.LEASE))
    assert sweep(clock, START + timedelta(minutes=1))["sent"] == 3
    assert sweep(clock, START + outbox_flow.LEASE + timedelta(seconds=1))["sent"] == 1
    assert sweep(clock, START + timedelta(hours=1))["sent"] == 0
    counts = subjects(sent)
    assert counts[messages[1].subject] == 2
    assert sorted(counts.values()) == [1, 1, 1, 1, 2]
    assert all(stored_messages(m.order_number)[0]["status"] == "sent" for m in messages)


def test_sweeper_killed_during_escalations_escalates_each_ticket_once(stack, sent, clock, faults):
    """Three tickets past their breach. The run dies at the second ticket's escalation write: the first
    ticket's escalation is stored, the team digest of that run is lost (at most once: the breach and the
    raised priority stay on the ticket, `tickets list --breached` shows it); the next run escalates the
    other two, and nobody's priority is raised twice."""
    ids = []
    for i in range(3):
        ticket_id, _ = usecases.open_ticket(
            TicketRequest(
                order_number=f"300{i}",
                category=TicketCategory.DELIVERY,
                priority=TicketPriority.NORMAL,
                subject="Paczka nie dotarła",
                note="Kurier zgłosił problem.",
                source_ref=f"kill:t{i}",
                at=START - timedelta(days=7),
            )
        )
        ids.append(ticket_id)
    escalating = Fault(
        lambda _: Killed(), times=1, after=1, match=lambda b: "escalations" in b.get("UpdateExpression", "")
    )
    faults.on(client(), "UpdateItem", escalating)
    with pytest.raises(Killed):
        sweep(clock, START)
    done = [t for t in ids if tickets.get(t).get("escalations")]
    assert len(done) == 1 and team_digest_lines() == []
    assert sweep(clock, START + timedelta(minutes=5))["escalated"] == 2
    assert sweep(clock, START + timedelta(minutes=10))["escalated"] == 0
    for ticket_id in ids:
        ticket = tickets.get(ticket_id)
        assert (ticket["priority"], ticket["breached"]) == ("high", True)
    lines = team_digest_lines()
    assert sorted(sum(ticket_id in line for line in lines) for ticket_id in ids) == [0, 1, 1]
    assert not any(done[0] in line for line in lines)


def team_digest_lines() -> list[str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    return [
        line
        for topic in backend.topics.values()
        for _, message, *_ in topic.sent_notifications
        for line in message.splitlines()
    ]


# --- 6. A sweep between a webhook's commit and its own send ---------------------------------------
def test_a_sweep_right_after_the_webhook_commit_does_not_send_its_message_again(
    stack, context, sent, clock, faults
):
    swept: list[outbox_flow.DispatchResult] = []

    def sweep_between(**_: Any) -> None:
        if not swept:  # the sweeper's retry step, at the same moment, after the commit, before the send
            swept.append(outbox_flow.retry_due(clock.at, budget=25)[0])

    faults.hook(client(), "after-call.dynamodb.TransactWriteItems", sweep_between)
    response = order_app.lambda_handler(woo_webhook(woo_order("1001")), context)
    assert (response["statusCode"], body(response)["action"]) == (200, "create")
    # The sweep did not take the message the webhook was about to send itself
    assert swept[0].sent == 0 and len(sent.emails) == 1
    [message] = stored_messages("1001")
    assert message["status"] == "sent" and "queue" not in message
    # Nor does any later sweep
    assert sweep(clock, START + timedelta(hours=1))["sent"] == 0 and len(sent.emails) == 1


def test_webhook_whose_mark_sent_is_throttled_after_ses_accepted_sends_that_email_twice(
    stack, context, sent, clock, faults
):
    """The webhook's at-least-once window: SES took the e-mail, DynamoDB refused to mark it sent. The
    state is committed, so the shop gets 200; the message stays pending and, after the inline grace, a
    sweep sends it again. One duplicate, and only then: the second send is marked."""
    marking = Fault(throttling, times=1, match=lambda b: ":sent" in b.get("UpdateExpression", ""))
    faults.on(client(), "UpdateItem", marking)
    response = order_app.lambda_handler(woo_webhook(woo_order("1001")), context)
    assert (response["statusCode"], body(response)["action"]) == (200, "create")
    assert marking.raised == 1 and len(sent.emails) == 1
    [message] = stored_messages("1001")
    assert (message["status"], message["due_at"]) == ("pending", iso(START + policy.INLINE_GRACE))
    assert sweep(clock, START + timedelta(minutes=1))["sent"] == 0
    assert sweep(clock, START + policy.INLINE_GRACE)["sent"] == 1
    assert sweep(clock, START + timedelta(hours=1))["sent"] == 0
    assert len(sent.emails) == 2 and stored_messages("1001")[0]["status"] == "sent"


def test_a_webhook_killed_before_its_own_send_leaves_the_message_to_the_sweeper(
    stack, context, sent, clock, faults
):
    faults.on(sender.ses_client(), "SendEmail", Fault(lambda _: Killed(), times=1))
    with pytest.raises(Killed):
        order_app.lambda_handler(woo_webhook(woo_order("1001")), context)
    [message] = stored_messages("1001")
    # The message keeps its real send time; the queue shows it to sweeps once the writer's chance is over
    assert message["created_at"] == iso(START)
    assert (message["status"], message["due_at"]) == ("pending", iso(START + policy.INLINE_GRACE))
    assert sweep(clock, START + timedelta(minutes=1))["sent"] == 0
    assert sweep(clock, START + policy.INLINE_GRACE)["sent"] == 1
    assert sweep(clock, START + timedelta(hours=1))["sent"] == 0
    assert len(sent.emails) == 1


def test_the_inline_grace_outlasts_every_function_timeout():
    tpl = template.load()
    default = tpl["Globals"]["Function"]["Timeout"]
    timeouts = [
        props.get("Timeout", default)
        for props in template.resources("AWS::Serverless::Function", tpl).values()
    ]
    assert timeouts
    assert timedelta(seconds=max(timeouts)) < policy.INLINE_GRACE


# --- 7. Nothing after the commit turns the answer into a 5xx ---------------------------------------
def withdrawal_form(number: str = "1001") -> dict[str, Any]:
    form = {
        "order_number": number,
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": f"key-{number}",
    }
    return api_event("POST", "/returns", body=json.dumps(form), headers={"content-type": "application/json"})


def case_lookup(request: dict[str, Any]) -> bool:
    """The query that finds a case by its number (store.cases.get)."""
    return request.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "").startswith("CASE#")


def test_a_failing_read_after_the_form_commit_still_answers_201_with_the_case(
    stack, context, sent, clock, faults
):
    import return_form.app as return_app
    from zwrotnica.store import cases

    assert order_app.lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    # Given every read of a case by its number fails after the label's own read (the edge reads the
    # case again after the commit, for its answer)
    lookup = faults.on(client(), "Query", Fault(throttling, after=1, match=case_lookup))
    # When the customer submits the withdrawal
    response = return_app.lambda_handler(withdrawal_form(), context)
    lookup.healed = True
    # Then the answer is the case as decided (201), not a 503 for a case that is stored
    assert lookup.raised == 1
    answer = body(response)
    assert (response["statusCode"], answer["created"], answer["status"]) == (201, True, "submitted")
    stored = cases.get(answer["case_id"])
    assert (answer["refund_amount"], answer["refund_due"]) == (stored["refund_amount"], stored["refund_due"])
    assert stored["status"] == "label_sent"  # what followed the commit ran
    # And the customer's second click is the same case
    again = body(return_app.lambda_handler(withdrawal_form(), context))
    assert (again["case_id"], again["created"]) == (answer["case_id"], False)


def test_a_retried_decision_answers_the_same_and_the_opposite_one_is_refused(stack, context, sent, clock):
    import time

    import return_form.app as return_app
    from tests.factories import decision_webhook

    assert order_app.lambda_handler(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    rma = body(return_app.lambda_handler(withdrawal_form(), context))["case_id"]
    usecases.on_return_parcel("1001", delivered=True, now=START)

    def decision(payload: dict, msg_id: str) -> dict:
        signed = decision_webhook(rma, {"case_id": rma} | payload, msg_id=msg_id)  # names its case
        return return_app.lambda_handler(signed, context)

    clock.at = datetime.fromtimestamp(time.time(), UTC)
    accepted = {"verdict": "accept"}
    first = decision(accepted, "dec-1")
    # When the same delivery comes again (its answer was lost: the function timed out after the commit)
    again = decision(accepted, "dec-1")
    # Then it answers the same, and nothing is sent twice
    assert first["statusCode"] == 200 and (again["statusCode"], body(again)) == (200, body(first))
    # And so does the same decision sent anew (a new message id: the team's tool retried it)
    anew = decision(accepted, "dec-1-retry")
    assert (anew["statusCode"], body(anew)) == (200, body(first))
    verdicts = [e for e in sent.emails if e.subject == f"Zwrot nr {rma} został przyjęty"]
    assert len(verdicts) == 1
    # And another decision on the decided case is refused
    other = decision({"verdict": "accept", "deduction": 500, "reason": "Ślady użytkowania."}, "dec-2")
    assert other["statusCode"] == 422


def test_secrets_manager_down_is_a_503_and_the_retry_commits_once(stack, context, sent, clock, faults):
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
    from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider

    DEFAULT_PROVIDERS["secrets"] = provider = SecretsProvider()  # what the first get_secret makes
    down = faults.on(
        provider.client, "GetSecretValue", Fault(lambda _: aws_error("InternalServiceError", 500))
    )
    event = woo_webhook(woo_order("1001"))
    # When Secrets Manager fails as the shop's webhook verifies its signature
    response = order_app.lambda_handler(event, context)
    down.healed = True
    # Then the shop gets the retryable 503 of any AWS failure (not a failed function), nothing written
    assert (response["statusCode"], body(response)) == (503, UNAVAILABLE) and down.raised == 1
    assert partition("ORDER#1001") == [] and sent.emails == []
    # And its retry commits the order once
    retried = order_app.lambda_handler(event, context)
    assert (retried["statusCode"], body(retried)["action"]) == (200, "create") and len(sent.emails) == 1
