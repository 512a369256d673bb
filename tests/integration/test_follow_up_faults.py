"""A fault for every follow-up command kind: its first run fails right after the commit of its cause.

Each test drives the cause through its real edge (a webhook, the return form, the team's decision),
then fails the command's own commit (the transaction that writes its effect and deletes its row, after
everything it did before: provider calls, S3) through a botocore hook (`faults.FirstRun`). Then:
the edge still answered 2xx (its state is committed, the command stored with it), the caller's retry is
a plain duplicate that changes nothing, and the next sweep (the scheduled sweeper, its clock past the
command's backoff) completes the follow-up exactly once; later sweeps find nothing left.

`test_every_command_kind_has_a_fault_test` keeps this list complete when a kind is added.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

import courier_webhook.app as courier_app
import order_status.app as order_app
import return_form.app as return_app
from tests import usecases
from tests.factories import (
    PARCEL,
    PAYU_ORDER_ID,
    api_event,
    decision_webhook,
    delivered,
    inpost_webhook,
    p24_notification,
    p24_webhook,
    payu_order_body,
    payu_webhook,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from tests.integration.faults import (
    START,
    FirstRun,
    body,
    commands_in_table,
    order_item,
    partition,
    stored_messages,
    sweep,
    tickets_in_table,
)
from tests.integration.test_payment_webhook import FakeP24, FakePayU
from zwrotnica.dispatch import bus
from zwrotnica.models.command import CommandKind
from zwrotnica.models.common import iso
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.providers import payment_clients
from zwrotnica.providers.payu import PayUClient
from zwrotnica.store import cases, labels
from zwrotnica.store import tickets as ticket_store

pytestmark = pytest.mark.integration
COVERED: set[CommandKind] = set()  # the kinds the tests below fail (checked at the end of the module)
RETRY_AT = START + bus.RETRY_DELAYS[0]  # the command's first backoff


def covers(kind: CommandKind):
    COVERED.add(kind)
    return pytest.mark.parametrize("kind", [kind], ids=[kind.value])


def event_time(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S +0000")


def the_command(kind: CommandKind) -> dict[str, Any]:
    """The one stored command of `kind`, after its failed first run."""
    [command] = [c for c in commands_in_table() if c["kind"] == kind.value]
    return command


def failed_once(kind: CommandKind, first: FirstRun) -> None:
    """The first run failed at its commit; the row says so and waits for its backoff."""
    assert len(first.failed) == 1
    command = the_command(kind)
    assert (command["attempts"], command["due_at"]) == (1, iso(RETRY_AT))
    assert "ThrottlingException" in command["last_error"]


def swept_clean(clock) -> None:
    """The next sweep after the backoff runs the command; later sweeps have nothing left to run."""
    totals = sweep(clock, RETRY_AT)
    assert (totals["commands"], totals["commands_failed"]) == (1, 0)
    assert commands_in_table() == []
    later = sweep(clock, START + timedelta(hours=2))
    assert (later["commands"], later["commands_failed"]) == (0, 0)


def place(context, number: str = "1001", **changes: Any) -> None:
    assert order_app.lambda_handler(woo_webhook(woo_order(number, **changes)), context)["statusCode"] == 200


def json_post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return api_event("POST", path, body=json.dumps(payload), headers={"content-type": "application/json"})


def withdrawal(number: str = "1001", key: str = "key-1001") -> dict[str, Any]:
    return json_post(
        "/returns",
        {
            "order_number": number,
            "email": "anna.kowalska@example.com",
            "items": {"CZAPKA-WEL": 1},
            "kind": "withdrawal",
            "return_method": "paczkomat",
            "submission_key": key,
        },
    )


def decision(rma: str, verdict: str, at, **fields: Any) -> dict[str, Any]:
    """The team's decision (its own secret, naming its case), signed at the clock's time."""
    return decision_webhook(rma, {"case_id": rma, "verdict": verdict} | fields, msg_id=f"dec-{rma}", at=at)


def subjects(sent, text: str) -> list[str]:
    return [e.subject for e in sent.emails if text in e.subject]


# --- OPEN_TICKET: a payment that does not match opens a finance ticket ------------------------------
@covers(CommandKind.OPEN_TICKET)
def test_finance_ticket_failing_after_the_payment_commit(stack, context, sent, clock, faults, kind):
    place(context)
    first = FirstRun(kind).install(faults)
    event = payu_webhook(payu_order_body("1001", "COMPLETED", 2610))  # a tenth of the order's total
    # When PayU's notification commits its decision, and the ticket's first run fails
    response = order_app.lambda_handler(event, context)
    # Then PayU gets 200: the mismatch is recorded, the ticket waits
    assert (response["statusCode"], body(response)) == (200, {"result": "flagged"})
    failed_once(kind, first)
    assert tickets_in_table() == []
    assert [i["kind"] for i in partition("ORDER#1001") if i["sk"].startswith("T#")] == [
        "order_received",
        "payment_amount_mismatch",
    ]
    # And PayU's retry is a plain duplicate
    retried = order_app.lambda_handler(event, context)
    assert (retried["statusCode"], body(retried)) == (200, {"result": "duplicate"})
    assert tickets_in_table() == [] and the_command(kind)["attempts"] == 1
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then finance has one ticket with one note
    [ticket] = tickets_in_table()
    assert (ticket["category"], ticket["team"], ticket["status"]) == ("payment", "finance", "new")
    assert len(ticket["notes"]) == 1 and "26,10" in ticket["notes"][0]["text"]
    assert [i["ticket_id"] for i in partition("ORDER#1001") if i["sk"] == "OPENTICKET#payment"] == [
        ticket["ticket_id"]
    ]
    assert len(sent.emails) == 1  # only "order received": the customer is not told about a mismatch


# --- RESUME_TICKET: the parcel moves while its ticket waits on the courier ---------------------------
@covers(CommandKind.RESUME_TICKET)
def test_ticket_resume_failing_after_the_courier_event_commit(stack, context, sent, clock, faults, kind):
    assert order_app.lambda_handler(woo_webhook(woo_order_shipped("1001")), context)["statusCode"] == 200
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            category=TicketCategory.DELIVERY,
            priority=TicketPriority.NORMAL,
            subject="Gdzie jest paczka?",
            note="Klient pyta o paczkę.",
            source_ref="resume:t1",
            at=START - timedelta(hours=1),
        )
    )
    usecases.pending(ticket_id, "courier", START - timedelta(minutes=30))
    [shipment] = [i for i in partition("ORDER#1001") if i["sk"].startswith("SHIPMENT#")]
    assert shipment["paused_ticket"] == ticket_id
    first = FirstRun(kind).install(faults)
    push = inpost_webhook("out_for_delivery", number=PARCEL, at=event_time(START))
    # When InPost's push commits, and the resume's first run fails
    response = courier_app.lambda_handler(push, context)
    # Then InPost gets 200; the ticket still waits on the courier
    assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
    failed_once(kind, first)
    assert ticket_store.get(ticket_id)["status"] == "pending_third_party"
    # And InPost's retry is a plain duplicate
    retried = courier_app.lambda_handler(push, context)
    assert (retried["statusCode"], body(retried)) == (200, {"result": "duplicate"})
    assert ticket_store.get(ticket_id)["status"] == "pending_third_party"
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the ticket resumed once, and the parcel no longer points at it
    ticket = ticket_store.get(ticket_id)
    assert ticket["status"] == "open"
    statuses = [e.get("status") for e in ticket["history"] if e["kind"] == "status"]
    assert statuses == ["pending_third_party", "open"]
    [shipment] = [i for i in partition("ORDER#1001") if i["sk"].startswith("SHIPMENT#")]
    assert shipment.get("paused_ticket") is None and shipment["status"] == "OUT_FOR_DELIVERY"
    assert len(sent.sms) == 1  # the push's own SMS, once


# --- MOVE_RETURN_CASES: a return parcel moves its cases ---------------------------------------------
@covers(CommandKind.MOVE_RETURN_CASES)
def test_case_move_failing_after_the_return_parcel_commit_is_completed_by_the_next_sweep(
    stack, context, sent, clock, faults, kind
):
    """The parcel's own state commits with its follow-up (move the return case) stored as a command; the
    command's first run fails: InPost still gets 200, its retry is a plain duplicate, and the next sweep
    moves the case, once."""
    from zwrotnica.effect import Effect
    from zwrotnica.store import shipments as shipment_store
    from zwrotnica.store import unit_of_work

    # Given a withdrawal whose return parcel we track
    place(context)
    opened = return_app.lambda_handler(withdrawal(), context)
    assert opened["statusCode"] == 201, opened["body"]
    rma = body(opened)["case_id"]
    fields = {"origin": "customer_return", "case_id": rma}
    unit_of_work.commit(
        Effect().write(shipment_store.return_shipment("1001", "inpost", "RETURN000000000000000001", fields))
    )
    push = inpost_webhook("delivered", number="RETURN000000000000000001", at=event_time(START))
    # When the parcel's write commits but the case move right after it fails
    first = FirstRun(kind).install(faults)
    response = courier_app.lambda_handler(push, context)
    assert (response["statusCode"], body(response)) == (200, {"result": "apply"})  # the parcel is stored
    failed_once(kind, first)
    assert cases.get(rma)["status"] != "delivered_to_shop"
    # Then InPost's retry is a plain duplicate, and changes nothing
    retried = courier_app.lambda_handler(push, context)
    assert (retried["statusCode"], body(retried)) == (200, {"result": "duplicate"})
    assert cases.get(rma)["status"] != "delivered_to_shop"
    # And the next sweep moves the case, once
    swept_clean(clock)
    assert cases.get(rma)["status"] == "delivered_to_shop"
    delivered = f"Zgłoszenie nr {rma}: paczka zwrotna dotarła do nas, sprawdzamy towar"
    assert [e.subject for e in sent.emails].count(delivered) == 1


# --- ISSUE_LABEL: a new case's return slip ----------------------------------------------------------
def label_keys() -> list[str]:
    listed = labels.s3_client().list_objects_v2(Bucket="labelsbucket")
    return [o["Key"] for o in listed.get("Contents", [])]


@covers(CommandKind.ISSUE_LABEL)
def test_return_label_failing_after_the_form_commit(stack, context, sent, clock, faults, kind):
    place(context)
    first = FirstRun(kind).install(faults)
    # When the customer's withdrawal commits, and the label's first run fails at its commit (the slip
    # is rendered and stored in S3 before it)
    opened = return_app.lambda_handler(withdrawal(), context)
    # Then the customer gets 201 and the confirmation; the label waits
    assert opened["statusCode"] == 201, opened["body"]
    rma = body(opened)["case_id"]
    failed_once(kind, first)
    assert cases.get(rma)["status"] == "submitted" and "label_key" not in cases.get(rma)
    # And the customer's second click (the same form) is a plain duplicate
    again = return_app.lambda_handler(withdrawal(), context)
    assert (again["statusCode"], body(again)["case_id"], body(again)["created"]) == (200, rma, False)
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the case has its one slip in S3, and the customer one e-mail with its link
    case = cases.get(rma)
    assert (case["status"], case["label_key"]) == ("label_sent", f"labels/{rma}.pdf")
    assert label_keys() == [f"labels/{rma}.pdf"]
    [email] = [e for e in sent.emails if e.subject == f"Zgłoszenie nr {rma}: instrukcja odesłania paczki"]
    assert f"/labels/{rma}?t=" in email.body and "X-Amz-" not in email.body  # our signed link (issue 12)
    assert len(subjects(sent, rma)) == 2  # the confirmation and the label


@covers(CommandKind.ISSUE_LABEL)
def test_shipx_return_label_failing_after_its_shipment_was_stored(
    stack, context, sent, clock, faults, carriers, monkeypatch, kind
):
    """With ShipX configured the label is two commands: the shipment ShipX made is stored on the case
    first (ShipX takes no idempotency key), then its label. The label's run fails at its commit (after
    ShipX gave the label and it went to S3): the sweep takes the label of the same shipment."""
    carriers.take_returns(monkeypatch)
    place(context)
    first = FirstRun(kind, key=lambda key: key.endswith(":shipx")).install(faults)
    opened = return_app.lambda_handler(withdrawal(), context)
    assert opened["statusCode"] == 201, opened["body"]
    rma = body(opened)["case_id"]
    failed_once(kind, first)
    case = cases.get(rma)
    assert (case["status"], case["shipx_shipment_id"]) == ("submitted", "1")
    swept_clean(clock)
    # One shipment at ShipX; the case has its label and tracks its parcel
    assert carriers.returns_made == [rma]
    case = cases.get(rma)
    number = carriers.return_number(1)
    assert (case["status"], case["return_tracking_number"]) == ("label_sent", number)
    assert label_keys() == [f"labels/{rma}.pdf"]
    [shipment] = [i for i in partition("ORDER#1001") if i["sk"] == f"SHIPMENT#inpost#{number}"]
    assert (shipment["origin"], shipment["case_id"]) == ("customer_return", rma)
    assert len(subjects(sent, f"Zgłoszenie nr {rma}: instrukcja odesłania paczki")) == 1


# --- REQUEST_REFUND: the team accepts the returned goods ---------------------------------------------
@pytest.fixture
def payu(monkeypatch) -> FakePayU:
    fake = FakePayU()
    api = PayUClient(
        "https://secure.snd.payu.com", "300746", "secret", "300746", transport=httpx.MockTransport(fake)
    )
    monkeypatch.setattr(payment_clients, "payu_client", lambda: api)
    return fake


@pytest.fixture
def p24(monkeypatch) -> FakeP24:
    fake = FakeP24()
    monkeypatch.setattr(payment_clients, "p24_client", fake.client)
    return fake


@covers(CommandKind.REQUEST_REFUND)
@pytest.mark.parametrize("provider", ["payu", "przelewy24"])
def test_refund_failing_after_the_decision_commit(
    stack, context, sent, clock, faults, kind, provider, request
):
    fake = request.getfixturevalue("payu" if provider == "payu" else "p24")
    place(context, payment_method="payulatam_payu" if provider == "payu" else "przelewy24")
    paid = (
        payu_webhook(payu_order_body("1001", "COMPLETED", 26100))
        if provider == "payu"
        else p24_webhook(p24_notification("1001", 26100))
    )
    assert order_app.lambda_handler(paid, context)["statusCode"] == 200
    opened = return_app.lambda_handler(withdrawal(), context)
    rma = body(opened)["case_id"]
    usecases.on_return_parcel("1001", delivered=True, now=START)
    first = FirstRun(kind).install(faults)
    # When the team accepts the goods, and the refund's first run fails at its commit (after the
    # provider took the refund request)
    response = return_app.lambda_handler(decision(rma, "accept", START), context)
    # Then the team's call answers 200 with the decision stored; the refund waits
    assert (response["statusCode"], body(response)) == (200, {"case_id": rma, "status": "accepted"})
    failed_once(kind, first)
    assert len(fake.refund_posts) == 1
    assert not order_item("1001").get("refunds")
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the refund is ordered once: the provider got the same idempotency key twice and paid once
    case = cases.get(rma)
    assert case["status"] == "refund_ordered"
    keys = [p["extRefundId"] if provider == "payu" else p["requestId"] for p in fake.refund_posts]
    assert len(keys) == 2 and set(keys) == {case["refund_ref"]}
    made = fake.refunds if provider == "payu" else fake.paid_out
    assert list(made) == [case["refund_ref"]]
    assert len(subjects(sent, f"Zgłoszenie nr {rma}: zleciliśmy zwrot pieniędzy")) == 1
    [(key, refund)] = order_item("1001")["refunds"].items()
    assert (key, refund["amount"], refund["status"]) == (
        case["refund_ref"],
        case["refund_amount"],
        "pending",
    )


# --- REPLAY_TRACKING: courier events that came before the order named their parcel -------------------
@covers(CommandKind.REPLAY_TRACKING)
def test_held_tracking_replay_failing_after_the_order_commit(stack, context, sent, clock, faults, kind):
    place(context)
    push = inpost_webhook("out_for_delivery", number=PARCEL, at=event_time(START - timedelta(minutes=10)))
    held = courier_app.lambda_handler(push, context)
    assert (held["statusCode"], body(held)) == (200, {"result": "unmatched"})
    first = FirstRun(kind).install(faults)
    update = woo_webhook(woo_order_shipped("1001", modified="2026-11-24T09:00:00"), topic="order.updated")
    # When the shop's update names the parcel, and the replay's first run fails
    response = order_app.lambda_handler(update, context)
    # Then the shop gets 200 with the order updated; the parcel's history waits
    assert (response["statusCode"], body(response)) == (200, {"order_number": "1001", "action": "update"})
    failed_once(kind, first)
    [shipment] = [i for i in partition("ORDER#1001") if i["sk"].startswith("SHIPMENT#")]
    assert "status" not in shipment and sent.sms == []
    # And the shop's retry of the same version is a plain duplicate
    retried = order_app.lambda_handler(update, context)
    assert (retried["statusCode"], body(retried)["action"]) == (200, "duplicate")
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the parcel's held event is applied once: its status, one timeline line, one SMS
    [shipment] = [i for i in partition("ORDER#1001") if i["sk"].startswith("SHIPMENT#")]
    assert shipment["status"] == "OUT_FOR_DELIVERY"
    lines = [i for i in partition("ORDER#1001") if i["sk"].startswith("T#") and "#shipment#" in i["sk"]]
    assert len(lines) == 1 and len(sent.sms) == 1
    assert [i for i in partition(f"UNMATCHED#inpost#{PARCEL}")] == []


# --- APPLY_HELD_PAYMENT: a payment notification that came before its order ---------------------------
@covers(CommandKind.APPLY_HELD_PAYMENT)
def test_held_payment_failing_after_the_order_commit(stack, context, sent, clock, faults, kind):
    notification = payu_webhook(payu_order_body("1001", "COMPLETED", 26100))
    held = order_app.lambda_handler(notification, context)
    assert (held["statusCode"], body(held)) == (200, {"result": "unmatched"})
    first = FirstRun(kind).install(faults)
    created = woo_webhook(woo_order("1001"))
    # When the order arrives, and the held payment's first run fails
    response = order_app.lambda_handler(created, context)
    # Then the shop gets 200; the order waits for its payment
    assert (response["statusCode"], body(response)) == (200, {"order_number": "1001", "action": "create"})
    failed_once(kind, first)
    assert order_item("1001")["payment_status"] == "pending"
    # And the shop's retry is a plain duplicate
    retried = order_app.lambda_handler(created, context)
    assert (retried["statusCode"], body(retried)["action"]) == (200, "duplicate")
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then it is paid once, with one e-mail, and nothing is left held
    stored = order_item("1001")
    assert (stored["payment_status"], stored["payment_id"]) == ("paid", PAYU_ORDER_ID)
    assert Counter(m["template"] for m in stored_messages("1001")) == {
        "order_received": 1,
        "payment_received": 1,
    }
    assert len(subjects(sent, "Otrzymaliśmy płatność za zamówienie nr 1001")) == 1
    held_items = [i for i in partition("UNMATCHED#PAY#1001") if i.get("queue")]
    assert held_items == []


# --- UPDATE_TICKET: the team answers a complaint; its ticket gets the note and is solved --------------
@covers(CommandKind.UPDATE_TICKET)
def test_ticket_note_failing_after_the_complaint_answer_commit(stack, context, sent, clock, faults, kind):
    place(context)
    delivered("1001", days_ago=3)
    complaint = json_post(
        "/returns",
        {
            "order_number": "1001",
            "email": "anna.kowalska@example.com",
            "items": {"KURTKA-ZIM-M": 1},
            "kind": "complaint",
            "description": "Rozpruty szew pod pachą.",
            "demand": "repair",
            "return_method": "courier_pickup",
            "submission_key": "complaint-1001",
        },
    )
    opened = return_app.lambda_handler(complaint, context)
    assert opened["statusCode"] == 201, opened["body"]
    rma = body(opened)["case_id"]
    ticket_id = ticket_store.ticket_id_for(f"case:{rma}")
    assert ticket_store.get(ticket_id)["status"] == "new"
    first = FirstRun(kind).install(faults)
    rejection = decision(rma, "reject", START, reason="Szew rozpruty mechanicznie, nie wada materiału.")
    # When the team's answer commits, and the note on the complaint's ticket fails
    response = return_app.lambda_handler(rejection, context)
    # Then the team's call answers 200 with the answer stored; the ticket waits for its note
    assert (response["statusCode"], body(response)) == (200, {"case_id": rma, "status": "rejected"})
    failed_once(kind, first)
    assert ticket_store.get(ticket_id)["status"] == "new"
    # And the same delivery again (its answer lost) answers the same and changes nothing
    again = return_app.lambda_handler(rejection, context)
    assert (again["statusCode"], body(again)) == (200, {"case_id": rma, "status": "rejected"})
    assert the_command(kind)["attempts"] == 1
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the ticket has the note once, its legal deadline kept, and it is solved
    ticket = ticket_store.get(ticket_id)
    assert ticket["status"] == "solved" and ticket.get("legal_met_at")
    assert [n["ref"] for n in ticket["notes"]].count(f"answered:{rma}") == 1
    assert [e.get("status") for e in ticket["history"] if e["kind"] == "status"] == ["solved"]


# --- RECORD_COD_PAYMENT: a cash-on-delivery parcel delivered: the order is paid ----------------------
@covers(CommandKind.RECORD_COD_PAYMENT)
def test_cash_on_delivery_payment_failing_after_the_courier_event_commit(
    stack, context, sent, clock, faults, carriers, kind
):
    order = woo_order_shipped("1001", payment_method="cod")
    assert order_app.lambda_handler(woo_webhook(order), context)["statusCode"] == 200
    carriers.statuses[PARCEL] = ["delivered"]
    first = FirstRun(kind).install(faults)
    push = inpost_webhook("delivered", number=PARCEL, at=event_time(START))
    # When InPost's delivered push commits, and the payment's first run fails
    response = courier_app.lambda_handler(push, context)
    # Then InPost gets 200; the order waits for its payment
    assert (response["statusCode"], body(response)) == (200, {"result": "apply"})
    failed_once(kind, first)
    assert order_item("1001")["payment_status"] != "paid"
    # And InPost's retry is a plain duplicate
    retried = courier_app.lambda_handler(push, context)
    assert (retried["statusCode"], body(retried)) == (200, {"result": "duplicate"})
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the order is paid on delivery, once: its state, one marker, one timeline line
    stored = order_item("1001")
    assert (stored["payment_status"], stored["payment_provider"]) == ("paid", "cod")
    assert stored["paid_amount"] == 26100
    markers = [i for i in partition("ORDER#1001") if i["sk"].startswith("PAYEVENT#")]
    assert [m["sk"] for m in markers] == [f"PAYEVENT#cod#collected:inpost:{PARCEL}"]
    lines = [i for i in partition("ORDER#1001") if i["sk"].startswith("T#") and "payment" in i["sk"]]
    assert len(lines) == 1


def failed_once_at(kind: CommandKind, first: FirstRun, ran_at) -> None:
    """A deferred command's first run (a sweep at `ran_at`) failed at its commit: it waits for its
    backoff from then."""
    assert len(first.failed) == 1
    command = the_command(kind)
    assert (command["attempts"], command["due_at"]) == (1, iso(ran_at + bus.RETRY_DELAYS[0]))
    assert "ThrottlingException" in command["last_error"]


def swept_clean_at(clock, at) -> None:
    """The sweep at `at` runs the command once; a later sweep has nothing left to run."""
    totals = sweep(clock, at)
    assert (totals["commands"], totals["commands_failed"]) == (1, 0)
    assert commands_in_table() == []
    later = sweep(clock, at + timedelta(hours=2))
    assert (later["commands"], later["commands_failed"]) == (0, 0)


# --- REPLY_TICKET: a team member answers the ticket's notification by e-mail (issue 16) ---------------
@covers(CommandKind.REPLY_TICKET)
def test_team_reply_failing_after_the_team_members_e_mail_commit(
    stack, context, ses, clock, faults, monkeypatch, kind
):
    from tests.integration.inbound_mail import ANNA, mail, receive
    from tests.integration.test_team_answers import OLA, TEAM, team_reply
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("TEAM_EMAIL", TEAM)
    monkeypatch.setenv("TEAM_ALLOWED_EMAILS", OLA)
    get_settings.cache_clear()
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context, at=START)
    ticket_id = asked["ticket_id"]
    first = FirstRun(kind).install(faults)
    answer = team_reply(ses, ticket_id, "Tak, mamy – wysyłamy jeszcze dziś.")

    def to_anna() -> list[dict[str, Any]]:
        return [r for r in ses.requests if r["Destination"]["ToAddresses"] == [ANNA] and "wysyłamy" in str(r)]

    # When the team member's e-mail commits (the answer stored on the ticket), and the reply's run fails
    result = receive(answer, context, message_id="0107019a-fault-team", at=START)
    # Then the e-mail is taken; the customer has not been answered yet
    assert result["action"] == "team_reply"
    failed_once(kind, first)
    assert to_anna() == []
    assert [e["kind"] for e in ticket_store.get(ticket_id)["history"]].count("agent_reply") == 0
    # And SES's retry of the same message is a plain duplicate
    again = receive(answer, context, message_id="0107019a-fault-team", at=START)
    assert again["outcome"] == "duplicate" and the_command(kind)["attempts"] == 1
    # When the sweeper runs past the backoff
    swept_clean(clock)
    # Then the customer got the answer once, on their thread, and the ticket has one team reply
    [reply] = to_anna()
    assert reply["Content"]["Simple"]["Subject"]["Data"] == "Re: Kurtka"
    assert [e["kind"] for e in ticket_store.get(ticket_id)["history"]].count("agent_reply") == 1
    get_settings.cache_clear()


# --- DEFLECT_TICKET: the automatic parcel answer's ticket, solved as deflected (issue 15) -------------
@covers(CommandKind.DEFLECT_TICKET)
def test_deflection_failing_after_its_due_time_is_completed_by_the_next_sweep(
    stack, context, ses, carriers, clock, faults, kind
):
    from tests.integration.inbound_mail import mail, receive
    from tests.integration.status_scenarios import PARCEL_A, _order, push_inpost
    from zwrotnica.settings import get_settings

    _order(context, "1001", tracking=[("InPost", PARCEL_A)])
    push_inpost(context, carriers, PARCEL_A, "taken_by_courier", START - timedelta(hours=1))
    first = FirstRun(kind).install(faults)
    question = mail("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001")
    # When the customer's question is answered automatically (the deflection waits for the customer)
    asked = receive(question, context, message_id="0107019a-fault-deflect", at=START)
    assert (asked["action"], asked["answered"]) == ("answer_parcel", True)
    ticket_id = asked["ticket_id"]
    assert ticket_store.get(ticket_id)["status"] == "pending_customer"
    # And the customer never writes again: the deflection falls due, and its first run fails
    due = START + timedelta(hours=get_settings().deflect_after_hours, minutes=1)
    sweep(clock, due)
    failed_once_at(kind, first, due)
    assert ticket_store.get(ticket_id)["status"] == "pending_customer"
    # And SES's retry of the question is a plain duplicate
    again = receive(question, context, message_id="0107019a-fault-deflect", at=START)
    assert again["outcome"] == "duplicate" and the_command(kind)["attempts"] == 1
    # When the sweeper runs past the backoff
    swept_clean_at(clock, due + bus.RETRY_DELAYS[0])
    # Then the ticket is solved as deflected, once
    ticket = ticket_store.get(ticket_id)
    assert ticket["status"] == "solved" and ticket.get("deflected")
    assert [e.get("status") for e in ticket["history"] if e["kind"] == "status"].count("solved") == 1


# --- SEND_NPS: the NPS survey some days after delivery, with marketing consent (issue 16) ------------
@covers(CommandKind.SEND_NPS)
def test_nps_survey_failing_after_its_due_time_is_completed_by_the_next_sweep(
    stack, context, sent, carriers, clock, faults, kind
):
    from tests.integration.status_scenarios import PARCEL_A, _order
    from zwrotnica.settings import get_settings

    meta = [{"key": "_paczkomat_id", "value": "KRA010"}, {"key": "_marketing_consent", "value": "yes"}]
    _order(context, "1001", tracking=[("InPost", PARCEL_A)], meta_data=meta)
    first = FirstRun(kind).install(faults)
    delivered_at = START - timedelta(hours=1)
    push = inpost_webhook("delivered", number=PARCEL_A, at=event_time(delivered_at))
    carriers.statuses.setdefault(PARCEL_A, []).append("delivered")
    # When the delivery commits with its survey scheduled, and the survey's first run fails when due
    response = courier_app.lambda_handler(push, context)
    assert response["statusCode"] == 200
    due = delivered_at + timedelta(days=get_settings().nps_after_days, minutes=1)
    sweep(clock, due)
    failed_once_at(kind, first, due)
    assert subjects(sent, "polecisz") == [] and not order_item("1001").get("nps_sent")
    # And InPost's retry of the delivery is a plain duplicate
    retried = courier_app.lambda_handler(push, context)
    assert (retried["statusCode"], body(retried)) == (200, {"result": "duplicate"})
    assert the_command(kind)["attempts"] == 1
    # When the sweeper runs past the backoff
    swept_clean_at(clock, due + bus.RETRY_DELAYS[0])
    # Then one survey went out, and the order says so
    assert len(subjects(sent, "polecisz")) == 1 and order_item("1001")["nps_sent"]


def test_every_command_kind_has_a_fault_test():
    """Runs last in this module: a kind added to CommandKind needs its test above."""
    assert set(CommandKind) == COVERED, sorted(set(CommandKind) - COVERED)
    assert set(bus.HANDLERS) == set(CommandKind)
