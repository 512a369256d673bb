"""The merchant's legal clocks end to end on moto: a withdrawal's refund deadline (UPK art. 32) as a
finance ticket that escalates and is solved by the refund, a complaint answered before its goods arrive,
asked for its goods without stopping the clock, and deemed accepted after its 14th day (art. 7a ust. 2),
Christmas in between."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from order_status.app import lambda_handler as orders
from tests import usecases
from tests.factories import lambda_context, woo_order, woo_webhook
from zwrotnica.dispatch import sweeps
from zwrotnica.errors import InvalidPayload
from zwrotnica.flows import returns as returns_flow
from zwrotnica.models.case import CaseStatus
from zwrotnica.models.returns import ReturnSubmission
from zwrotnica.store import cases, tickets
from zwrotnica.store import orders as order_store

pytestmark = pytest.mark.integration
W = ZoneInfo("Europe/Warsaw")
BASE = "https://sklep.example.com/api"
ANNA = "anna.kowalska@example.com"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=W)


def submit(number: str, when: datetime, **fields) -> str:
    """A case from the return form's use case, as if submitted at `when` (the order paid by PayU)."""
    assert orders(woo_webhook(woo_order(number)), lambda_context())["statusCode"] == 200
    sub = ReturnSubmission.model_validate(
        {
            "order_number": number,
            "email": ANNA,
            "items": {"CZAPKA-WEL": 1},
            "kind": "withdrawal",
            "return_method": "paczkomat",
            "submission_key": f"legal-{number}",
        }
        | fields
    )
    effect = usecases.run(lambda ctx, fresh: returns_flow.submit(sub, ctx, None, fresh), when)
    return effect.data["rma"]


def complaint(number: str, when: datetime, demand: str = "repair") -> str:
    return submit(number, when, kind="complaint", description="Szew puścił po tygodniu.", demand=demand)


def team_messages(team: str) -> list[dict]:
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    return [
        {"subject": subject, "text": message}
        for topic in backend.topics.values()
        for _, message, subject, attrs, _ in topic.sent_notifications
        if (attrs or {}).get("team", {}).get("Value") == team
    ]


def by_subject(sent, subject: str):
    return next(e for e in sent.emails if e.subject == subject)


# ---- The refund clock (UPK art. 32) ----------------------------------------------------------------------


def test_the_refund_deadline_escalates_before_it_is_due_and_the_refund_solves_it(stack, sent, monkeypatch):
    # A withdrawal statement received on Thursday 10 December 2026, 10:00: refund by 24 December.
    rma = submit("1001", at(2026, 12, 10, 10, 0))
    case = cases.get(rma)
    assert case["refund_due"] == "2026-12-24" and case["refund_ticket_ref"] == f"refund-deadline:{rma}"
    ticket_id = tickets.ticket_id_for(f"refund-deadline:{rma}")
    ticket = tickets.get(ticket_id)
    assert (ticket["team"], ticket["category"]) == ("finance", "payment")
    assert ticket["legal_deadline"] == "2026-12-24T22:59:00.000000Z"  # 23:59 in Warsaw, not moved by KC 115
    assert "najpóźniej w czwartek, 24 grudnia 2026 r." in ticket["notes"][0]["text"]
    assert "zwrot można wstrzymać" in ticket["notes"][0]["text"]  # no goods, no proof of sending yet

    # Tuesday 15 December: the courier's first scan of the return parcel, the proof of sending.
    assert usecases.on_return_parcel("1001", delivered=False, now=at(2026, 12, 15, 11, 0)) == [rma]
    proof = tickets.get(ticket_id)["notes"][-1]["text"]
    assert "Klient nadał towar 15 grudnia 2026 r." in proof and "nie wolno już wstrzymywać zwrotu" in proof

    # 75% of the period (21 December 8:29): finance hears of it loudly, first in its digest.
    sweeps.escalate_due(at(2026, 12, 21, 8, 0), budget=10)
    assert "legal:warn" not in tickets.get(ticket_id).get("escalations", set())
    sweeps.escalate_due(at(2026, 12, 21, 9, 0), budget=10)
    digest = team_messages("finance")[-1]
    assert "finanse" in digest["subject"] and "(terminy ustawowe: 1)" in digest["subject"]
    first = digest["text"].splitlines()[0]
    assert first.startswith("PILNE – TERMIN USTAWOWY: " + ticket_id)
    assert "ustawowy termin zwrotu pieniędzy: 75% czasu minęło" in first and "płatność" in first

    # The morning of the last day: once more, with what missing it means.
    sweeps.escalate_due(at(2026, 12, 24, 8, 0), budget=10)
    last_day = team_messages("finance")[-1]["text"]
    assert (
        "ustawowy termin zwrotu pieniędzy: ostatni dzień – zwrot musi być zlecony do końca dnia" in last_day
    )

    # The refund is ordered at 9:00: the ticket is solved by it and escalates no more.
    calls = usecases.fake_refunds(monkeypatch)
    assert usecases.decide(rma, {"verdict": "accept"}, at(2026, 12, 24, 9, 0)) is CaseStatus.REFUND_ORDERED
    assert calls == [("1001", 2250, f"case:{rma}")]
    solved = tickets.get(ticket_id)
    assert solved["status"] == "solved" and "queue" not in solved
    before = len(team_messages("finance"))
    sweeps.escalate_due(at(2026, 12, 25, 0, 30), budget=10)
    assert len(team_messages("finance")) == before  # no breach for a refund ordered in time


# ---- Complaints (UPK art. 7a): answered at any time, never rejected late, deemed accepted ----------------


def test_a_complaint_is_answered_before_its_goods_arrive(stack, sent):
    rma = complaint("1001", datetime.now(W), demand="replacement")
    assert cases.get(rma)["status"] == "label_sent"  # the goods are still with the customer
    assert usecases.decide(rma, {"verdict": "accept"}, datetime.now(W)) is CaseStatus.ACCEPTED
    case = cases.get(rma)
    assert case["remedy"] == "replacement" and "queue" not in case and case["answered_at"]
    mail = by_subject(sent, f"Reklamacja nr {rma} została uznana")
    assert "uznajemy Twoją reklamację" in mail.body and "Wymienimy towar na nowy" in mail.body
    ticket = tickets.get(tickets.ticket_id_for(f"case:{rma}"))
    assert "legal_deadline" not in ticket and ticket["legal_met_at"]  # the clock kept: no more legal steps
    assert "uznana (wymiana na nowy towar). Termin ustawowy dotrzymany." in ticket["notes"][-1]["text"]
    # The parcel that comes later does not reopen the answered complaint.
    assert usecases.on_return_parcel("1001", delivered=True, now=datetime.now(W)) == []


def test_asking_for_the_goods_does_not_stop_the_clock(stack, sent):
    rma = complaint("1001", at(2026, 12, 10, 10, 0))
    effect_at = at(2026, 12, 11, 9, 0)
    assert usecases.decide(rma, {"verdict": "request_goods"}, effect_at) is CaseStatus.LABEL_SENT
    mail = by_subject(sent, f"Reklamacja nr {rma}: prosimy o odesłanie towaru")
    assert "nie przedłuża terminu" in mail.body and "w czwartek, 24 grudnia 2026 r." in mail.body
    # the return document again, through our own signed link (never an S3 pre-signed one: issue 12)
    assert f"{BASE}/labels/{rma}?t=" in mail.body and "X-Amz-" not in mail.body
    case = cases.get(rma)
    assert case["goods_requested_at"] and case["queue"] == "complaint_answer"  # still waiting for an answer
    note = tickets.get(tickets.ticket_id_for(f"case:{rma}"))["notes"][-1]["text"]
    assert "nie wstrzymuje ustawowego terminu odpowiedzi" in note and "24 grudnia 2026 r." in note
    assert tickets.get(tickets.ticket_id_for(f"case:{rma}"))["legal_deadline"]
    usecases.on_return_parcel("1001", delivered=False, now=at(2026, 12, 14, 9, 0))
    with pytest.raises(InvalidPayload, match="on their way"):
        usecases.decide(rma, {"verdict": "request_goods"}, at(2026, 12, 14, 10, 0))


def test_an_unanswered_complaint_is_deemed_accepted_after_its_14th_day_across_christmas(stack, sent):
    # Received Thursday 10 December 2026: day 14 is Thursday 24 December (Wigilia, a public holiday since
    # 2025). The shop's own deadline is never moved by KC art. 115 (to Monday 28 December).
    rma = complaint("1001", at(2026, 12, 10, 10, 0))
    late = complaint("1002", at(2026, 12, 10, 10, 0), demand="withdrawal")
    assert cases.get(rma)["answer_due"] == "2026-12-24"

    # The team is told loudly on the morning of the last day.
    sweeps.escalate_due(at(2026, 12, 24, 8, 0), budget=10)
    digest = team_messages("customer_service")[-1]["text"]
    assert "PILNE – TERMIN USTAWOWY" in digest
    assert "ustawowy termin odpowiedzi na reklamację: ostatni dzień – bez odpowiedzi do końca dnia " in digest
    assert "reklamację uważa się za uznaną" in digest

    # Still day 14 at 23:30: nothing is deemed yet. From midnight it is, once.
    assert sweeps.complaints_past_deadline(at(2026, 12, 24, 23, 30), 25) == 0
    with pytest.raises(InvalidPayload, match="deadline passed"):  # never a late rejection
        usecases.decide(late, {"verdict": "reject", "reason": "Ślady użytkowania."}, at(2026, 12, 25, 0, 1))
    assert sweeps.complaints_past_deadline(at(2026, 12, 25, 0, 5), 25) == 2
    assert sweeps.complaints_past_deadline(at(2026, 12, 25, 0, 10), 25) == 0
    case = cases.get(rma)
    assert (case["status"], case["deemed_accepted"], case["remedy"]) == ("accepted", True, "repair")
    assert "queue" not in case
    mail = [e for e in sent.emails if e.subject == f"Reklamacja nr {rma} została uznana"]
    assert len(mail) == 1 and "upłynął 24 grudnia 2026 r." in mail[0].body
    assert "art. 7a ust. 2 ustawy o prawach konsumenta" in mail[0].body and "naprawa" in mail[0].body
    note = tickets.get(tickets.ticket_id_for(f"case:{rma}"))["notes"][-1]["text"]
    assert "reklamację uważa się za uznaną" in note and "Zrealizuj żądanie klienta: naprawa." in note
    line = next(t for t in order_store.load_view("1001").timeline if t["kind"] == "case_accepted")
    assert line["text_pl"].startswith(f"Reklamacja nr {rma} została uznana. Nie odpowiedzieliśmy")
    with pytest.raises(InvalidPayload):
        usecases.decide(rma, {"verdict": "reject", "reason": "Za późno."}, at(2026, 12, 27, 9, 0))


def test_a_complaint_refund_is_the_complained_items_value_by_default(stack, sent, monkeypatch):
    rma = complaint("1001", datetime.now(W), demand="withdrawal")
    calls = usecases.fake_refunds(monkeypatch)
    assert usecases.decide(rma, {"verdict": "accept"}, datetime.now(W)) is CaseStatus.REFUND_ORDERED
    [item] = [i for i in order_store.load_view("1001").order["items"] if i["sku"] == "CZAPKA-WEL"]
    assert calls == [("1001", item["unit_price"], f"case:{rma}")]
    due = date.fromisoformat(cases.get(rma)["refund_due"])
    assert (due - datetime.now(W).date()).days == 14
    with pytest.raises(InvalidPayload, match="names its amount"):
        other = complaint("1002", datetime.now(W))
        usecases.decide(other, {"verdict": "accept", "remedy": "price_reduction"}, datetime.now(W))
