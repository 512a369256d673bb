"""The weekly report's figures as plain values: what domain.report computes and the templates render."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class GroupStats:
    key: str
    opened: int
    solved: int
    first_reply_median: timedelta | None
    first_reply_p90: timedelta | None
    resolution_median: timedelta | None
    resolution_p90: timedelta | None
    sla_met_pct: float | None
    breaches: int


@dataclass(frozen=True)
class Deflection:
    by_template: dict[str, int]
    proactive: int
    delivery_tickets: int

    @property
    def per_ticket(self) -> float | None:
        return round(self.proactive / self.delivery_tickets, 1) if self.delivery_tickets else None


@dataclass(frozen=True)
class CourierStats:
    carrier: str
    parcels: int
    delays: int
    exceptions: int

    @property
    def delays_per_100(self) -> float:
        return round(100 * self.delays / self.parcels, 1)

    @property
    def exceptions_per_100(self) -> float:
        return round(100 * self.exceptions / self.parcels, 1)


@dataclass(frozen=True)
class Returns:
    withdrawals: int
    complaints: int
    top_reasons: list[tuple[str, int]]


@dataclass(frozen=True)
class NearDeadline:
    ticket_id: str
    order_number: str | None
    deadline: datetime
    left: timedelta  # negative: overdue


@dataclass(frozen=True)
class ServiceKpis:
    """Issue 16's figures for one channel (or all): reply and resolution times, first contact
    resolution, the backlog at the week's end and its age, satisfaction and deflection."""

    key: str
    frt_mean: timedelta | None
    frt_median: timedelta | None
    frt_p90: timedelta | None
    art_mean: timedelta | None
    art_median: timedelta | None
    art_p90: timedelta | None
    fcr_pct: float | None  # solved in the week with one public reply and no new customer message
    backlog: int  # open at the week's end
    ageing: tuple[int, int, int, int]  # of the backlog: < 1 day, 1-3 days, 3-7 days, over 7 days
    csat_pct: float | None  # share of 4-5 among ratings given in the week
    csat_ratings: int
    deflection_pct: float | None  # customers' questions answered automatically and not re-opened
    deflected: int


@dataclass(frozen=True)
class Nps:
    responses: int
    promoters: int
    detractors: int

    @property
    def score(self) -> float | None:
        return round(100 * (self.promoters - self.detractors) / self.responses, 1) if self.responses else None


@dataclass(frozen=True)
class KpiBreach:
    kpi: str  # "csat_pct_min", "frt_p90_hours_max", ...
    value: float
    threshold: float


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: datetime
    end: datetime
    total: GroupStats
    by_channel: list[GroupStats]
    by_category: list[GroupStats]
    by_team: list[GroupStats]
    breached: list[str]
    deflection: Deflection
    couriers: list[CourierStats]
    returns: Returns
    near_deadline: list[NearDeadline]
    kpis: ServiceKpis | None = None  # issue 16: all channels
    kpis_by_channel: list[ServiceKpis] | None = None
    nps: Nps | None = None


# The one definition of each, for the weekly report and the service KPIs alike.
def median(values: Iterable[timedelta]) -> timedelta | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def p90(values: Iterable[timedelta]) -> timedelta | None:
    ordered = sorted(values)
    return ordered[(9 * len(ordered) + 9) // 10 - 1] if ordered else None  # ceil(0.9 n), in integers
