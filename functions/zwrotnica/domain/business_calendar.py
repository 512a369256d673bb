"""SLA business calendar: weekly opening hours in a time zone, minus public holidays and extra closed days.

Opening hours are local wall-clock times; each day's window is converted to an absolute instant, so business
time is real elapsed time and DST changes are handled by zoneinfo (a wall time that does not exist on the
spring-forward day is read with the pre-transition offset; an ambiguous one as its first occurrence). The
engine steps one calendar day at a time, never per minute. Pauses (e.g. "waiting for customer") are not a
calendar concern: callers subtract paused intervals themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zwrotnica.domain.holidays import is_public_holiday

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OFFICE = (time(8), time(16))
DEFAULT_HOURS: tuple[tuple[time, time] | None, ...] = (_OFFICE,) * 5 + (None, None)
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly hours (index 0 = Monday, ``None`` = closed) in ``tz``; holidays and ``closed_days`` closed.

    ``calendar_hours=True`` (see :meth:`always_open`) makes every instant open: plain UTC arithmetic.
    """

    tz: str = "Europe/Warsaw"
    hours: tuple[tuple[time, time] | None, ...] = DEFAULT_HOURS
    closed_days: frozenset[date] = frozenset()
    calendar_hours: bool = False
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "zone", ZoneInfo(self.tz))
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        object.__setattr__(self, "hours", tuple(self.hours))
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        if any(isinstance(d, datetime) or not isinstance(d, date) for d in self.closed_days):
            raise ValueError("closed_days must contain dates only")
        if len(self.hours) != 7:
            raise ValueError(f"hours needs 7 entries (Monday..Sunday), got {len(self.hours)}")
        for name, window in zip(WEEKDAYS, self.hours, strict=True):
            if window is not None and not _valid_window(window):
                raise ValueError(f"{name}: want (start, end) naive times with start < end, not {window!r}")
        if not self.calendar_hours and all(w is None for w in self.hours):
            raise ValueError("at least one weekday must have opening hours")

    @classmethod
    def always_open(cls, tz: str = "Europe/Warsaw") -> BusinessCalendar:
        """24x7 calendar-hours mode: business time equals elapsed real time; results are shown in ``tz``."""
        return cls(tz=tz, calendar_hours=True)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BusinessCalendar:
        """Build from a plain dict, e.g. ``{"tz": "Europe/Warsaw", "hours": {"mon": ["08:00", "16:00"],
        "sat": None}, "closed_days": ["2026-12-31"]}``. With ``hours`` given, unlisted weekdays are closed;
        without it, Monday-Friday 08:00-16:00. ``{"always_open": true}`` selects 24x7. Raises ValueError.
        """
        if not isinstance(config, Mapping):
            raise ValueError(f"calendar config must be a mapping, got {type(config).__name__}")
        unknown = set(config) - {"tz", "hours", "closed_days", "always_open"}
        if unknown:
            raise ValueError(f"unknown calendar config keys: {sorted(unknown)}")
        tz = config.get("tz", "Europe/Warsaw")
        if not isinstance(tz, str):
            raise ValueError(f"tz must be a string, got {tz!r}")
        always = config.get("always_open", False)
        if not isinstance(always, bool):
            raise ValueError(f"always_open must be true or false, got {always!r}")
        if always:
            if "hours" in config or "closed_days" in config:
                raise ValueError("always_open excludes hours and closed_days")
            return cls.always_open(tz)
        hours = _parse_hours(config["hours"]) if "hours" in config else DEFAULT_HOURS
        return cls(tz=tz, hours=hours, closed_days=_parse_dates(config.get("closed_days", [])))

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening window of local ``day`` as naive UTC datetimes, or None if closed."""
        window = self.hours[day.weekday()]
        if window is None or day in self.closed_days or is_public_holiday(day):
            return None
        start = _naive_utc(datetime.combine(day, window[0]), self.zone)
        end = _naive_utc(datetime.combine(day, window[1]), self.zone)
        return (start, end) if start < end else None

    def _windows_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = self._local(instant).date()
        while True:
            window = self._window(day)
            if window is not None and window[1] > instant:
                yield window
            day += _DAY

    def _local(self, instant: datetime) -> datetime:
        return instant.replace(tzinfo=UTC).astimezone(self.zone)

    def is_open(self, at: datetime) -> bool:
        """True if ``at`` is inside an opening window (start inclusive, end exclusive)."""
        instant = _utc(at, "at")
        if self.calendar_hours:
            return True
        window = self._window(self._local(instant).date())
        return window is not None and window[0] <= instant < window[1]

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Instant at which ``duration`` of business time after ``start`` has elapsed (in the calendar's tz).

        A zero duration returns ``start``; a positive one that ends exactly at closing returns the closing
        time (Friday 20:00 + 8 h -> Monday 16:00), not the next opening.
        """
        cursor = _utc(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if self.calendar_hours or not duration:
            return self._local(cursor + duration)
        remaining = duration
        for open_at, close_at in self._windows_from(cursor):
            begin = max(cursor, open_at)
            if remaining <= close_at - begin:
                return self._local(begin + remaining)
            remaining -= close_at - begin
        raise AssertionError("unreachable: the window generator is infinite")  # pragma: no cover

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end``; negative if ``end`` is earlier (e.g. time overdue)."""
        a, b = _utc(start, "start"), _utc(end, "end")
        if b < a:
            return -self.business_time_between(end, start)
        if self.calendar_hours:
            return b - a
        total = timedelta(0)
        for open_at, close_at in self._windows_from(a):
            if open_at >= b:
                break
            total += min(close_at, b) - max(open_at, a)
        return total


def _utc(value: datetime, name: str) -> datetime:
    """Aware datetime -> naive UTC (the internal representation: cheap, and immune to same-tzinfo
    subtraction, which Python does in wall time)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC).replace(tzinfo=None)


def _valid_window(window: object) -> bool:
    return (
        isinstance(window, tuple)
        and len(window) == 2
        and all(isinstance(t, time) and t.tzinfo is None for t in window)
        and window[0] < window[1]
    )


def _naive_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Local wall time -> naive UTC; zoneinfo picks the offset (fold=0 for gaps and repeated hours)."""
    offset = zone.utcoffset(wall)
    assert offset is not None
    return wall - offset


def _parse_hours(raw: object) -> tuple[tuple[time, time] | None, ...]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"hours must be a mapping of weekday -> [start, end] or null, got {raw!r}")
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekdays in hours: {sorted(map(str, unknown))}; use {list(WEEKDAYS)}")
    parsed: list[tuple[time, time] | None] = []
    for name in WEEKDAYS:
        window = raw.get(name)
        if window is None:
            parsed.append(None)
            continue
        if not isinstance(window, list | tuple) or len(window) != 2:
            raise ValueError(f'hours.{name} must be ["HH:MM", "HH:MM"] or null, got {window!r}')
        start, end = (_parse_time(value, name) for value in window)
        if not start < end:
            raise ValueError(f"hours.{name}: start {window[0]} must be before end {window[1]}")
        parsed.append((start, end))
    return tuple(parsed)


def _parse_time(value: object, weekday: str) -> time:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"hours.{weekday}: {value!r} is not a 24-hour HH:MM time")
    return time(int(match[1]), int(match[2]))


def _parse_dates(raw: object) -> frozenset[date]:
    if not isinstance(raw, list | tuple):
        raise ValueError(f"closed_days must be a list of YYYY-MM-DD strings, got {raw!r}")
    days = set()
    for value in raw:
        try:
            if not (isinstance(value, str) and _YMD.fullmatch(value)):
                raise ValueError("not in YYYY-MM-DD form")
            days.add(date.fromisoformat(value))
        except ValueError as exc:
            raise ValueError(f"closed_days: {value!r} is not a valid YYYY-MM-DD date") from exc
    return frozenset(days)
