"""Weekly report figures, checked against a hand-built week (2026-W48: Mon 23 to Sun 29 November)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.domain import report, weeks
from zwrotnica.messages import report_templates
from zwrotnica.messages.charts import text_table
from zwrotnica.models.common import iso

W = ZoneInfo("Europe/Warsaw")
START, END = weeks.week_bounds("2026-W48")
H, D = timedelta(hours=1), timedelta(days=1)


def at(day: int, hour: float, month: int = 11) -> datetime:
    return datetime(2026, month, day, tzinfo=W) + hour * H


def ticket(tid, channel, category, team, opened, *, reply=None, solved=None, status="open", **extra) -> dict:
    history = [{"at": iso(opened), "kind": "opened"}]
    if reply is not None:
        history.append({"at": iso(opened + reply), "kind": "agent_reply"})
    if solved is not None:
        history.append({"at": iso(opened + solved), "kind": "status", "status": "solved"})
        status = "solved"
    return {
        "ticket_id": tid,
        "order_number": f"Z{tid}",
        "channel": channel,
        "category": category,
        "team": team,
        "status": status,
        "created_at": iso(opened),
        "history": history,
    } | extra


TICKETS = [
    ticket("A", "email", "delivery", "logistics", at(23, 9), reply=2 * H, solved=10 * H),
    ticket("B", "email", "delivery", "logistics", at(23, 10), reply=4 * H, solved=20 * H, breached=True),
    ticket("C", "chat", "payment", "finance", at(24, 12), reply=0.5 * H, solved=2 * H),
    ticket(
        "D", "email", "complaint", "customer_service", at(25, 8), reply=6 * H, legal_deadline=iso(END + 2 * D)
    ),
    # opened the week before, solved in this one: counts as solved, not as opened
    ticket("E", "email", "delivery", "logistics", at(18, 10), reply=H, solved=144 * H),
    # solved the week before (and breached then): nothing in this week
    ticket("F", "social", "other", "it", at(16, 10), reply=H, solved=5 * H, breached=True),
    # opened after the week: nothing
    ticket("G", "email", "delivery", "logistics", at(30, 9)),
    ticket("H", "form", "return", "customer_service", at(26, 9), status="new", breached=True),
    # complaints: one deadline 5 days out (not near), one near but already solved
    ticket("J", "email", "complaint", "customer_service", at(20, 9), legal_deadline=iso(END + 5 * D)),
    ticket(
        "K", "email", "complaint", "customer_service", at(19, 9), solved=20 * H, legal_deadline=iso(END + D)
    ),
]


def message(template: str, created: datetime, status: str = "sent") -> dict:
    return {"template": template, "status": status, "created_at": iso(created), "order_number": "Z1"}


MESSAGES = [
    message("shipment_shipped", at(23, 12)),
    message("shipment_shipped", at(27, 12)),
    message("order_received", at(28, 20)),
    message("ticket_reply", at(24, 9)),  # an agent's answer: not proactive
    message("shipment_delivered", at(29, 10), status="pending"),  # not sent
    message("order_received", at(22, 20)),  # Sunday of the week before
]


def parcel(carrier: str, status: str, last: datetime, **extra) -> dict:
    return {"type": "shipment", "carrier": carrier, "status": status, "last_event_at": iso(last)} | extra


SHIPMENTS = [
    parcel("inpost", "DELIVERED", at(24, 10)),
    parcel("inpost", "DELAYED", at(25, 10)),
    parcel("inpost", "EXCEPTION", at(26, 10)),
    parcel("inpost", "IN_TRANSIT", at(23, 10), silent_flagged_at=iso(at(26, 10))),
    parcel("dpd", "DELIVERED", at(24, 10)),
    parcel("dpd", "DELIVERY_FAILED", at(27, 10)),
    parcel("dpd", "RETURNED", at(27, 11), is_return=True),  # a customer's return parcel
    parcel("dpd", "EXCEPTION", at(20, 10)),  # the week before
    {"type": "shipment", "carrier": "dhl"},  # no courier event yet
]


def case(kind: str, reason: str | None, received: datetime) -> dict:
    return {"type": "case", "kind": kind, "reason": reason, "received_at": iso(received)}


CASES = [
    case("withdrawal", "wrong_size", at(23, 11)),
    case("withdrawal", "wrong_size", at(25, 11)),
    case("withdrawal", "not_as_expected", at(26, 11)),
    case("complaint", None, at(27, 11)),
    case("withdrawal", "other", at(21, 11)),  # the week before
]


@pytest.fixture(scope="module")
def week() -> report.WeeklyReport:
    return report.build("2026-W48", START, END, TICKETS, MESSAGES, SHIPMENTS, CASES)


def test_week_bounds_are_warsaw_mondays_in_utc_across_dst():
    start, end = weeks.week_bounds("2026-W48")
    assert (start, end) == (datetime(2026, 11, 22, 23, tzinfo=UTC), datetime(2026, 11, 29, 23, tzinfo=UTC))
    # the week DST starts (Sunday 29 March 2026): 167 hours long
    start, end = weeks.week_bounds("2026-W13")
    assert (start, end) == (datetime(2026, 3, 22, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert weeks.week_key(datetime(2026, 11, 29, 22, 59, tzinfo=UTC)) == "2026-W48"  # Sunday 23:59 Warsaw
    assert weeks.week_key(datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == "2026-W49"  # Monday 0:00 Warsaw
    assert weeks.previous_week(at(30, 8)) == "2026-W48"
    assert weeks.weeks_back("2027-W01", 2) == ["2027-W01", "2026-W53", "2026-W52"]


def test_median_and_nearest_rank_p90():
    hours = [timedelta(hours=n) for n in (5, 1, 3)]
    assert report.median(hours) == timedelta(hours=3)
    assert report.median(hours[:2]) == timedelta(hours=3)  # (5 + 1) / 2
    assert report.p90([timedelta(hours=n) for n in range(1, 11)]) == timedelta(hours=9)
    assert report.p90([timedelta(hours=n) for n in range(1, 12)]) == timedelta(hours=10)
    assert report.p90([timedelta(minutes=n) for n in range(1, 71)]) == timedelta(minutes=63)
    assert report.median([]) is None and report.p90([]) is None


def test_totals_for_the_week(week):
    t = week.total
    assert (t.opened, t.solved, t.breaches) == (5, 4, 2)  # opened A B C D H; solved A B C E
    assert t.first_reply_median == timedelta(hours=3)  # 0.5, 2, 4, 6 h
    assert t.first_reply_p90 == timedelta(hours=6)
    assert t.resolution_median == timedelta(hours=15)  # 2, 10, 20, 144 h
    assert t.resolution_p90 == timedelta(hours=144)
    assert t.sla_met_pct == 75.0  # B breached among 4 solved
    assert week.breached == ["B", "H"]  # F breached, but solved the week before


def test_per_channel_category_and_team(week):
    channels = {g.key: g for g in week.by_channel}
    assert set(channels) == {"chat", "email", "form"}  # F (social) was not active in the week
    email = channels["email"]
    assert (email.opened, email.solved, email.breaches) == (3, 3, 1)
    assert (email.first_reply_median, email.first_reply_p90) == (timedelta(hours=4), timedelta(hours=6))
    assert (email.resolution_median, email.resolution_p90) == (timedelta(hours=20), timedelta(hours=144))
    assert email.sla_met_pct == 66.7
    chat = channels["chat"]
    assert (chat.first_reply_median, chat.resolution_p90, chat.sla_met_pct) == (
        timedelta(minutes=30),
        timedelta(hours=2),
        100.0,
    )
    form = channels["form"]
    assert (form.opened, form.solved, form.first_reply_median, form.sla_met_pct) == (1, 0, None, None)
    categories = {g.key: (g.opened, g.solved) for g in week.by_category}
    assert categories == {"complaint": (1, 0), "delivery": (2, 3), "payment": (1, 1), "return": (1, 0)}
    teams = {g.key: g.breaches for g in week.by_team}
    assert teams == {"customer_service": 1, "finance": 0, "logistics": 1}


def test_deflection_couriers_returns_and_deadlines(week):
    d = week.deflection
    assert d.by_template == {"shipment_shipped": 2, "order_received": 1}
    assert (d.proactive, d.delivery_tickets, d.per_ticket) == (3, 2, 1.5)
    couriers = {c.carrier: c for c in week.couriers}
    assert set(couriers) == {"dpd", "inpost"}
    inpost, dpd = couriers["inpost"], couriers["dpd"]
    assert (inpost.parcels, inpost.delays, inpost.exceptions) == (4, 2, 1)
    assert (inpost.delays_per_100, inpost.exceptions_per_100) == (50.0, 25.0)
    assert (dpd.parcels, dpd.delays_per_100, dpd.exceptions_per_100) == (2, 0.0, 50.0)
    assert week.returns == report.Returns(3, 1, [("wrong_size", 2), ("not_as_expected", 1)])
    assert [(n.ticket_id, n.left) for n in week.near_deadline] == [("D", timedelta(hours=48))]


def test_an_empty_week_has_no_division_by_zero():
    empty = report.build("2026-W48", START, END, [], [], [], [])
    assert empty.total.sla_met_pct is None and empty.deflection.per_ticket is None
    assert empty.couriers == [] and empty.returns == report.Returns(0, 0, [])
    email = report_templates.render(empty, "Sklep")
    assert email.text.count("Brak danych w tym tygodniu.") == 6


def test_rendering_in_polish_with_charts_and_the_same_figures_in_csv(week):
    email = report_templates.render(week, "Sklep Ząb")
    assert email.subject == "Sklep Ząb: raport tygodniowy 2026-W48 (23.11–29.11.2026)"
    assert "Tydzień 2026-W48: 23–29 listopada 2026 r." in email.text
    # one chart per section: the nine of before and issue 16's three (service quality, backlog age, NPS)
    assert email.html.count("<svg") == 12 and "<img" not in email.html
    assert "Zgłoszenia według kanału" in email.html and "zły rozmiar" in email.html
    assert "zwrotnica tickets show B" in email.text
    rows = list(csv.reader(io.StringIO(email.csv.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["sekcja", "wiersz", "miara", "wartość"]
    assert ["Podsumowanie", "Razem", "SLA dotrzymane %", "75,0"] in rows
    assert ["Podsumowanie", "Razem", "Rozwiązanie mediana", "15,00"] in rows  # hours
    assert ["Zgłoszenia według kanału", "czat", "1. odp. mediana", "0,50"] in rows
    assert ["Przewoźnicy", "InPost", "Opóźnienia na 100", "50,0"] in rows  # the carrier's proper name
    assert ["Wiadomości wysłane z wyprzedzeniem", "paczka nadana", "Wysłane", "2"] in rows  # not a raw key
    assert "shipment_shipped" not in email.text + email.html
    assert ["Zwroty i reklamacje", "powód: zły rozmiar", "Liczba", "2"] in rows
    assert email.csv.startswith("\ufeff".encode()) and email.filename == "raport-2026-W48.csv"
    # the text part shows what the CSV holds, formatted for people
    assert "30 min" in email.text and "15,0 h" in email.text


def test_text_table_aligns_columns():
    assert text_table(("Kanał", "Otwarte"), [("czat", "1"), ("e-mail", "12")]) == (
        "Kanał   Otwarte\n------  -------\nczat          1\ne-mail       12"
    )
