"""Case transitions: forward only, one message each, the team's decision, the refund ordered once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests import usecases
from tests.factories import DECISION_SECRET, api_event, woo_order, woo_webhook
from zwrotnica.effect import Effect
from zwrotnica.errors import InvalidPayload
from zwrotnica.models.case import CaseStatus
from zwrotnica.store import cases, tickets
from zwrotnica.store import orders as orders_store

pytestmark = pytest.mark.integration
BASE = "https://sklep.example.com/api"
W = ZoneInfo("Europe/Warsaw")


def open_case(context, number: str = "1001", payment: str = "payulatam_payu", **extra) -> str:
    assert orders(woo_webhook(woo_order(number, payment_method=payment)), context)["statusCode"] == 200
    payload = {
        "order_number": number,
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": f"key-{number}",
    } | extra
    response = returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )
    assert response["statusCode"] == 201, response["body"]
    return json.loads(response["body"])["case_id"]


def subjects(sent, rma: str) -> list[str]:
    return [e.subject for e in sent.emails if rma in e.subject]


def test_return_parcel_moves_the_case_forward_once_and_never_back(stack, context, sent):
    rma = open_case(context)
    now = datetime.now(UTC)
    assert usecases.on_return_parcel("1001", delivered=False, now=now, base_url=BASE) == [rma]
    assert usecases.on_return_parcel("1001", delivered=False, now=now, base_url=BASE) == []  # duplicate
    assert usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE) == [rma]
    assert usecases.on_return_parcel("1001", delivered=False, now=now, base_url=BASE) == []  # late event
    assert cases.get(rma)["status"] == "delivered_to_shop"
    assert subjects(sent, rma) == [
        f"Otrzymaliśmy Twoje zgłoszenie zwrotu nr {rma}",
        f"Zgłoszenie nr {rma}: instrukcja odesłania paczki",
        f"Zgłoszenie nr {rma}: paczka zwrotna jest w drodze do nas",
        f"Zgłoszenie nr {rma}: paczka zwrotna dotarła do nas, sprawdzamy towar",
    ]


def refund_ticket(rma: str) -> dict:
    return tickets.get(tickets.ticket_id_for(f"refund-deadline:{rma}"))


def test_accepting_a_paid_withdrawal_orders_the_refund_once(stack, context, sent, monkeypatch):
    rma = open_case(context)
    now = datetime.now(UTC)
    usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE)
    calls = usecases.fake_refunds(monkeypatch)
    assert usecases.decide(rma, {"verdict": "accept"}, now, BASE) is CaseStatus.REFUND_ORDERED
    with pytest.raises(InvalidPayload):
        usecases.decide(rma, {"verdict": "accept"}, now, BASE)  # a second click
    assert calls == [("1001", 2250, f"case:{rma}")]
    case = cases.get(rma)
    assert (case["status"], case["refund_ref"]) == ("refund_ordered", "REF-1")
    assert f"Zgłoszenie nr {rma}: zleciliśmy zwrot pieniędzy" in subjects(sent, rma)
    assert f"Zwrot nr {rma} został przyjęty" in subjects(sent, rma)  # the kind's own sentence
    # The refund clock's finance ticket is solved by the refund itself, and leaves the SLA queue.
    ticket = refund_ticket(rma)
    assert ticket["status"] == "solved" and "queue" not in ticket
    assert "zlecony przez PayU" in ticket["notes"][-1]["text"]


def test_cash_on_delivery_acceptance_is_a_transfer_for_finance_confirmed_with_its_date(stack, context, sent):
    rma = open_case(context, "1002", payment="cod", bank_account="61109010140000071219812874")
    now = datetime.now(UTC)
    usecases.on_return_parcel("1002", delivered=True, now=now, base_url=BASE)
    assert usecases.decide(rma, {"verdict": "accept"}, now, BASE) is CaseStatus.ACCEPTED
    ticket = refund_ticket(rma)
    note = ticket["notes"][-1]["text"]
    assert ticket["category"] == "payment" and ticket["legal_deadline"]
    assert "22,50\u00a0zł" in note and "konto podane w zgłoszeniu" in note and "cases transfer" in note
    assert "nie wolno już wstrzymywać zwrotu" in note  # the goods are back
    assert "61109010140000071219812874" not in json.dumps(ticket, default=str)
    # Finance transferred the money today and confirms it (a day the transfer cannot have: refused).
    today = now.astimezone(W).date()
    for impossible in (today + timedelta(days=1), today - timedelta(days=1)):  # future, before the case
        with pytest.raises(InvalidPayload):
            usecases.confirm_transfer(rma, impossible, now, BASE)
    assert usecases.confirm_transfer(rma, today, now, BASE) is CaseStatus.REFUND_ORDERED
    case = cases.get(rma)
    assert case["refund_transferred_on"] == today.isoformat() and case["refund_ref"] == f"transfer:{rma}"
    solved = refund_ticket(rma)
    assert (
        solved["status"] == "solved" and "Przelew 22,50\u00a0zł potwierdzony" in solved["notes"][-1]["text"]
    )
    ordered = next(e for e in sent.emails if e.subject == f"Zgłoszenie nr {rma}: zleciliśmy zwrot pieniędzy")
    assert "przelewem na konto podane w zgłoszeniu" in ordered.body and "tą samą metodą" not in ordered.body
    refund = orders_store.load_view("1002").order["refunds"][f"transfer:{rma}"]
    assert (refund["amount"], refund["status"]) == (2250, "done")
    with pytest.raises(InvalidPayload):  # confirmed once
        usecases.confirm_transfer(rma, today, now, BASE)


def test_a_withdrawal_is_never_rejected_only_accepted_with_a_deduction(stack, context, sent, monkeypatch):
    rma = open_case(context)
    now = datetime.now(UTC)
    usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE)
    with pytest.raises(InvalidPayload, match="cannot be rejected"):
        usecases.decide(rma, {"verdict": "reject", "reason": "Produkt nosi ślady użytkowania."}, now, BASE)
    with pytest.raises(ValidationError):  # a deduction states its reason for the customer
        usecases.decide(rma, {"verdict": "accept", "deduction": 500}, now, BASE)
    with pytest.raises(InvalidPayload, match="at most the refund"):
        usecases.decide(rma, {"verdict": "accept", "deduction": 2251, "reason": "Zniszczony."}, now, BASE)
    calls = usecases.fake_refunds(monkeypatch)
    decision = {"verdict": "accept", "deduction": 500, "reason": "Produkt nosi ślady użytkowania"}
    assert usecases.decide(rma, decision, now, BASE) is CaseStatus.REFUND_ORDERED
    # The refund is the amount minus the deduction (UPK art. 34 ust. 4).
    assert calls == [("1001", 1750, f"case:{rma}")]
    case = cases.get(rma)
    assert (case["deduction"], case["refund_before_deduction"], case["refund_amount"]) == (500, 2250, 1750)
    mail = next(e for e in sent.emails if e.subject == f"Zwrot nr {rma} przyjęty z potrąceniem 5,00\u00a0zł")
    assert "Powód potrącenia: Produkt nosi ślady użytkowania." in mail.body
    assert "zwrócimy Ci 17,50\u00a0zł zamiast 22,50\u00a0zł" in mail.body
    line = next(t for t in orders_store.load_view("1001").timeline if t["kind"] == "case_accepted")
    assert (
        line["text_pl"]
        == f"Zwrot nr {rma} został przyjęty. Potrącenie za zmniejszenie wartości towaru: 5,00\u00a0zł."
    )


def test_with_proof_of_sending_the_refund_is_not_held_back_and_no_deduction_before_the_goods(
    stack, context, monkeypatch
):
    rma = open_case(context)
    now = datetime.now(UTC)
    # The courier's first scan of the return parcel: proof of sending (UPK art. 32).
    assert usecases.on_return_parcel("1001", delivered=False, now=now, base_url=BASE) == [rma]
    note = refund_ticket(rma)["notes"][-1]["text"]
    assert "pierwszy skan przewoźnika to dowód nadania" in note and "nie wolno już wstrzymywać" in note
    with pytest.raises(InvalidPayload, match="goods back"):
        usecases.decide(rma, {"verdict": "accept", "deduction": 100, "reason": "Ślady."}, now, BASE)
    calls = usecases.fake_refunds(monkeypatch)
    assert usecases.decide(rma, {"verdict": "accept"}, now, BASE) is CaseStatus.REFUND_ORDERED
    assert calls == [("1001", 2250, f"case:{rma}")]


def test_the_return_slip_is_a_pdf_in_s3_linked_from_the_label_email(stack, context, sent):
    import boto3

    rma = open_case(context)
    case = cases.get(rma)
    assert (case["status"], case["label_key"]) == ("label_sent", f"labels/{rma}.pdf")
    pdf = boto3.client("s3").get_object(Bucket="labelsbucket", Key=case["label_key"])["Body"].read()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    email = next(e for e in sent.emails if e.subject == f"Zgłoszenie nr {rma}: instrukcja odesłania paczki")
    # Our own signed link, not an S3 pre-signed one (it would die with the Lambda's credentials)
    assert f"{BASE}/labels/{rma}?t=" in email.body and "X-Amz-" not in email.body


def test_team_decision_endpoint_is_signed(stack, context, sent):
    from tests.factories import SW_SECRET, decision_webhook

    withdrawal = open_case(context)
    complaint = open_case(
        context,
        "1003",
        kind="complaint",
        description="Szew puścił.",
        demand="repair",
    )
    usecases.on_return_parcel("1001", delivered=True, now=datetime.now(UTC), base_url=BASE)
    calls = iter(range(100))

    def decision(rma: str, payload: dict, secret: str = DECISION_SECRET) -> dict:
        signed, message_id = {"case_id": rma} | payload, f"dec-{rma}-{next(calls)}"
        return returns_app(decision_webhook(rma, signed, secret=secret, msg_id=message_id), context)

    reject = {"accept": False, "reason": "Brak metki."}  # the shape before verdicts
    assert decision(complaint, reject, secret="whsec_" + "QUFB" * 8)["statusCode"] == 401
    # The shop's, the trackers' and the ticket tools' shared secret decides nothing (issue 12)
    assert decision(complaint, reject, secret=SW_SECRET)["statusCode"] == 401
    assert decision(complaint, {"accept": "yes"})["statusCode"] == 422
    assert decision(complaint, {"verdict": "accept", "deduction": "5"})["statusCode"] == 422
    assert decision(withdrawal, reject)["statusCode"] == 422  # a withdrawal is never rejected
    assert cases.get(withdrawal)["status"] == "delivered_to_shop"
    response = decision(complaint, reject)
    assert response["statusCode"] == 200 and json.loads(response["body"])["status"] == "rejected"
    assert cases.get(complaint)["status"] == "rejected"
    # Cash on delivery: accepted, then finance confirms its bank transfer with the transfer's date.
    cod = open_case(context, "1004", payment="cod", bank_account="61109010140000071219812874")
    assert json.loads(decision(cod, {"verdict": "accept"})["body"])["status"] == "accepted"
    today = datetime.now(UTC).astimezone(W).date().isoformat()
    assert decision(cod, {"verdict": "transfer_sent"})["statusCode"] == 422  # the date is required
    confirmed = decision(cod, {"verdict": "transfer_sent", "transferred_on": today})
    assert confirmed["statusCode"] == 200 and json.loads(confirmed["body"])["status"] == "refund_ordered"


def test_a_decision_for_one_case_cannot_be_replayed_onto_another(stack, context, sent):
    """Issue 12: the signature covers id, timestamp and body, not the URL; the body names its case."""
    from tests.factories import decision_webhook

    complaint = {"kind": "complaint", "description": "Szew puścił.", "demand": "repair"}
    first, second = open_case(context, "1001", **complaint), open_case(context, "1002", **complaint)
    now = datetime.now(UTC)
    for number in ("1001", "1002"):
        usecases.on_return_parcel(number, delivered=True, now=now, base_url=BASE)
    emails = len(sent.emails)
    # Given the team's signed rejection of the first case
    rejection = {"case_id": first, "accept": False, "reason": "Brak metki."}
    # When it is sent, as it is, to the second case's URL
    replayed = returns_app(decision_webhook(first, rejection, path_rma=second), context)
    # Then it is refused, and the second case and its customer hear nothing
    assert replayed["statusCode"] == 422 and "another case" in json.loads(replayed["body"])["message"]
    assert cases.get(second)["status"] == "delivered_to_shop" and len(sent.emails) == emails
    # A body that names no case is refused as well
    unnamed = returns_app(decision_webhook(second, {"accept": False, "reason": "x"}), context)
    assert unnamed["statusCode"] == 422 and cases.get(second)["status"] == "delivered_to_shop"
    # When the rejection goes to its own case, and the team's tool delivers it again
    event = decision_webhook(first, rejection, msg_id="dec-1")
    applied, again = returns_app(event, context), returns_app(event, context)
    # Then it is applied once: the retry answers with the case's status, one e-mail in all
    assert [json.loads(r["body"])["status"] for r in (applied, again)] == ["rejected", "rejected"]
    assert len(sent.emails) == emails + 1
    # And the same message id cannot decide another case, even in a body signed anew
    reused = decision_webhook(second, {"case_id": second, "accept": False, "reason": "x"}, msg_id="dec-1")
    answer = returns_app(reused, context)
    assert answer["statusCode"] == 422 and cases.get(second)["status"] == "delivered_to_shop"


def test_courier_events_for_the_registered_return_parcel_move_the_case(stack, context, sent, monkeypatch):
    from zwrotnica.store import shipments, unit_of_work

    rma = open_case(context)
    fields = {"origin": "customer_return", "case_id": rma}
    registered = shipments.return_shipment("1001", "inpost", "620111222333444555666777", fields)
    unit_of_work.commit(Effect().write(registered))
    from courier_webhook.app import lambda_handler as couriers
    from tests.factories import inpost_webhook

    response = couriers(inpost_webhook("collected_from_sender", number="620111222333444555666777"), context)
    assert response["statusCode"] == 200, response["body"]
    assert cases.get(rma)["status"] == "in_transit"
