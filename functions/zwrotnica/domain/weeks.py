"""Report weeks: ISO weeks in Warsaw time (Monday 00:00 to Monday 00:00, DST-correct), as UTC bounds.

A week key (`2026-W48`) is written on tickets and outbox messages when they are created, so the weekly
report reads one index partition per week instead of scanning the table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def week_key(moment: datetime) -> str:
    """`2026-W48`: the ISO week of the moment's Warsaw date."""
    year, week, _ = moment.astimezone(WARSAW).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(key: str) -> tuple[datetime, datetime]:
    """[start, end) of a week key in UTC: Monday 00:00 Warsaw to the next Monday 00:00 Warsaw."""
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    start = datetime.combine(monday, time(0), tzinfo=WARSAW)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=WARSAW)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous_week(now: datetime) -> str:
    """The last complete week before `now` (what Monday's 8:00 report covers)."""
    return week_key(now.astimezone(WARSAW) - timedelta(days=7))


def weeks_back(key: str, count: int) -> list[str]:
    """`key` and the `count` weeks before it, newest first."""
    start, _ = week_bounds(key)
    return [week_key(start + timedelta(hours=12) - timedelta(weeks=n)) for n in range(count + 1)]
