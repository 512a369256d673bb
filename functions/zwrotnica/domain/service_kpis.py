"""Issue 16's service figures for the weekly report, pure functions of ticket items (their history):

- FRT (first response time): tickets opened in the week, the first `agent_reply` (a person's public
  answer: our automatic answers do not count) minus `opened`; ART (resolution time): tickets solved in
  the week, `solved` minus `opened`. Mean, median, p90 (nearest rank). Wall-clock time.
- FCR (first contact resolution): of the tickets solved in the week and answered by a person, those with
  exactly one public reply and no customer message after it, up to 7 days after solving (as far as the
  report's moment has seen: a ticket solved on Sunday has had one day).
- Backlog: tickets opened before the week's end and not solved by then; ageing from their opening.
- CSAT: ratings given in the week; the share of 4 and 5.
- Deflection: customers' questions (conversation tickets) opened in the week that an automatic answer
  settled (the parcel's status, the form) with no customer message after it.
- NPS: responses given in the week, promoters (9-10) minus detractors (0-6), in points.
- A KPI alert names every figure past its configured threshold (`..._min`: below, `..._max`: above).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.domain.report_figures import KpiBreach, Nps, ServiceKpis, median, p90
from zwrotnica.domain.satisfaction import nps_group

SETTLING = frozenset({"inbound_parcel", "inbound_return_form"})
FCR_WINDOW = timedelta(days=7)
AGE_LIMITS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
DEFAULT_THRESHOLDS = {
    "csat_pct_min": 80.0,
    "fcr_pct_min": 60.0,
    "frt_p90_hours_max": 24.0,
    "backlog_max": 100.0,
    "nps_min": 0.0,
}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _events(ticket: Mapping[str, Any]) -> list[tuple[datetime, Mapping[str, Any]]]:
    found = [(_at(e.get("at")), e) for e in ticket.get("history") or []]
    return sorted(((at, e) for at, e in found if at is not None), key=lambda pair: pair[0])


def mean(values: Sequence[timedelta]) -> timedelta | None:
    return sum(values, timedelta(0)) / len(values) if values else None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def kpis(
    key: str, tickets: Sequence[Mapping[str, Any]], start: datetime, end: datetime, as_of: datetime
) -> ServiceKpis:
    first_replies, resolutions, fcr_solved, fcr_first = [], [], 0, 0
    backlog_ages, ratings, good, questions, deflected = [], 0, 0, 0, 0
    for ticket in tickets:
        events = _events(ticket)
        opened = next((at for at, e in events if e.get("kind") == "opened"), _at(ticket.get("created_at")))
        if opened is None:
            continue
        before_end = [(at, e) for at, e in events if at < end]
        replies = [at for at, e in events if e.get("kind") == "agent_reply" and at < as_of]
        solved = [
            at
            for at, e in before_end
            if e.get("kind") == "status" and e.get("status") in ("solved", "closed")
        ]
        last_solved = solved[-1] if solved else None
        reopened = last_solved and any(
            e.get("kind") == "status" and e.get("status") not in ("solved", "closed") and at > last_solved
            for at, e in before_end
        )
        if start <= opened < end and replies:
            first_replies.append(replies[0] - opened)
        if last_solved and not reopened and start <= last_solved < end:
            resolutions.append(last_solved - opened)
            if replies:
                fcr_solved += 1
                window_end = min(last_solved + FCR_WINDOW, as_of)
                wrote_again = any(
                    e.get("kind") == "customer_message" and replies[0] < at <= window_end for at, e in events
                )
                fcr_first += len([r for r in replies if r <= window_end]) == 1 and not wrote_again
        if opened < end and (not last_solved or reopened):
            backlog_ages.append(end - opened)
        if (rated := _at(ticket.get("csat_at"))) and start <= rated < end and ticket.get("csat_score"):
            ratings += 1
            good += int(ticket["csat_score"]) >= 4
        if ticket.get("conversation") and start <= opened < end:
            questions += 1
            settled = [
                at for at, e in events if e.get("kind") == "automatic_answer" and e.get("detail") in SETTLING
            ]
            if settled and not any(
                e.get("kind") == "customer_message" and at > settled[0] for at, e in events
            ):
                deflected += 1
    ageing = tuple(
        sum(1 for age in backlog_ages if low <= age < high)
        for low, high in zip((timedelta(0), *AGE_LIMITS), (*AGE_LIMITS, timedelta.max), strict=True)
    )
    return ServiceKpis(
        key=key,
        frt_mean=mean(first_replies),
        frt_median=median(first_replies),
        frt_p90=p90(first_replies),
        art_mean=mean(resolutions),
        art_median=median(resolutions),
        art_p90=p90(resolutions),
        fcr_pct=_pct(fcr_first, fcr_solved),
        backlog=len(backlog_ages),
        ageing=ageing,  # type: ignore[arg-type]
        csat_pct=_pct(good, ratings),
        csat_ratings=ratings,
        deflection_pct=_pct(deflected, questions),
        deflected=deflected,
    )


def by_channel(
    tickets: Sequence[Mapping[str, Any]], start: datetime, end: datetime, as_of: datetime
) -> list[ServiceKpis]:
    channels = sorted({str(t.get("channel") or "-") for t in tickets})
    return [
        kpis(c, [t for t in tickets if str(t.get("channel") or "-") == c], start, end, as_of)
        for c in channels
    ]


def nps(scores: Sequence[int]) -> Nps:
    groups = [nps_group(s) for s in scores]
    return Nps(len(groups), groups.count("promoter"), groups.count("detractor"))


def breaches(total: ServiceKpis, score: Nps | None, thresholds: Mapping[str, float]) -> list[KpiBreach]:
    """Every figure past its threshold (a figure with no data this week breaches nothing)."""
    values = {
        "csat_pct_min": total.csat_pct,
        "fcr_pct_min": total.fcr_pct,
        "deflection_pct_min": total.deflection_pct,
        "frt_p90_hours_max": total.frt_p90.total_seconds() / 3600 if total.frt_p90 else None,
        "art_p90_hours_max": total.art_p90.total_seconds() / 3600 if total.art_p90 else None,
        "backlog_max": float(total.backlog),
        "nps_min": score.score if score else None,
    }
    found = []
    for kpi, threshold in thresholds.items():
        value = values.get(kpi)
        if value is None:
            continue
        if (kpi.endswith("_min") and value < threshold) or (kpi.endswith("_max") and value > threshold):
            found.append(KpiBreach(kpi, round(float(value), 1), float(threshold)))
    return found
