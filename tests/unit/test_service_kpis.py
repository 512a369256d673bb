"""Issue 16's weekly figures from a known history (every expected value worked out by hand in the
comments): reply and resolution times (mean, median, p90), first contact resolution, backlog and its age,
CSAT, deflection, NPS, and the KPI alert's breaches."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.domain import report, service_kpis
from zwrotnica.messages import report_templates
from zwrotnica.models.common import iso

W = ZoneInfo("Europe/Warsaw")
START, END = datetime(2026, 11, 23, tzinfo=W), datetime(2026, 11, 30, tzinfo=W)
AS_OF = END + timedelta(hours=8)  # Monday 8:00, when the report goes out
H = timedelta(hours=1)


def at(day: int, hour: int) -> str:
    return iso(datetime(2026, 11, day, hour, tzinfo=W))


def ticket(tid: str, *events: tuple[str, str, dict], channel: str = "email", **more) -> dict:
    return {
        "ticket_id": tid,
        "channel": channel,
        "category": "other",
        "team": "customer_service",
        "priority": "normal",
        "created_at": events[0][1],
        "history": [{"kind": kind, "at": when, **extra} for kind, when, extra in events],
    } | more


SOLVED = {"status": "solved"}
HISTORY = [
    # A: reply after 1 h, solved after 3 h, nothing more: first contact resolution; rated 5
    ticket(
        "A",
        ("opened", at(23, 9), {}),
        ("agent_reply", at(23, 10), {}),
        ("status", at(23, 12), SOLVED),
        csat_score=5,
        csat_at=at(24, 9),
    ),
    # B: reply after 4 h, the customer wrote again, a second reply, solved after 24 h; rated 2
    ticket(
        "B",
        ("opened", at(24, 9), {}),
        ("agent_reply", at(24, 13), {}),
        ("customer_message", at(24, 14), {}),
        ("agent_reply", at(24, 15), {}),
        ("status", at(25, 9), SOLVED),
        csat_score=2,
        csat_at=at(26, 9),
    ),
    # C: a chat nobody answered yet: backlog, 4 days 15 h old at the week's end
    ticket("C", ("opened", at(25, 9), {}), channel="chat"),
    # D: opened 10 days before the week, still open: backlog, over 7 days
    ticket("D", ("opened", at(13, 9), {})),
    # E: a customer's parcel question answered automatically, no word since, solved as deflected
    ticket(
        "E",
        ("opened", at(26, 10), {}),
        ("automatic_answer", at(26, 10), {"detail": "inbound_parcel"}),
        ("status", at(26, 10), {"status": "pending_customer"}),
        ("status", at(29, 10), SOLVED | {"detail": "deflected"}),
        conversation=True,
    ),
    # F: answered automatically, but the customer wrote again; a person replied a day later: backlog 2 d 15 h
    ticket(
        "F",
        ("opened", at(27, 9), {}),
        ("automatic_answer", at(27, 9), {"detail": "inbound_parcel"}),
        ("customer_message", at(27, 11), {}),
        ("agent_reply", at(28, 9), {}),
        conversation=True,
    ),
    # G: opened the week before, one reply, solved on Tuesday: 4 days to resolve, first contact
    ticket("G", ("opened", at(20, 10), {}), ("agent_reply", at(20, 12), {}), ("status", at(24, 10), SOLVED)),
]


def test_the_weeks_service_figures_from_a_known_history():
    k = service_kpis.kpis("razem", HISTORY, START, END, AS_OF)
    # first replies of tickets opened in the week: A 1 h, B 4 h, F 24 h (E and C had none from a person)
    assert (k.frt_mean, k.frt_median, k.frt_p90) == ((1 + 4 + 24) * H / 3, 4 * H, 24 * H)
    # solved in the week: A 3 h, B 24 h, E 72 h, G 96 h
    assert (k.art_mean, k.art_median, k.art_p90) == (48.75 * H, 48 * H, 96 * H)
    # answered by a person and solved in the week: A and G at first contact, B not: 2 of 3
    assert k.fcr_pct == 66.7
    # open at the week's end: F (1-3 days), C (3-7 days), D (over 7 days)
    assert (k.backlog, k.ageing) == (3, (0, 1, 1, 1))
    # ratings in the week: 5 and 2, one of two is 4-5
    assert (k.csat_pct, k.csat_ratings) == (50.0, 2)
    # the week's customer questions: E deflected, F not
    assert (k.deflection_pct, k.deflected) == (50.0, 1)


def test_per_channel_and_an_empty_channel_divides_by_nothing():
    chat, email = service_kpis.by_channel(HISTORY, START, END, AS_OF)
    assert (chat.key, chat.backlog, chat.frt_median, chat.fcr_pct, chat.csat_pct) == (
        "chat",
        1,
        None,
        None,
        None,
    )
    assert (email.key, email.backlog, email.deflected) == ("email", 2, 1)


def test_a_customer_message_within_7_days_of_solving_is_no_first_contact_resolution():
    wrote_back = ticket(
        "H",
        ("opened", at(23, 9), {}),
        ("agent_reply", at(23, 10), {}),
        ("status", at(23, 11), SOLVED),
        ("customer_message", at(27, 9), {}),
    )
    late = ticket(
        "I",
        ("opened", at(23, 9), {}),
        ("agent_reply", at(23, 10), {}),
        ("status", at(23, 11), SOLVED),
        ("customer_message", iso(datetime(2026, 12, 3, tzinfo=W)), {}),
    )
    assert service_kpis.kpis("x", [wrote_back], START, END, AS_OF + 7 * 24 * H).fcr_pct == 0.0
    assert service_kpis.kpis("x", [late], START, END, AS_OF + 7 * 24 * H).fcr_pct == 100.0


def test_nps_and_the_alerts_past_their_thresholds():
    score = service_kpis.nps([10, 9, 8, 3])  # 2 promoters, 1 detractor of 4: +25
    assert (score.responses, score.promoters, score.detractors, score.score) == (4, 2, 1, 25.0)
    k = service_kpis.kpis("razem", HISTORY, START, END, AS_OF)
    found = service_kpis.breaches(k, score, service_kpis.DEFAULT_THRESHOLDS)
    assert [(b.kpi, b.value, b.threshold) for b in found] == [("csat_pct_min", 50.0, 80.0)]
    strict = {"frt_p90_hours_max": 23.0, "nps_min": 30.0, "backlog_max": 3.0}
    assert [b.kpi for b in service_kpis.breaches(k, score, strict)] == ["frt_p90_hours_max", "nps_min"]
    nothing = service_kpis.kpis("razem", [], START, END, AS_OF)
    assert service_kpis.breaches(nothing, service_kpis.nps([]), service_kpis.DEFAULT_THRESHOLDS) == []


@pytest.mark.parametrize("with_nps", [True, False])
def test_the_report_renders_them_in_polish(with_nps):
    week = report.build(
        "2026-W48", START, END, HISTORY, [], [], [], as_of=AS_OF, nps_scores=[10, 3] if with_nps else []
    )
    email = report_templates.render(week, "Sklep")
    assert "Jakość obsługi według kanału" in email.text and "Zaległe zgłoszenia według wieku" in email.text
    assert "czat" in email.text and "66,7" in email.text and "48,8 h" in email.text
    rows = [r.split(";") for r in email.csv.decode("utf-8-sig").splitlines()]
    nps = next(r for r in rows if r[0].startswith("NPS") and r[1] == "NPS")
    assert nps[3] == ("0,0" if with_nps else "")  # 1 promoter, 1 detractor of 2; no responses: no figure
    subject, text = report_templates.kpi_alert(
        "2026-W48", service_kpis.breaches(week.kpis, week.nps, service_kpis.DEFAULT_THRESHOLDS), "Sklep"
    )
    assert subject == "Sklep: wskaźniki obsługi poza progiem (2026-W48)"
    assert "CSAT (odsetek ocen 4–5), %: 50,0 (próg 80,0)" in text
