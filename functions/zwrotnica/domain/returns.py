"""Withdrawal and complaint rules (UPK art. 27-38, 43a+, 7a): pure functions, no I/O.

Dates are Warsaw calendar dates. The customer's deadline uses KC art. 115 (moves past Saturdays, Sundays
and holidays); the shop's own deadlines are plain 14 calendar days (the safe reading, polish-law.md §0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica.domain import deadlines
from zwrotnica.messages.legal import complaint_limit_text, withdrawal_excluded_text
from zwrotnica.messages.polish import date_pl, until_date
from zwrotnica.models.order import OrderItem

COMPLAINT_YEARS = 2
WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class Window:
    open: bool
    deadline: date | None  # None while the goods are not yet in the customer's hands


def possession(shipments: Iterable[Mapping[str, Any]]) -> tuple[list[date], bool]:
    """The days (Warsaw) the customer took possession of the order's outbound parcels, and whether all of
    them are in the customer's hands: read from the parcels themselves, so a parcel taken later, or
    events arriving in any order, need no second record on the order."""
    outbound = [s for s in shipments if not s.get("is_return")]
    days = [
        datetime.fromisoformat(s["possessed_at"].replace("Z", "+00:00")).astimezone(WARSAW).date()
        for s in outbound
        if s.get("possessed_at")
    ]
    return days, bool(outbound) and len(days) == len(outbound)


def withdrawal_window(possession_days: list[date], all_delivered: bool, today: date) -> Window:
    """14 days from possession of the LAST shipment (art. 28 pkt 1 lit. a); open before delivery too."""
    if not all_delivered or not possession_days:
        return Window(open=True, deadline=None)
    deadline = deadlines.withdrawal_deadline(max(possession_days))
    return Window(open=deadlines.is_within(deadline, today), deadline=deadline)


def window_open_message(window: Window) -> str:
    """The return form's line while the customer may withdraw (UPK art. 30 ust. 2: sending is enough)."""
    if window.deadline is None:
        return "Zamówienie nie zostało jeszcze doręczone, ale już teraz możesz odstąpić od umowy."
    return (
        f"Na odstąpienie od umowy masz czas {until_date(window.deadline)} Wystarczy, że przed upływem "
        "tego terminu wyślesz zgłoszenie."
    )


def window_closed_message(window: Window) -> str:
    assert window.deadline is not None
    return (
        f"Termin na odstąpienie od umowy minął {date_pl(window.deadline)} Jeśli towar jest wadliwy "
        "lub niezgodny z umową, możesz złożyć reklamację."
    )


def complaint_limit(delivered_on: date) -> date:
    """The last day of the two years from delivery in which a non-conformity must show (art. 43c)."""
    try:
        return delivered_on.replace(year=delivered_on.year + COMPLAINT_YEARS)
    except ValueError:  # 29 February
        return delivered_on.replace(year=delivered_on.year + COMPLAINT_YEARS, day=28)


def complaint_allowed(delivered_on: date | None, today: date) -> bool:
    """Non-conformity revealed within 2 years of delivery (art. 43c). Not delivered yet: allowed."""
    return delivered_on is None or today <= complaint_limit(delivered_on)


def complaint_limit_message(delivered_on: date, contact_email: str) -> str:
    """Past the two years: when they ended and that a defect that showed within them can still be reported
    (by e-mail to `contact_email`), instead of "a complaint is no longer possible"."""
    return complaint_limit_text(delivered_on, complaint_limit(delivered_on), contact_email)


def returnable(items: list[OrderItem], in_open_cases: Mapping[str, int]) -> dict[str, int]:
    """How many of each SKU can still go into a new case: bought minus what open cases already hold."""
    return {item.sku: max(item.qty - in_open_cases.get(item.sku, 0), 0) for item in items}


def selection_errors(
    items: list[OrderItem], selected: Mapping[str, int], in_open_cases: Mapping[str, int], withdrawal: bool
) -> dict[str, str]:
    """Field errors in Polish, keyed by SKU (empty dict: the selection is fine)."""
    by_sku = {item.sku: item for item in items}
    left = returnable(items, in_open_cases)
    errors: dict[str, str] = {}
    if not any(qty > 0 for qty in selected.values()):
        errors["items"] = "Wybierz co najmniej jeden produkt."
    for sku, qty in selected.items():
        if qty <= 0:
            continue
        if sku not in by_sku:
            errors[sku] = "Tego produktu nie ma w zamówieniu."
        elif qty > left[sku]:
            errors[sku] = f"Możesz zwrócić najwyżej {left[sku]} szt."
        elif withdrawal and by_sku[sku].withdrawal_excluded:
            errors[sku] = withdrawal_excluded_text()
    return errors


def refund_amount(
    items: list[OrderItem],
    selected: Mapping[str, int],
    in_open_cases: Mapping[str, int],
    cheapest_delivery: int,
) -> int:
    """Items returned + the cheapest usual delivery when the whole order is withdrawn (art. 32-33)."""
    by_sku = {item.sku: item for item in items}
    total = sum(by_sku[sku].unit_price * qty for sku, qty in selected.items() if sku in by_sku and qty > 0)
    whole = all(selected.get(i.sku, 0) + in_open_cases.get(i.sku, 0) >= i.qty for i in items)
    return total + (cheapest_delivery if whole else 0)


def refund_due(statement_received: date) -> date:
    """Refund at the latest 14 days after the statement (art. 32 ust. 1), not after the goods arrive."""
    return deadlines.refund_deadline(statement_received)


def complaint_answer_due(received: date) -> date:
    """Answer within 14 days or the complaint is deemed accepted (art. 7a)."""
    return deadlines.complaint_answer_deadline(received)


def complaint_legal_deadline(received_at: datetime) -> datetime:
    """The complaint answer deadline as a moment: the end (23:59 Warsaw) of the day complaint_answer_due
    gives for the day the complaint arrived, as the return form's complaint tickets carry it."""
    day = complaint_answer_due(received_at.astimezone(WARSAW).date())
    return datetime.combine(day, time(23, 59), tzinfo=WARSAW)
