"""The weekly report's figures: pure functions of plain items (ticket, message, shipment, case dicts).

Definitions (the e-mail's footnote repeats them):
- opened: the ticket's `opened` event is in the week; solved: its last `solved` status event before the
  week's end is in the week (a ticket counts once however often it was solved).
- first reply: opened in the week, first `agent_reply` minus `opened`; resolution: solved in the week,
  `solved` minus `opened`. Wall-clock time. Median: the middle value (mean of the two middle ones);
  p90: nearest rank, the value at position ceil(0.9 n) of the sorted list.
- SLA met %: of the tickets solved in the week, those never marked `breached`. Breaches: tickets active
  in the week (opened before its end, not solved before its start) marked `breached`.
- deflection: proactive messages (every outbox message but agents' replies) created in the week and
  sent, against delivery tickets opened in the week.
- couriers: parcels (not return parcels) whose last courier event is in the week; a delay is DELAYED
  or flagged silent, an exception a failed delivery, an exception or a parcel going back.
- returns: cases received in the week; near deadline: unsolved tickets whose legal answer deadline
  is at most 3 days after the report's moment (overdue ones too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.domain import service_kpis
from zwrotnica.domain.report_figures import (
    CourierStats,
    Deflection,
    GroupStats,
    NearDeadline,
    Returns,
    WeeklyReport,
    median,
    p90,
)

__all__ = [
    "CourierStats",
    "Deflection",
    "GroupStats",
    "NearDeadline",
    "Returns",
    "WeeklyReport",
    "build",
    "median",
    "p90",
]

REACTIVE_TEMPLATES = frozenset({"ticket_reply"})
DELAYS = frozenset({"DELAYED"})
EXCEPTIONS = frozenset({"EXCEPTION", "DELIVERY_FAILED", "RETURNING_TO_SENDER", "RETURNED"})
CLOSED = frozenset({"solved", "closed"})
NEAR_DEADLINE = timedelta(days=3)

Item = dict[str, Any]


def parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass(frozen=True)
class _Facts:
    ticket: Item
    opened: datetime
    first_reply: datetime | None
    solved: datetime | None


def _facts(ticket: Item, end: datetime) -> _Facts | None:
    events = sorted(((parse(e["at"]), e) for e in ticket.get("history", [])), key=lambda pair: pair[0])
    opened = next((at for at, e in events if e["kind"] == "opened"), parse(ticket.get("created_at")))
    if opened is None:
        return None
    replies = [at for at, e in events if e["kind"] == "agent_reply" and at < end]
    solved = [at for at, e in events if e["kind"] == "status" and e.get("status") == "solved" and at < end]
    return _Facts(ticket, opened, replies[0] if replies else None, solved[-1] if solved else None)


def _group(key: str, facts: list[_Facts], start: datetime, end: datetime) -> GroupStats:
    opened = [f for f in facts if start <= f.opened < end]
    solved = [f for f in facts if f.solved and start <= f.solved < end]
    first = [f.first_reply - f.opened for f in opened if f.first_reply]
    resolution = [f.solved - f.opened for f in solved if f.solved]
    met = sum(1 for f in solved if not f.ticket.get("breached"))
    return GroupStats(
        key=key,
        opened=len(opened),
        solved=len(solved),
        first_reply_median=median(first),
        first_reply_p90=p90(first),
        resolution_median=median(resolution),
        resolution_p90=p90(resolution),
        sla_met_pct=round(100 * met / len(solved), 1) if solved else None,
        breaches=sum(1 for f in facts if f.ticket.get("breached")),
    )


def _by(field: str, facts: list[_Facts], start: datetime, end: datetime) -> list[GroupStats]:
    keys = sorted({str(f.ticket.get(field) or "-") for f in facts})
    return [_group(k, [f for f in facts if str(f.ticket.get(field) or "-") == k], start, end) for k in keys]


def _in(start: datetime, end: datetime) -> Callable[[str | None], bool]:
    def check(value: str | None) -> bool:
        moment = parse(value)
        return moment is not None and start <= moment < end

    return check


def build(
    week: str,
    start: datetime,
    end: datetime,
    tickets: list[Item],
    messages: list[Item],
    shipments: list[Item],
    cases: list[Item],
    as_of: datetime | None = None,
    nps_scores: Sequence[int] = (),
) -> WeeklyReport:
    as_of = as_of or end
    within = _in(start, end)
    # Active in the week: opened before its end and not solved before its start. Nothing else counts.
    facts = [
        f
        for f in (_facts(t, end) for t in tickets)
        if f and f.opened < end and not (f.solved and f.solved < start)
    ]
    proactive = Counter(
        m["template"]
        for m in messages
        if m.get("status") == "sent"
        and m.get("template") not in REACTIVE_TEMPLATES
        and within(m["created_at"])
    )
    couriers: dict[str, Counter[str]] = {}
    for parcel in shipments:
        if parcel.get("is_return") or not within(parcel.get("last_event_at")):
            continue
        counts = couriers.setdefault(str(parcel.get("carrier") or "-"), Counter())
        counts["parcels"] += 1
        counts["delays"] += parcel.get("status") in DELAYS or within(parcel.get("silent_flagged_at"))
        counts["exceptions"] += parcel.get("status") in EXCEPTIONS
    received = [c for c in cases if within(c.get("received_at"))]
    near = [
        NearDeadline(t["ticket_id"], t.get("order_number"), deadline, deadline - as_of)
        for t in tickets
        if (deadline := parse(t.get("legal_deadline")))
        and t.get("status") not in CLOSED
        and deadline <= as_of + NEAR_DEADLINE
    ]
    return WeeklyReport(
        week=week,
        start=start,
        end=end,
        total=_group("razem", facts, start, end),
        by_channel=_by("channel", facts, start, end),
        by_category=_by("category", facts, start, end),
        by_team=_by("team", facts, start, end),
        breached=sorted(f.ticket["ticket_id"] for f in facts if f.ticket.get("breached")),
        deflection=Deflection(
            by_template=dict(sorted(proactive.items(), key=lambda kv: (-kv[1], kv[0]))),
            proactive=sum(proactive.values()),
            delivery_tickets=sum(
                1 for f in facts if f.ticket.get("category") == "delivery" and start <= f.opened < end
            ),
        ),
        couriers=[
            CourierStats(c, n["parcels"], n["delays"], n["exceptions"]) for c, n in sorted(couriers.items())
        ],
        returns=Returns(
            withdrawals=sum(1 for c in received if c.get("kind") == "withdrawal"),
            complaints=sum(1 for c in received if c.get("kind") == "complaint"),
            top_reasons=sorted(
                Counter(c["reason"] for c in received if c.get("reason")).items(),
                key=lambda kv: (-kv[1], kv[0]),
            )[:5],
        ),
        near_deadline=sorted(near, key=lambda n: n.deadline),
        **_service(tickets, start, end, as_of, nps_scores),
    )


def _service(
    tickets: list[Item], start: datetime, end: datetime, as_of: datetime, nps_scores: Sequence[int]
) -> dict[str, Any]:
    """Issue 16 (domain.service_kpis, with the same median and p90): every ticket read, not only the
    week's active ones (the backlog and the FCR window look at them all)."""
    return {
        "kpis": service_kpis.kpis("razem", tickets, start, end, as_of),
        "kpis_by_channel": service_kpis.by_channel(tickets, start, end, as_of),
        "nps": service_kpis.nps(nps_scores),
    }
