"""The weekly report's figures as plain values: what domain.report computes and the templates render."""

from __future__ import annotations

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
