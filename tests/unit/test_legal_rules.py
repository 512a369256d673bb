"""The legal rules behind the merchant's clocks, with dates (no AWS): the refund deadline with and without
proof of sending (UPK art. 32), a deduction (art. 34 ust. 4), a complaint decided at any step and deemed
accepted after its 14th day across a holiday (art. 7a), the decisions the team may make, cash on
delivery, and the one-click unsubscribe link and headers (RFC 8058)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from zwrotnica.domain import case_moves, deadlines, links, returns
from zwrotnica.domain import payments as rules
from zwrotnica.domain.payments import PaymentState
from zwrotnica.models.case import TRANSITIONS, UNDECIDED, CaseDecision, CaseStatus, Verdict, can_move

W = ZoneInfo("Europe/Warsaw")
S = CaseStatus


def withdrawal(received_at: str = "2026-12-10T09:00:00.000000Z", **fields) -> dict:
    """A withdrawal case as the return form stores it (statement received 10 December 2026, 10:00)."""
    received = datetime.fromisoformat(received_at.replace("Z", "+00:00")).astimezone(W).date()
    return {
        "case_id": "ZW-2026-000123",
        "order_number": "1001",
        "kind": "withdrawal",
        "status": "label_sent",
        "received_at": received_at,
        "refund_amount": 26100,
        "refund_due": returns.refund_due(received).isoformat(),
    } | fields


# ---- The refund clock (UPK art. 32) ----------------------------------------------------------------------


def test_the_refund_deadline_is_14_days_from_the_statement_and_not_moved_by_holidays():
    request = case_moves.refund_deadline_request(withdrawal(), datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    # 10 December + 14 days = Thursday 24 December (Wigilia): the shop's own duty is not extended to
    # Monday 28 December as a consumer's term would be (KC art. 115; polish-law.md §0).
    assert deadlines.statutory_deadline(date(2026, 12, 10), 14) == date(2026, 12, 28)
    assert request.legal_deadline == datetime(2026, 12, 24, 23, 59, tzinfo=W)
    assert (request.category.value, request.source_ref) == ("payment", "refund-deadline:ZW-2026-000123")
    assert request.team.value == "finance"


def test_without_goods_or_proof_of_sending_the_refund_may_be_held_back_but_the_clock_runs():
    note = case_moves.refund_ticket_text(withdrawal()).note
    assert "Zwróć 261,00\u00a0zł za zgłoszenie ZW-2026-000123 (zamówienie 1001)" in note
    assert "najpóźniej w czwartek, 24 grudnia 2026 r." in note and "(10 grudnia 2026 r.)" in note
    assert "zwrot można wstrzymać" in note and "termin biegnie jednak dalej" in note
    assert "nie wolno" not in note


def test_the_couriers_first_scan_is_proof_of_sending_and_ends_holding_the_refund_back():
    note = case_moves.refund_ticket_text(withdrawal(), proof_of_sending=date(2026, 12, 15)).note
    assert (
        "Klient nadał towar 15 grudnia 2026 r." in note and "od tej chwili nie wolno już wstrzymywać" in note
    )
    assert "zwrot można wstrzymać" not in note
    back = case_moves.refund_ticket_text(
        withdrawal(), proof_of_sending=date(2026, 12, 15), goods_received=date(2026, 12, 17)
    ).note
    assert "Towar wrócił do nas 17 grudnia 2026 r.: nie wolno już wstrzymywać zwrotu." in back


def test_a_cash_on_delivery_refund_is_a_transfer_finance_confirms_with_its_date():
    note = case_moves.refund_ticket_text(withdrawal(bank_account="PL61109010140000071219812874")).note
    assert "przelej pieniądze na konto podane w zgłoszeniu" in note
    assert "zwrotnica cases transfer ZW-2026-000123 --on RRRR-MM-DD" in note
    assert "61109010140000071219812874" not in note  # no personal data in a ticket


def test_a_deduction_is_shown_as_the_net_refund():
    note = case_moves.refund_ticket_text(withdrawal(), amount=26100 - 1500).note
    assert "Zwróć 246,00\u00a0zł" in note


# ---- Decisions --------------------------------------------------------------------------------------------


def test_the_team_decides_at_any_step_before_the_decision_and_never_goes_back():
    for step in UNDECIDED:
        assert can_move(step, S.ACCEPTED) and can_move(step, S.REJECTED)
    assert not can_move(S.ACCEPTED, S.REJECTED) and not can_move(S.REJECTED, S.ACCEPTED)
    assert not can_move(S.ACCEPTED, S.IN_TRANSIT)  # a parcel after the answer does not reopen it
    assert TRANSITIONS[S.REFUND_ORDERED] == frozenset({S.CLOSED})


@pytest.mark.parametrize(
    "payload",
    [
        {"verdict": "reject"},  # a rejection states its reasons
        {"verdict": "accept", "deduction": 500},  # a deduction states its reason
        {"verdict": "reject", "deduction": 500, "reason": "x"},  # only an acceptance deducts
        {"verdict": "accept", "deduction": -1, "reason": "x"},
        {"verdict": "accept", "deduction": "500", "reason": "x"},  # grosze as an integer
        {"verdict": "transfer_sent"},  # a transfer names its date
        {"verdict": "accept", "transferred_on": "2026-12-20"},
        {"verdict": "accept", "amount": 0},
        {"accept": "yes"},
        {"verdict": "accept", "surprise": True},
    ],
)
def test_incomplete_decisions_are_refused(payload):
    with pytest.raises(ValidationError):
        CaseDecision.model_validate(payload)


def test_the_decision_shape_before_verdicts_still_reads():
    assert CaseDecision.model_validate({"accept": True}).verdict is Verdict.ACCEPT
    rejected = CaseDecision.model_validate({"accept": False, "reason": "Brak metki."})
    assert (rejected.verdict, rejected.reason) == (Verdict.REJECT, "Brak metki.")
    transfer = CaseDecision.model_validate({"verdict": "transfer_sent", "transferred_on": "2026-12-20"})
    assert transfer.transferred_on == date(2026, 12, 20)


# ---- Complaints (UPK art. 7a) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "answer_due", "deemed_from"),
    [
        # Day 14 on Wigilia (a public holiday from 2025): not moved, deemed from midnight after it.
        (date(2026, 12, 10), date(2026, 12, 24), datetime(2026, 12, 25, 0, 0, tzinfo=W)),
        # Day 14 on Easter Monday 2026: the same.
        (date(2026, 3, 23), date(2026, 4, 6), datetime(2026, 4, 7, 0, 0, tzinfo=W)),
        # Day 14 on a Saturday (15 August 2026, also a holiday): the same.
        (date(2026, 8, 1), date(2026, 8, 15), datetime(2026, 8, 16, 0, 0, tzinfo=W)),
    ],
)
def test_a_complaint_is_deemed_accepted_the_moment_its_14th_day_ends(received, answer_due, deemed_from):
    assert returns.complaint_answer_due(received) == answer_due
    assert case_moves.after(answer_due) == deemed_from
    assert case_moves.after(answer_due) - timedelta(minutes=1) == case_moves.end_of(answer_due)
    # The consumer's term (KC art. 115) would end later: the shop never relies on that.
    assert deadlines.statutory_deadline(received, 14) >= answer_due


# ---- Cash on delivery and refunds paid by transfer -------------------------------------------------------


def cod_state(status: str = "cod") -> PaymentState:
    """A cash-on-delivery order of 261,00 zł as the shop webhook stores it (payment status "cod")."""
    return PaymentState(order_number="1001", total=26100, currency="PLN", status=status)


CTX = rules.Context(datetime(2026, 12, 11, 12, 0, tzinfo=UTC), "", "")


def test_a_delivered_cod_parcel_pays_the_order_once():
    at = datetime(2026, 12, 11, 11, 0, tzinfo=UTC)
    decision = rules.on_cod_collected(cod_state(), 26100, "dhl:003404", at, CTX)
    assert (decision.state.status, decision.state.provider, decision.state.paid_amount) == (
        "paid",
        "cod",
        26100,
    )
    [line] = decision.timeline
    assert line.kind == "payment_collected_on_delivery" and "261,00\u00a0zł" in line.text_pl
    again = rules.on_cod_collected(decision.state, 26100, "dhl:003405", at, CTX)  # a second parcel
    assert again.outcome == "ignored" and not again.writes
    online = rules.on_cod_collected(cod_state(status="pending"), 26100, "dhl:003404", at, CTX)
    assert online.outcome == "ignored"  # not a cash-on-delivery order


def test_a_transfer_confirmed_counts_as_a_refund_done():
    paid = rules.on_cod_collected(cod_state(), 26100, "dhl:1", datetime(2026, 12, 11, tzinfo=UTC), CTX).state
    decision = rules.on_refund_transferred(
        paid, "transfer:ZW-1", 2250, datetime(2026, 12, 20, tzinfo=UTC), CTX
    )
    assert decision.state.status == "partially_refunded" and decision.state.refunded() == 2250
    assert (
        rules.on_refund_transferred(decision.state, "transfer:ZW-1", 2250, CTX.now, CTX).outcome == "ignored"
    )
    before_paid = rules.on_refund_transferred(cod_state(), "transfer:ZW-2", 26100, CTX.now, CTX).state
    assert before_paid.status == "cod"  # counted once the parcel's payment is recorded
    assert rules.on_cod_collected(before_paid, 26100, "dhl:1", CTX.now, CTX).state.status == "refunded"


# ---- The one-click unsubscribe (RFC 8058) -----------------------------------------------------------------


def test_the_unsubscribe_link_is_signed_for_its_order_and_purpose_only():
    now = datetime(2026, 12, 11, 12, 0, tzinfo=UTC)
    url = links.unsubscribe_url("https://sklep.example.com/api", "klucz", "ZAM/2026/7", now)
    assert url.startswith("https://sklep.example.com/api/orders/ZAM~2F2026~2F7/unsubscribe?t=")
    token = url.split("t=")[1]
    assert links.token_valid(
        "klucz", links.unsubscribe_scope("ZAM/2026/7"), token, now + timedelta(days=1000)
    )
    assert not links.token_valid("klucz", links.unsubscribe_scope("ZAM/2026/8"), token, now)
    assert not links.token_valid("klucz", "ZAM/2026/7", token, now)  # never a status-page token
    status = links.status_url("https://x", "klucz", "ZAM/2026/7", now, timedelta(days=90)).split("t=")[1]
    assert not links.token_valid("klucz", links.unsubscribe_scope("ZAM/2026/7"), status, now)


def test_the_unsubscribe_headers_are_rfc_8058_one_click_and_fit_ses():
    from zwrotnica.notify.sender import unsubscribe_headers

    url = links.unsubscribe_url("https://sklep.example.com/api", "k", "ZAMÓWIENIE 12", datetime.now(UTC))
    headers = {h["Name"]: h["Value"] for h in unsubscribe_headers(url)}
    assert headers == {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    for value in headers.values():  # SES v2 MessageHeader: printable ASCII, at most 870 characters
        assert value.isascii() and value.isprintable() and len(value) <= 870
