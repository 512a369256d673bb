"""The weekly report: read the week's buckets, compute (domain.report), render in Polish, e-mail once."""

from __future__ import annotations

from datetime import datetime

from zwrotnica.domain import report, service_kpis
from zwrotnica.domain.weeks import previous_week, week_bounds, weeks_back
from zwrotnica.messages.report_templates import ReportEmail, kpi_alert, render
from zwrotnica.models.common import iso
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_settings
from zwrotnica.store import report as report_store

# Tickets solved (or near their legal deadline) in a week may have been opened up to this many weeks
# earlier; older ones are not read (a complaint's 14-day deadline is always inside this window).
LOOKBACK_WEEKS = 4


def build_weekly(week: str, now: datetime) -> report.WeeklyReport:
    """Figures for one week: 1 + LOOKBACK_WEEKS ticket queries, 1 message query, 1 query per order the
    week's tickets and messages name (its parcels and cases)."""
    start, end = week_bounds(week)
    tickets = report_store.tickets_opened(weeks_back(week, LOOKBACK_WEEKS))
    messages = report_store.messages_created(week)
    orders = {m["order_number"] for m in messages if m.get("order_number")}
    orders |= {
        t["order_number"]
        for t in tickets
        if t.get("order_number") and iso(start) <= t["created_at"] < iso(end)
    }
    shipments, cases = report_store.order_items(orders)
    nps = report_store.nps_scores(week)
    return report.build(week, start, end, tickets, messages, shipments, cases, as_of=now, nps_scores=nps)


def render_weekly(week: str, now: datetime) -> ReportEmail:
    return render(build_weekly(week, now), get_settings().shop_name)


def thresholds() -> dict[str, float]:
    """KPI_THRESHOLDS (JSON, e.g. {"csat_pct_min": 85, "frt_p90_hours_max": 12}) over the defaults."""
    import json

    raw = get_settings().kpi_thresholds
    given = json.loads(raw) if raw.strip() else {}
    return service_kpis.DEFAULT_THRESHOLDS | {str(k): float(v) for k, v in given.items()}


def alert_kpis(week_report: report.WeeklyReport, now: datetime) -> list[str]:
    """Alert the team (the team topic) of every KPI that fell past its threshold this week, once per
    breach: a KPI still past it next week says nothing new; one back within it is ready to alert again."""
    if week_report.kpis is None:
        return []
    limits = thresholds()
    found = {b.kpi: b for b in service_kpis.breaches(week_report.kpis, week_report.nps, limits)}
    new = [found[k] for k in limits if report_store.kpi_breached(k, k in found, week_report.week, now)]
    if new:
        subject, text = kpi_alert(week_report.week, new, get_settings().shop_name)
        sender.notify_team(subject, text)
        metrics.add_metric(name="KpiAlert", unit="Count", value=len(new))
        logger.info("kpi alert sent", extra={"week": week_report.week, "kpis": [b.kpi for b in new]})
    return [b.kpi for b in new]


def recipients() -> list[str]:
    return [a.strip() for a in get_settings().report_email.split(",") if a.strip()]


def send_weekly(now: datetime, week: str | None = None, to: list[str] | None = None) -> dict:
    """Send the last complete week's report (Monday 8:00 schedule). Once per week: a retried schedule,
    a second run or the CLI after it finds the week sent and sends nothing."""
    week = week or previous_week(now)
    to = to or recipients()
    if not to:
        logger.warning("weekly report not sent: REPORT_EMAIL is empty", extra={"week": week})
        return {"week": week, "sent": False, "reason": "no_recipients"}
    if not report_store.claim(week, now):
        logger.info("weekly report already sent or being sent", extra={"week": week})
        return {"week": week, "sent": False, "reason": "already_sent"}
    try:
        week_report = build_weekly(week, now)
        content = render(week_report, get_settings().shop_name)
        message_id = sender.send_report(
            to,
            content.subject,
            content.text,
            content.html,
            {content.filename: (content.csv, "text/csv; charset=utf-8")},
        )
    except Exception:
        report_store.finish(week, now, sent=False)  # the next run (schedule retry, CLI) may try again
        raise
    report_store.finish(week, now, sent=True, message_id=message_id)
    metrics.add_metric(name="WeeklyReportSent", unit="Count", value=1)
    logger.info("weekly report sent", extra={"week": week, "recipients": len(to)})
    try:
        alerted = alert_kpis(week_report, now)
    except (
        Exception
    ):  # the report went out; an alert that failed is logged, the next week's run decides again
        logger.exception("kpi alert failed", extra={"week": week})
        alerted = []
    return {"week": week, "sent": True, "message_id": message_id, "kpi_alerts": alerted}
