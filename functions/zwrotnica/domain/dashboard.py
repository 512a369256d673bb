"""The team dashboard's figures: pure functions of plain items (tickets, messages, cases) and a moment.

- queue: open tickets that are breached, due within `due_soon_hours`, or waiting on a courier or the customer;
- cases: open returns and complaints with the legal deadline that binds the shop (refund 14 days from the
  statement, UPK art. 32; complaint answer 14 days, art. 7a), soonest first;
- today's KPIs (the Warsaw day so far) against config/dashboard.json, each green, amber or red;
- the last 7 days (today included), per day: tickets opened and solved, SLA met %.
Ticket facts (opened, first reply, solved) are computed as the weekly report computes them.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel

from zwrotnica.domain.report import REACTIVE_TEMPLATES, median, parse
from zwrotnica.domain.report import _facts as ticket_facts
from zwrotnica.domain.weeks import WARSAW

Item = dict[str, Any]
CLOSED = frozenset({"solved", "closed"})
CASE_DONE = frozenset({"rejected", "refund_ordered", "closed"})
COMPLAINT_ANSWERED = frozenset({"accepted", "rejected", "refund_ordered", "closed"})


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # nothing to measure yet today


class Kpi(BaseModel):
    key: str
    value: float | None
    target: float
    light: Light
    better: str


class QueueRow(BaseModel):
    ticket_id: str
    order_number: str | None
    subject: str
    team: str
    priority: str
    status: str
    due_at: datetime | None
    legal_deadline: datetime | None


class CaseRow(BaseModel):
    case_id: str
    order_number: str
    kind: str
    status: str
    deadline: date
    what: str  # "refund" or "answer": which legal deadline
    days_left: int


class Day(BaseModel):
    day: date
    opened: int
    solved: int
    sla_met_pct: float | None


class Dashboard(BaseModel):
    now: datetime
    breached: list[QueueRow]
    due_soon: list[QueueRow]
    waiting_courier: list[QueueRow]
    waiting_customer: list[QueueRow]
    open_total: int
    cases: list[CaseRow]
    kpis: list[Kpi]
    days: list[Day]


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    text = resources.files("zwrotnica.config").joinpath("dashboard.json").read_text(encoding="utf-8")
    return json.loads(text)


def light(value: float | None, rule: dict[str, Any]) -> Light:
    if value is None:
        return Light.NONE
    if rule["better"] == "lower":
        return Light.GREEN if value <= rule["green"] else Light.AMBER if value <= rule["amber"] else Light.RED
    return Light.GREEN if value >= rule["green"] else Light.AMBER if value >= rule["amber"] else Light.RED


def kpi(key: str, value: float | None, cfg: dict[str, Any]) -> Kpi:
    rule = cfg["kpis"][key]
    return Kpi(key=key, value=value, target=rule["green"], light=light(value, rule), better=rule["better"])


def _row(t: Item) -> QueueRow:
    return QueueRow(
        ticket_id=t["ticket_id"],
        order_number=t.get("order_number"),
        subject=str(t.get("subject") or ""),
        team=str(t.get("team") or "-"),
        priority=str(t.get("priority") or "-"),
        status=str(t.get("status") or "-"),
        due_at=parse(t.get("due_at")),
        legal_deadline=parse(t.get("legal_deadline")),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=WARSAW)


def case_rows(cases: list[Item], today: date) -> list[CaseRow]:
    rows = []
    for c in cases:
        status, kind = str(c.get("status") or ""), str(c.get("kind") or "")
        if status in CASE_DONE:
            continue
        if kind == "complaint" and status not in COMPLAINT_ANSWERED and c.get("answer_due"):
            deadline, what = date.fromisoformat(str(c["answer_due"])), "answer"
        elif kind == "withdrawal" and c.get("refund_due"):
            deadline, what = date.fromisoformat(str(c["refund_due"])), "refund"
        else:
            continue
        rows.append(
            CaseRow(
                case_id=str(c["case_id"]),
                order_number=str(c.get("order_number") or ""),
                kind=kind,
                status=status,
                deadline=deadline,
                what=what,
                days_left=(deadline - today).days,
            )
        )
    return sorted(rows, key=lambda r: (r.deadline, r.case_id))


def build(now: datetime, tickets: list[Item], messages: list[Item], cases: list[Item]) -> Dashboard:
    cfg = config()
    today = now.astimezone(WARSAW).date()
    start = _day_start(today)
    unique = {t["ticket_id"]: t for t in tickets}
    open_ = [t for t in unique.values() if t.get("status") not in CLOSED]
    soon = now + timedelta(hours=cfg["due_soon_hours"])
    breached = [t for t in open_ if t.get("breached")]
    due_soon = [
        t
        for t in open_
        if not t.get("breached") and (due := parse(t.get("due_at"))) is not None and due <= soon
    ]
    facts = [f for f in (ticket_facts(t, now) for t in unique.values()) if f]
    opened_today = [f for f in facts if f.opened >= start]
    solved_today = [f for f in facts if f.solved and f.solved >= start]
    replied_today = [f for f in facts if f.first_reply and f.first_reply >= start]
    first = median([f.first_reply - f.opened for f in replied_today if f.first_reply])
    met = sum(1 for f in solved_today if not f.ticket.get("breached"))
    rows = case_rows(cases, today)
    proactive = sum(
        1
        for m in messages
        if m.get("status") == "sent"
        and m.get("template") not in REACTIVE_TEMPLATES
        and (at := parse(m.get("created_at"))) is not None
        and at >= start
    )
    delivery = sum(1 for f in opened_today if f.ticket.get("category") == "delivery")
    kpis = [
        kpi("breached_open", len(breached), cfg),
        kpi("sla_met_pct", round(100 * met / len(solved_today), 1) if solved_today else None, cfg),
        kpi("first_reply_hours", round(first.total_seconds() / 3600, 1) if first else None, cfg),
        kpi(
            "solved_per_opened",
            round(len(solved_today) / len(opened_today), 2) if opened_today else None,
            cfg,
        ),
        kpi("deadlines_near", sum(1 for r in rows if r.days_left <= cfg["near_deadline_days"]), cfg),
        kpi("proactive_per_delivery_ticket", round(proactive / delivery, 1) if delivery else None, cfg),
    ]
    days = []
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        lo, hi = _day_start(day), _day_start(day + timedelta(days=1))
        solved = [f for f in facts if f.solved and lo <= f.solved < hi]
        ok = sum(1 for f in solved if not f.ticket.get("breached"))
        days.append(
            Day(
                day=day,
                opened=sum(1 for f in facts if lo <= f.opened < hi),
                solved=len(solved),
                sla_met_pct=round(100 * ok / len(solved), 1) if solved else None,
            )
        )
    return Dashboard(
        now=now,
        breached=[_row(t) for t in sorted(breached, key=lambda t: t.get("due_at") or "")],
        due_soon=[_row(t) for t in sorted(due_soon, key=lambda t: t.get("due_at") or "")],
        waiting_courier=[_row(t) for t in open_ if t.get("status") == "pending_third_party"],
        waiting_customer=[_row(t) for t in open_ if t.get("status") == "pending_customer"],
        open_total=len(open_),
        cases=rows,
        kpis=kpis,
        days=days,
    )
