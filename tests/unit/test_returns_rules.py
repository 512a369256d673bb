"""Return and complaint rules with the spec's dates (polish-law.md sections 0-2)."""

from __future__ import annotations

from datetime import date

import pytest

from zwrotnica.domain import returns
from zwrotnica.domain.bank_account import masked, normalize_account
from zwrotnica.models.case import TRANSITIONS, CaseStatus, can_move, rma_number
from zwrotnica.models.order import OrderItem

ITEMS = [
    OrderItem(sku="KURTKA", name="Kurtka", qty=1, unit_price=20000),
    OrderItem(sku="CZAPKA", name="Czapka", qty=2, unit_price=2250),
    OrderItem(sku="MASKA", name="Maseczka", qty=1, unit_price=1500, withdrawal_excluded=True),
]


@pytest.mark.parametrize(
    ("possession", "today", "is_open", "deadline"),
    [
        # The spec's vectors: the customer's deadline moves past Saturdays, Sundays and holidays.
        (date(2026, 12, 10), date(2026, 12, 28), True, date(2026, 12, 28)),
        (date(2026, 12, 10), date(2026, 12, 29), False, date(2026, 12, 28)),
        (date(2026, 3, 22), date(2026, 4, 7), True, date(2026, 4, 7)),
        (date(2026, 8, 1), date(2026, 8, 17), True, date(2026, 8, 17)),
        (date(2027, 5, 17), date(2027, 6, 1), False, date(2027, 5, 31)),
        (date(2025, 12, 10), date(2025, 12, 29), True, date(2025, 12, 29)),
    ],
)
def test_withdrawal_window(possession, today, is_open, deadline):
    window = returns.withdrawal_window([possession], all_delivered=True, today=today)
    assert (window.open, window.deadline) == (is_open, deadline)


def test_window_counts_from_the_last_shipment():
    window = returns.withdrawal_window(
        [date(2026, 11, 2), date(2026, 11, 10)], all_delivered=True, today=date(2026, 11, 20)
    )
    assert window.deadline == date(2026, 11, 24)


def test_not_delivered_yet_can_be_withdrawn_from():
    window = returns.withdrawal_window([date(2026, 11, 2)], all_delivered=False, today=date(2027, 1, 1))
    assert window.open and window.deadline is None


def test_closed_window_message_names_the_date_and_offers_a_complaint():
    window = returns.withdrawal_window([date(2026, 12, 10)], True, date(2027, 1, 5))
    assert returns.window_closed_message(window) == (
        "Termin na odstąpienie od umowy minął 28 grudnia 2026 r. "
        "Jeśli towar jest wadliwy lub niezgodny z umową, możesz złożyć reklamację."
    )


@pytest.mark.parametrize(
    ("delivered", "today", "allowed"),
    [
        (date(2024, 11, 24), date(2026, 11, 24), True),
        (date(2024, 11, 24), date(2026, 11, 25), False),
        (date(2024, 2, 29), date(2026, 2, 28), True),
        (None, date(2030, 1, 1), True),
    ],
)
def test_complaint_within_two_years_of_delivery(delivered, today, allowed):
    assert returns.complaint_allowed(delivered, today) is allowed


def test_quantities_cannot_exceed_bought_minus_open_cases():
    errors = returns.selection_errors(ITEMS, {"CZAPKA": 2}, {"CZAPKA": 1}, withdrawal=True)
    assert errors == {"CZAPKA": "Możesz zwrócić najwyżej 1 szt."}
    assert returns.selection_errors(ITEMS, {"CZAPKA": 1}, {"CZAPKA": 1}, withdrawal=True) == {}


def test_art_38_items_are_refused_for_withdrawal_but_not_for_complaints():
    assert "art. 38" in returns.selection_errors(ITEMS, {"MASKA": 1}, {}, withdrawal=True)["MASKA"]
    assert returns.selection_errors(ITEMS, {"MASKA": 1}, {}, withdrawal=False) == {}


def test_empty_and_unknown_selections():
    assert returns.selection_errors(ITEMS, {}, {}, withdrawal=True) == {
        "items": "Wybierz co najmniej jeden produkt."
    }
    assert returns.selection_errors(ITEMS, {"BUTY": 1}, {}, withdrawal=True) == {
        "BUTY": "Tego produktu nie ma w zamówieniu."
    }


@pytest.mark.parametrize(
    ("selected", "open_cases", "expected"),
    [
        ({"KURTKA": 1}, {}, 20000),  # part of the order: no delivery cost
        (
            {"KURTKA": 1, "CZAPKA": 2, "MASKA": 1},
            {},
            20000 + 4500 + 1500 + 999,
        ),  # whole order: + cheapest delivery
        ({"CZAPKA": 1}, {"KURTKA": 1, "CZAPKA": 1, "MASKA": 1}, 2250 + 999),  # the last piece completes it
    ],
)
def test_refund_amount_adds_the_cheapest_delivery_only_for_the_whole_order(selected, open_cases, expected):
    assert returns.refund_amount(ITEMS, selected, open_cases, cheapest_delivery=999) == expected


def test_shop_deadlines_are_plain_14_calendar_days():
    assert returns.refund_due(date(2026, 12, 10)) == date(2026, 12, 24)
    assert returns.complaint_answer_due(date(2026, 12, 10)) == date(2026, 12, 24)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PL61 1090 1014 0000 0712 1981 2874", "PL61109010140000071219812874"),
        ("61109010140000071219812874", "PL61109010140000071219812874"),
        ("61-1090-1014-0000-0712-1981-2874", "PL61109010140000071219812874"),
        ("PL62 1090 1014 0000 0712 1981 2874", None),
        ("6110901014", None),
        ("DE89370400440532013000", None),
        ("", None),
    ],
)
def test_polish_bank_accounts_are_checksum_validated(raw, expected):
    assert normalize_account(raw) == expected


def test_masked_account_shows_only_the_last_digits():
    assert masked("PL61109010140000071219812874") == "PL** **** … 2874"


def test_case_state_machine_moves_forward_only():
    assert can_move(CaseStatus.SUBMITTED, CaseStatus.LABEL_SENT)
    assert can_move(CaseStatus.LABEL_SENT, CaseStatus.DELIVERED_TO_SHOP)
    assert not can_move(CaseStatus.DELIVERED_TO_SHOP, CaseStatus.IN_TRANSIT)
    assert not can_move(CaseStatus.REJECTED, CaseStatus.REFUND_ORDERED)
    assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()


def test_rma_numbers():
    assert rma_number(2026, 123) == "ZW-2026-000123"


def test_possession_is_read_from_the_outbound_parcels_in_warsaw_days():
    first = {"possessed_at": "2025-03-04T23:30:00.000000Z"}  # 00:30 on 5 March in Warsaw
    waiting = {"status": "IN_TRANSIT"}
    back = {"is_return": True, "possessed_at": "2025-03-09T10:00:00.000000Z"}
    assert returns.possession([]) == ([], False)
    assert returns.possession([first, waiting, back]) == ([date(2025, 3, 5)], False)  # one still on its way
    second = {"possessed_at": "2025-03-07T09:00:00.000000Z"}
    assert returns.possession([first, second, back]) == ([date(2025, 3, 5), date(2025, 3, 7)], True)
