"""SLA policy: targets per channel, scaled by priority and category, on a business calendar.

The policy is configuration (config/sla_policy.json), versioned; a change recomputes open tickets'
due times from their stored history (zwrotnica.domain.sla.clocks is a pure function of both).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from zwrotnica.domain.business_calendar import BusinessCalendar
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
METRICS = ("first_reply", "next_reply", "resolution")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration like 24h, 60s, 5m, 2d: {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Targets:
    first_reply: timedelta
    next_reply: timedelta
    resolution: timedelta
    business_hours: bool

    def of(self, metric: str) -> timedelta:
        return getattr(self, metric)


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
                parse_duration(targets[channel.value][metric])
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
        row = self.targets[channel.value]
        factor = self.priority_factor[priority.value] * self.category_factor.get(category.value, 1.0)
        return Targets(
            *(parse_duration(row[m]) * factor for m in METRICS), business_hours=bool(row["business_hours"])
        )

    def calendar_for(self, targets: Targets) -> BusinessCalendar:
        return self.calendar if targets.business_hours else BusinessCalendar.always_open(self.calendar.tz)


@lru_cache(maxsize=1)
def default_policy() -> SlaPolicy:
    text = resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text(encoding="utf-8")
    return SlaPolicy.from_config(json.loads(text))
