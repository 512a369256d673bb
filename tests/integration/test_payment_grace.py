"""Payments that wait too long become finance tickets (issue 4, "Bad input" and "State and messages"):
a notification held for an unknown order past its grace period, and an order still unpaid after a
failed, cancelled or mismatched payment. The sweeper step against moto, through the real handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from order_status.app import lambda_handler
from sla_sweeper.app import lambda_handler as sweeper
from tests import usecases
from tests.factories import (
    PAYU_ORDER_ID,
    payu_order_body,
    payu_webhook,
    sweeper_context,
    woo_order,
    woo_webhook,
)
from zwrotnica.dispatch import sweeps
from zwrotnica.models.payment import RefundEvent, RefundStatus
from zwrotnica.providers import payu as payu_adapter
from zwrotnica.store import payments as payment_store
from zwrotnica.store import tickets
from zwrotnica.store.table import client, from_item, table_name, to_item

pytestmark = pytest.mark.integration
GRACE, UNPAID = timedelta(hours=24), timedelta(hours=48)  # the defaults of the two settings


def now() -> datetime:
    return datetime.now(UTC)


def items(pk: str) -> list[dict]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": pk}),
    )
    return [from_item(i) for i in page["Items"]]


def order_item(number: str = "1001") -> dict:
    [order] = [i for i in items(f"ORDER#{number}") if i["sk"] == "ORDER"]
    return order


def payment_tickets(number: str = "1001") -> list[dict]:
    locks = [i for i in items(f"ORDER#{number}") if i["sk"] == "OPENTICKET#payment"]
    return [tickets.get(lock["ticket_id"]) for lock in locks]


def notify(status: str, amount: int = 26100, order_id: str = PAYU_ORDER_ID) -> dict:
    return payu_webhook(payu_order_body("1001", status, amount, order_id=order_id))


def no_personal_data(ticket: dict) -> None:
    text = json.dumps(ticket, ensure_ascii=False, default=sorted).lower()
    assert "anna" not in text and "kowalska" not in text and "600100200" not in text


@pytest.fixture
def place(stack, context):
    def _place(number: str = "1001", **changes) -> None:
        assert lambda_handler(woo_webhook(woo_order(number, **changes)), context)["statusCode"] == 200

    return _place


# --- A notification for an unknown order ---------------------------------------------------------------
def test_held_notification_opens_one_finance_ticket_after_the_grace_period(stack, context, sent, place):
    before = now()
    for status in ("PENDING", "COMPLETED"):  # two notifications held for the same unknown order
        assert lambda_handler(notify(status), context)["statusCode"] == 200
    after = now()

    assert sweeps.payment_queues(before + GRACE - timedelta(minutes=1), 25) == 0
    assert items("ORDER#1001") == []  # no ticket yet

    assert sweeps.payment_queues(after + GRACE + timedelta(seconds=1), 25) == 2
    [ticket] = payment_tickets()  # one ticket: the second notification is a note on it
    assert (ticket["category"], ticket["priority"], ticket["team"]) == ("payment", "high", "finance")
    assert (ticket["order_number"], ticket["status"]) == ("1001", "new")
    assert "1001" in ticket["subject"] and "PayU" in ticket["subject"]
    notes = [n["text"] for n in ticket["notes"]]
    assert len(notes) == 2
    assert all("PayU" in n and PAYU_ORDER_ID in n and "261,00" in n and "1001" in n for n in notes)
    assert sorted("status paid" in n for n in notes) == [False, True]
    no_personal_data(ticket)
    # Taken out of the queue: the next sweeps add nothing
    assert sweeps.payment_queues(after + GRACE + timedelta(hours=1), 25) == 0
    assert len(payment_tickets()[0]["notes"]) == 2
    assert all("queue" not in held for held in items("UNMATCHED#PAY#1001"))
    # The order comes after all: the held payment is still applied (finance sees it on the ticket)
    place()
    assert order_item()["payment_status"] == "paid"
    assert sent.emails[-1].subject == "Otrzymaliśmy płatność za zamówienie nr 1001"


def test_no_ticket_when_the_order_arrives_within_the_grace_period(stack, context, sent, place):
    assert lambda_handler(notify("COMPLETED"), context)["statusCode"] == 200
    [held] = items("UNMATCHED#PAY#1001")
    assert held["queue"] == "payment_grace"
    place()
    assert order_item()["payment_status"] == "paid"

    assert sweeps.payment_queues(now() + GRACE + timedelta(hours=1), 25) == 0
    assert payment_tickets() == []


def test_held_notification_whose_order_came_but_missed_its_claim_is_applied_not_ticketed(
    stack, context, sent, place, monkeypatch
):
    assert lambda_handler(notify("COMPLETED"), context)["statusCode"] == 200
    with monkeypatch.context() as patched:  # the claim when the order came did not go through
        patched.setattr(payment_store, "held", lambda number: [])  # the order did not see it held
        place()
    assert order_item()["payment_status"] == "pending"

    assert sweeps.payment_queues(now() + GRACE + timedelta(minutes=1), 25) == 0

    assert order_item()["payment_status"] == "paid"
    assert payment_tickets() == []
    assert sent.emails[-1].subject == "Otrzymaliśmy płatność za zamówienie nr 1001"
    assert sweeps.payment_queues(now() + GRACE + timedelta(hours=1), 25) == 0


def test_held_refund_without_an_order_number_becomes_a_ticket_without_an_order(stack):
    refund = RefundEvent(
        provider="payu",
        provider_payment_id=PAYU_ORDER_ID,
        refund_id="912128",
        amount=2000,
        currency="PLN",
        status=RefundStatus.DONE,
        event_key="payu:refund:912128",
    )
    received = now() - GRACE - timedelta(minutes=1)
    assert usecases.ingest_payment(refund, received, "https://sklep.example.com/api").outcome == "unmatched"

    assert sweeps.payment_queues(now(), 25) == 1

    [held] = items(f"UNMATCHED#PAY#payu:{PAYU_ORDER_ID}")
    ticket = tickets.get(held["ticket_id"])
    assert ticket.get("order_number") is None
    assert "zwrot 912128" in ticket["notes"][0]["text"] and "20,00" in ticket["notes"][0]["text"]
    assert (ticket["category"], ticket["priority"]) == ("payment", "high")


# --- An order that stays unpaid after a failed or mismatched payment -----------------------------------
def test_failed_payment_opens_a_ticket_when_the_order_stays_unpaid(stack, context, sent, place):
    place()
    lambda_handler(notify("PENDING"), context)
    assert "queue" not in order_item()  # pending alone is not a failure
    before = now()
    assert lambda_handler(notify("CANCELED"), context)["statusCode"] == 200
    after = now()
    assert order_item()["queue"] == "payment_unpaid"

    assert sweeps.payment_queues(before + UNPAID - timedelta(minutes=1), 25) == 0
    assert payment_tickets() == []

    assert sweeps.payment_queues(after + UNPAID + timedelta(seconds=1), 25) == 1
    [ticket] = payment_tickets()
    assert (ticket["category"], ticket["priority"], ticket["team"]) == ("payment", "high", "finance")
    assert ticket["subject"] == "Zamówienie 1001 nadal nieopłacone"
    [note] = [n["text"] for n in ticket["notes"]]
    assert "261,00" in note and "PayU" in note and PAYU_ORDER_ID in note and "cancelled" in note
    no_personal_data(ticket)
    assert "queue" not in order_item()
    # The customer tries again and fails again: the same order adds nothing
    lambda_handler(notify("CANCELED", order_id="NEWATTEMPT2GUEST000P01"), context)
    lambda_handler(notify("PENDING", order_id="NEWATTEMPT3GUEST000P01"), context)
    lambda_handler(notify("CANCELED", order_id="NEWATTEMPT3GUEST000P01"), context)
    assert sweeps.payment_queues(now() + 2 * UNPAID, 25) == 0
    assert len(payment_tickets()) == 1 and len(payment_tickets()[0]["notes"]) == 1


def test_failed_payment_paid_meanwhile_opens_no_ticket(stack, context, sent, place):
    place()
    lambda_handler(notify("CANCELED"), context)
    assert order_item()["queue"] == "payment_unpaid"
    lambda_handler(notify("COMPLETED", order_id="NEWATTEMPT2GUEST000P01"), context)
    order = order_item()
    assert order["payment_status"] == "paid"
    assert "queue" not in order and "due_at" not in order  # left the queue in the paid write

    assert sweeps.payment_queues(now() + UNPAID + timedelta(hours=1), 25) == 0
    assert payment_tickets() == []


def test_failed_payment_of_an_order_cancelled_in_the_shop_opens_no_ticket(stack, context, sent, place):
    place()
    lambda_handler(notify("CANCELED"), context)
    cancelled = woo_order("1001", modified="2026-11-21T09:00:00", status="cancelled")
    assert lambda_handler(woo_webhook(cancelled, topic="order.updated"), context)["statusCode"] == 200

    assert sweeps.payment_queues(now() + UNPAID + timedelta(hours=1), 25) == 0

    assert payment_tickets() == []
    assert "queue" not in order_item()


def test_mismatched_payment_still_unpaid_adds_to_the_finance_ticket(stack, context, sent, place):
    place()
    lambda_handler(notify("COMPLETED", amount=2610), context)
    [ticket] = payment_tickets()  # the mismatch itself: at once
    assert len(ticket["notes"]) == 1
    assert order_item()["queue"] == "payment_unpaid"

    assert sweeps.payment_queues(now() + UNPAID + timedelta(minutes=1), 25) == 1

    [ticket] = payment_tickets()  # one open payment ticket per order: the reminder is a note on it
    assert len(ticket["notes"]) == 2
    assert "wciąż nie jest opłacone" in ticket["notes"][1]["text"]


# --- Overlapping sweeps, and the sweeper itself -------------------------------------------------------
@pytest.mark.parametrize("waiting", ["held notification", "unpaid order"])
def test_two_overlapping_sweeps_open_one_ticket(stack, context, sent, place, monkeypatch, waiting):
    if waiting == "held notification":
        assert lambda_handler(notify("COMPLETED"), context)["statusCode"] == 200  # order 1001 unknown
    else:
        place()
        assert lambda_handler(notify("CANCELED"), context)["statusCode"] == 200
    read, inner = payment_store.due, {}

    def due_then_overlap(queue: str, at: datetime, limit: int):
        found = read(queue, at, limit)  # the outer sweep has read what is due ...
        if found and not inner:  # ... and another sweep does all of it before the outer one writes
            inner["running"] = True
            inner["ticketed"] = sweeps.payment_queues(at, limit)
        return found

    monkeypatch.setattr(payment_store, "due", due_then_overlap)
    outer = sweeps.payment_queues(now() + UNPAID + timedelta(minutes=1), 25)

    assert (inner["ticketed"], outer) == (1, 0)
    [ticket] = payment_tickets()
    assert len(ticket["notes"]) == 1


def test_the_sweeper_runs_the_payment_step(stack, context, sent):
    event = payu_adapter.parse_notification(payu_order_body("1001", "COMPLETED"))
    usecases.ingest_payment(event, now() - GRACE - timedelta(minutes=1), "https://sklep.example.com/api")

    totals = sweeper({"source": "aws.scheduler"}, sweeper_context())

    assert totals["payment_tickets"] == 1
    assert len(payment_tickets()) == 1
