"""SLA policy: targets per channel and metric, scaled by priority and category, each on the clock it
names: "calendar" hours (what a customer reads as "within 24 hours": nights and weekends count) or
"business" hours (the team's opening hours, holidays excepted).

The policy is configuration (config/sla_policy.json), versioned; a change recomputes open tickets'
due times from their stored history (zwrotnica.domain.sla.clocks is a pure function of both). A target
is written with its clock ("24h calendar", "8h business"): there is no default to misread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from zwrotnica.domain.business_calendar import BusinessCalendar
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority

_DURATION = re.compile(r"^(\d+)([smhd])$")
CLOCKS = ("calendar", "business")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
METRICS = ("first_reply", "next_reply", "resolution")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration like 24h, 60s, 5m, 2d: {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_target(text: str) -> tuple[timedelta, bool]:
    """`"24h calendar"` -> (24 h, False), `"8h business"` -> (8 h, True): the duration and whether it
    counts business hours only. The clock must be named."""
    duration, _, clock = str(text).strip().partition(" ")
    if clock.strip() not in CLOCKS:
        raise ValueError(f"a target names its clock, e.g. '24h calendar' or '8h business': {text!r}")
    return parse_duration(duration), clock.strip() == "business"


@dataclass(frozen=True)
class Targets:
    first_reply: timedelta
    next_reply: timedelta
    resolution: timedelta
    business: frozenset[str] = frozenset()  # the metrics counted in business hours; the rest: calendar

    def of(self, metric: str) -> timedelta:
        return getattr(self, metric)

    def business_hours(self, metric: str) -> bool:
        return metric in self.business


@dataclass(frozen=True)
class SlaPolicy:
    version: str
    calendar: BusinessCalendar
    targets: dict[str, dict[str, Any]]
    priority_factor: dict[str, float]
    category_factor: dict[str, float]
    escalation: dict[str, float]
    complaint_answer_days: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SlaPolicy:
        targets = config["targets"]
        for channel in TicketChannel:
            if channel.value not in targets:
                raise ValueError(f"no SLA targets for channel {channel.value}")
            for metric in METRICS:
                parse_target(targets[channel.value][metric])
        return cls(
            version=str(config["version"]),
            calendar=BusinessCalendar.from_config(config["calendar"]),
            targets=targets,
            priority_factor={p.value: float(config["priority_factor"][p.value]) for p in TicketPriority},
            category_factor={k: float(v) for k, v in config.get("category_factor", {}).items()},
            escalation={k: float(v) for k, v in config["escalation"].items()},
            complaint_answer_days=int(config["legal"]["complaint_answer_days"]),
        )

    def targets_for(
        self, channel: TicketChannel, category: TicketCategory, priority: TicketPriority
    ) -> Targets:
        row = {m: parse_target(self.targets[channel.value][m]) for m in METRICS}
        factor = self.priority_factor[priority.value] * self.category_factor.get(category.value, 1.0)
        return Targets(
            *(row[m][0] * factor for m in METRICS),
            business=frozenset(m for m in METRICS if row[m][1]),
        )

    def calendar_for(self, targets: Targets, metric: str = "first_reply") -> BusinessCalendar:
        """The clock one metric counts on: the business calendar, or every hour of the day."""
        if targets.business_hours(metric):
            return self.calendar
        return BusinessCalendar.always_open(self.calendar.tz)

    def calendars(self, targets: Targets) -> dict[str, BusinessCalendar]:
        return {metric: self.calendar_for(targets, metric) for metric in METRICS}

    def due(self, targets: Targets, metric: str, start: datetime) -> datetime:
        """When `metric`'s target falls due for a clock started at `start` with no pause: the promise
        a customer can be shown."""
        return self.calendar_for(targets, metric).add_business_time(start, targets.of(metric))


@lru_cache(maxsize=1)
def default_policy() -> SlaPolicy:
    text = resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text(encoding="utf-8")
    return SlaPolicy.from_config(json.loads(text))
