"""Retention rules for an erasure request: polish-law.md section 4 (rows cited as 4.n), as of a day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from zwrotnica.domain.retention import (
    ACCOUNTING,
    CASE_CLAIM,
    CASE_FILE,
    CASE_OPEN,
    CHATTER_OPEN,
    ERASED,
    ORDER_OPEN,
    TICKET_OPEN,
    UNKNOWN,
    Verdict,
    case_file_until,
    plan,
    tax_hold_until,
)

TODAY = date(2027, 3, 1)


# 4.6 (vouchers: to 31 Dec of year + 5) and 4.8 (tax time-barred 5 years after the end of the year the
# payment deadline fell in; the annual return is due the next year: "in practice about 6 years").
@pytest.mark.parametrize(
    ("sale", "until"),
    [
        (date(2026, 11, 20), date(2032, 12, 31)),  # 4.8 outlasts 4.6 (2031-12-31)
        (date(2026, 1, 1), date(2032, 12, 31)),  # the whole tax year shares one end
        (date(2026, 12, 31), date(2032, 12, 31)),
        (date(2027, 1, 1), date(2033, 12, 31)),
    ],
)
def test_tax_hold_of_order_and_refund_records(sale: date, until: date) -> None:
    assert tax_hold_until(sale) == until


# 4.7: complaint documents 1 year after settlement; 4.9: a claim is time-barred after 6 years (the
# consumer's, the sheet's interpretation), at the end of a calendar year.
@pytest.mark.parametrize(
    ("settled", "rejected", "until"),
    [
        (date(2026, 12, 5), False, date(2027, 12, 5)),  # 4.7
        (date(2028, 2, 29), False, date(2029, 2, 28)),  # 4.7, leap day
        (date(2026, 12, 5), True, date(2032, 12, 31)),  # 4.9
        (date(2026, 1, 2), True, date(2032, 12, 31)),  # 4.9: ends on 31 Dec whatever the day
    ],
)
def test_case_file_hold(settled: date, rejected: bool, until: date) -> None:
    assert case_file_until(settled, rejected) == until


def order(status: str = "completed", **extra: Any) -> dict[str, Any]:
    return {
        "pk": "ORDER#1001",
        "sk": "ORDER",
        "type": "order",
        "number": "1001",
        "shop_status": status,
        "customer_name": "Anna Kowalska",
        "email": "anna.kowalska@example.com",
        "phone": "+48600100200",
        "delivery": {
            "method": "courier",
            "address_line": "ul. Testowa 1",
            "postcode": "30-001",
            "city": "Kraków",
        },
        "marketing_consent": True,
        "items": [{"sku": "CZAPKA-WEL", "qty": 1, "unit_price": 4900}],
        "total": 4900,
        "created_at": "2026-11-20T13:03:11.000000Z",
    } | extra


def case(status: str, updated: str = "2026-12-05T10:00:00.000000Z", **extra: Any) -> dict[str, Any]:
    return {
        "pk": "ORDER#1001",
        "sk": "CASE#ZW-2026-000001",
        "type": "case",
        "case_id": "ZW-2026-000001",
        "order_number": "1001",
        "status": status,
        "description": "Szew puścił po tygodniu.",
        "bank_account": "61109010140000071219812874",
        "decision_reason": "Ślady użytkowania.",
        "refund_amount": 4900,
        "received_at": "2026-11-25T10:00:00.000000Z",
        "updated_at": updated,
    } | extra


def message(status: str = "sent", key: str = "order:1001:received:email", **extra: Any) -> dict[str, Any]:
    return {
        "pk": "ORDER#1001",
        "sk": f"MSG#{key}",
        "type": "message",
        "dedup_key": key,
        "template": key.split(":")[0] + "_x",
        "status": status,
        "recipient": "anna.kowalska@example.com",
        "subject": "Zamówienie 1001",
        "text": "Dzień dobry, Anno",
        "html": "<p>Dzień dobry, Anno</p>",
        "created_at": "2026-11-20T13:03:12.000000Z",
    } | extra


REJECTED_LINE = {"pk": "ORDER#1001", "sk": "T#x#case_rejected", "type": "timeline", "kind": "case_rejected"}
REJECTED_LINE["ref"] = "ZW-2026-000001"
SHIPMENT = {
    "pk": "ORDER#1001",
    "sk": "SHIPMENT#inpost#6200",
    "type": "shipment",
    "carrier": "inpost",
    "tracking_number": "6200",
    "email": "anna.kowalska@example.com",
    "phone": "+48600100200",
    "marketing_consent": True,
}
COURIER_EVENT = {
    "pk": "ORDER#1001",
    "sk": "T#2026-11-22#shipment#inpost:6200:delivered",
    "type": "timeline",
    "kind": "shipment",
    "at": "2026-11-22T10:00:00.000000Z",
    "data": {"raw_code": "delivered", "raw": '{"receiver": "Anna"}'},
}
TICKET = {
    "pk": "TICKET#TK-1",
    "sk": "TICKET",
    "ticket_id": "TK-1",
    "order_number": "1001",
    "status": "solved",
    "subject": "Pytanie od Anny",
    "notes": [{"text": "Klientka dzwoniła."}, {"text": "Oddzwonić."}],
}


def one(verdicts: list[Verdict], label_start: str) -> Verdict:
    [found] = [v for v in verdicts if v.label.startswith(label_start)]
    return found


def reasons(verdict: Verdict) -> set[str]:
    return {k.reason for k in verdict.kept}


# (what, partition, tickets, label, expected changes, expected delete, expected reasons of what is kept)
CASES = [
    (
        "closed order: contact data goes (4.1), consent off (4.5), accounting stays (4.6, 4.8)",
        [order()],
        [],
        "order",
        {
            "marketing_consent": False,
            "customer_name": ERASED,
            "email": "",
            "phone": None,
            "delivery.address_line": None,
            "delivery.postcode": None,
            "delivery.city": None,
        },
        False,
        {ACCOUNTING},
    ),
    (
        "open order: still being fulfilled, contact data stays (4.1, 4.4); consent still withdrawn (4.5)",
        [order("processing")],
        [],
        "order",
        {"marketing_consent": False},
        False,
        {ORDER_OPEN, ACCOUNTING},
    ),
    (
        "closed order with an open case: the answer and refund are owed (2.4, 4.4)",
        [order(), case("delivered_to_shop")],
        [],
        "order",
        {"marketing_consent": False},
        False,
        {CASE_OPEN.format(rma="ZW-2026-000001"), ACCOUNTING},
    ),
    (
        "open case: the whole case file stays, bank account included (2.4, 4.4)",
        [order(), case("accepted")],
        [],
        "case",
        {},
        False,
        {CASE_OPEN.format(rma="ZW-2026-000001")},
    ),
    (
        "settled case within a year: bank account goes, the file stays (4.7), the refund paid (4.6, 4.8)",
        [order(), case("refund_ordered")],
        [],
        "case",
        {"bank_account": None},
        False,
        {CASE_FILE, ACCOUNTING},
    ),
    (
        "rejected case: the file stays until the claim is time-barred (4.9); no refund was paid",
        [order(), case("closed", updated="2022-06-01T10:00:00.000000Z"), REJECTED_LINE],
        [],
        "case",
        {"bank_account": None},
        False,
        {CASE_CLAIM},
    ),
    (
        "settled case past its hold (4.7 over): free texts go too (4.1); the refund record stays (4.6, 4.8)",
        [order(), case("closed", updated="2025-06-01T10:00:00.000000Z")],
        [],
        "case",
        {"bank_account": None, "description": ERASED, "decision_reason": ERASED},
        False,
        {ACCOUNTING},
    ),
    (
        "delivered message: recipient and body go (4.1)",
        [order(), message()],
        [],
        "message",
        {"recipient": ERASED, "subject": ERASED, "text": ERASED, "html": None},
        False,
        set(),
    ),
    (
        "a held case's message: the durable copy of our answer stays (2.4, 4.7)",
        [order(), case("refund_ordered"), message(key="case:ZW-2026-000001:accepted:email")],
        [],
        "message",
        {},
        False,
        {
            "the durable copy of what we told the customer in case ZW-2026-000001 (polish-law 2.4, 4.7); "
            + CASE_FILE
        },
    ),
    (
        "a reply on a held case's ticket is also the case's answer (2.4, 4.7)",
        [order(), case("accepted"), message(key="ticket:TK-1:reply:2026:email")],
        [TICKET | {"case_id": "ZW-2026-000001"}],
        "message",
        {},
        False,
        {
            "the durable copy of what we told the customer in case ZW-2026-000001 (polish-law 2.4, 4.7); "
            + CASE_OPEN.format(rma="ZW-2026-000001")
        },
    ),
    (
        "pending message of a closed order: never sent, deleted",
        [order(), message("pending")],
        [],
        "message",
        {},
        True,
        set(),
    ),
    (
        "pending message of an open order: still to be sent (4.4)",
        [order("on_hold"), message("pending")],
        [],
        "message",
        {},
        False,
        {ORDER_OPEN},
    ),
    (
        "shipment: the copied contact data goes (4.1)",
        [order(), SHIPMENT],
        [],
        "shipment",
        {"marketing_consent": False, "email": None, "phone": None},
        False,
        set(),
    ),
    (
        "courier event: the raw payload goes (4.1)",
        [order(), COURIER_EVENT],
        [],
        "courier event",
        {"data.raw": None},
        False,
        set(),
    ),
    (
        "courier event, its payload stored compressed (issue 19): it goes all the same (4.1)",
        [
            order(),
            COURIER_EVENT | {"data": {"raw_code": "delivered", "raw_z": b"x\x9c+I-.\x01\x00\x04]\x01\xc1"}},
        ],
        [],
        "courier event",
        {"data.raw_z": None},
        False,
        set(),
    ),
    (
        "sent e-mail stored as its blocks (issue 19): the blocks go, the text reads as erased (4.1)",
        [order(), message(text=None, html=None, blocks=["Dzień dobry, Anno", ["Status", "https://x/s"]])],
        [],
        "message",
        {"recipient": ERASED, "subject": ERASED, "blocks": None, "text": ERASED},
        False,
        set(),
    ),
    (
        "solved ticket of a closed order: free-text chatter goes (4.1)",
        [order()],
        [TICKET],
        "ticket",
        {"subject": ERASED, "notes[0].text": ERASED, "notes[1].text": ERASED},
        False,
        set(),
    ),
    (
        "solved ticket of an open order: chatter stays while open (4.1)",
        [order("processing")],
        [TICKET],
        "ticket",
        {},
        False,
        {CHATTER_OPEN},
    ),
    (
        "ticket still being handled (4.1)",
        [order()],
        [TICKET | {"status": "open"}],
        "ticket",
        {},
        False,
        {TICKET_OPEN},
    ),
    (
        "an item type the rules do not know is reported, never touched",
        [order(), {"pk": "ORDER#1001", "sk": "NEW#1", "type": "new", "phone": "+48600100200"}],
        [],
        "new",
        {},
        False,
        {UNKNOWN},
    ),
]


@pytest.mark.parametrize(
    ("what", "partition", "tickets", "label", "changes", "delete", "kept"), CASES, ids=[c[0] for c in CASES]
)
def test_retention_table(what, partition, tickets, label, changes, delete, kept) -> None:
    verdict = one(plan(partition, tickets, TODAY), label)
    assert verdict.changes == changes
    assert verdict.delete is delete
    assert reasons(verdict) == kept


def test_accounting_record_is_not_listed_as_kept_after_its_hold() -> None:
    verdict = one(plan([order()], [], date(2033, 1, 1)), "order")
    assert verdict.kept == () and verdict.changes["email"] == ""
    assert one(plan([order()], [], TODAY), "order").kept[0].until == date(2032, 12, 31)
    refunded_later = order(payment_updated_at="2027-01-10T09:00:00.000000Z")  # a refund in the next tax year
    assert one(plan([refunded_later], [], TODAY), "order").kept[0].until == date(2033, 12, 31)


def test_a_second_run_changes_nothing_already_erased() -> None:
    first = one(plan([order()], [], TODAY), "order")
    erased = order(marketing_consent=False, customer_name=ERASED, email="", delivery={"method": "courier"})
    erased.pop("phone")
    again = one(plan([erased], [], TODAY), "order")
    assert first.changes and again.changes == {} and reasons(again) == {ACCOUNTING}


def test_the_order_comes_last_and_items_without_personal_data_are_left_out() -> None:
    lock = {"pk": "ORDER#1001", "sk": "OPENTICKET#delivery", "type": "ticket_lock", "ticket_id": "TK-1"}
    line = {"pk": "ORDER#1001", "sk": "T#x#order_received", "type": "timeline", "kind": "order_received"}
    verdicts = plan([order(), lock, line, message(), SHIPMENT], [TICKET], TODAY)
    assert [v.label.split()[0] for v in verdicts] == ["message", "shipment", "ticket", "order"]
