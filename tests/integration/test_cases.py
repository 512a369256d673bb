"""Case transitions: forward only, one message each, the team's decision, the refund ordered once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests import usecases
from tests.factories import DECISION_SECRET, api_event, woo_order, woo_webhook
from zwrotnica.effect import Effect
from zwrotnica.errors import InvalidPayload
from zwrotnica.flows import refunds
from zwrotnica.models.case import CaseStatus
from zwrotnica.store import cases, tickets

pytestmark = pytest.mark.integration
BASE = "https://sklep.example.com/api"


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


def test_accepting_a_paid_withdrawal_orders_the_refund_once(stack, context, sent, monkeypatch):
    rma = open_case(context)
    now = datetime.now(UTC)
    usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE)
    calls = []

    def refunder(order_number: str, amount: int, reason_ref: str, ctx, fresh=False) -> Effect:
        calls.append((order_number, amount, reason_ref))
        return Effect(
            "requested", data={"refund": refunds.RefundRequest("REF-1", "payu", amount, "requested")}
        )

    monkeypatch.setattr(refunds, "request_refund", refunder)
    assert usecases.settle(rma, True, now, BASE) is CaseStatus.REFUND_ORDERED
    with pytest.raises(InvalidPayload):
        usecases.settle(rma, True, now, BASE)  # a second click
    assert calls == [("1001", 2250, f"case:{rma}")]
    case = cases.get(rma)
    assert (case["status"], case["refund_ref"]) == ("refund_ordered", "REF-1")
    assert f"Zgłoszenie nr {rma}: zleciliśmy zwrot pieniędzy" in subjects(sent, rma)


def test_cash_on_delivery_acceptance_becomes_a_transfer_ticket(stack, context):
    rma = open_case(context, "1002", payment="cod", bank_account="61109010140000071219812874")
    now = datetime.now(UTC)
    usecases.on_return_parcel("1002", delivered=True, now=now, base_url=BASE)
    assert usecases.settle(rma, True, now, BASE) is CaseStatus.ACCEPTED
    ticket = tickets.get(tickets.ticket_id_for(f"refund-transfer:{rma}"))
    assert ticket["category"] == "payment" and "2250 gr" in ticket["notes"][0]["text"]
    assert "61109010140000071219812874" not in json.dumps(ticket, default=str)


def test_rejection_needs_a_reason_and_tells_the_customer(stack, context, sent):
    rma = open_case(context)
    now = datetime.now(UTC)
    usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE)
    with pytest.raises(InvalidPayload):
        usecases.settle(rma, False, now, BASE)
    assert (
        usecases.settle(rma, False, now, BASE, reason="Produkt nosi ślady użytkowania.")
        is CaseStatus.REJECTED
    )
    # The flow does not pass the kind yet: the neutral sentence about the "zgłoszenie" (issue 14).
    rejection = next(
        e for e in sent.emails if e.subject == f"Zgłoszenie nr {rma} zostało rozpatrzone negatywnie"
    )
    assert "Produkt nosi ślady użytkowania." in rejection.body


def test_decision_before_the_goods_arrive_is_refused(stack, context):
    rma = open_case(context)
    with pytest.raises(InvalidPayload):
        usecases.settle(rma, True, datetime.now(UTC), BASE)


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

    rma = open_case(context)
    usecases.on_return_parcel("1001", delivered=True, now=datetime.now(UTC), base_url=BASE)

    def decision(payload: dict, secret: str = DECISION_SECRET) -> dict:
        return returns_app(decision_webhook(rma, {"case_id": rma} | payload, secret=secret), context)

    assert decision({"accept": False, "reason": "x"}, secret="whsec_" + "QUFB" * 8)["statusCode"] == 401
    # The shop's, the trackers' and the ticket tools' shared secret decides nothing (issue 12)
    assert decision({"accept": False, "reason": "x"}, secret=SW_SECRET)["statusCode"] == 401
    assert decision({"accept": "yes"})["statusCode"] == 422
    response = decision({"accept": False, "reason": "Brak metki."})
    assert response["statusCode"] == 200 and json.loads(response["body"])["status"] == "rejected"
    assert cases.get(rma)["status"] == "rejected"


def test_a_decision_for_one_case_cannot_be_replayed_onto_another(stack, context, sent):
    """Issue 12: the signature covers id, timestamp and body, not the URL; the body names its case."""
    from tests.factories import decision_webhook

    first, second = open_case(context, "1001"), open_case(context, "1002")
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
    from zwrotnica.effect import Effect
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
