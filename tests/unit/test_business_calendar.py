"""SLA business calendar: expected instants are written out by hand (local wall time or explicit UTC)."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.domain.business_calendar import BusinessCalendar
from zwrotnica.domain.holidays import polish_public_holidays

WAW = ZoneInfo("Europe/Warsaw")
OFFICE = BusinessCalendar()
H = timedelta(hours=1)


def waw(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WAW)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        (waw(2026, 3, 2, 9), 2 * H, waw(2026, 3, 2, 11)),  # inside one working day
        (waw(2026, 3, 2, 8), 8 * H, waw(2026, 3, 2, 16)),  # ends exactly at closing: not next morning
        (waw(2026, 3, 2, 15), 2 * H, waw(2026, 3, 3, 9)),  # overflows into Tuesday
        (waw(2026, 3, 2, 6), 1 * H, waw(2026, 3, 2, 9)),  # opened before opening time
        (waw(2026, 1, 9, 20), 8 * H, waw(2026, 1, 12, 16)),  # Friday 20:00 ticket
        (waw(2026, 3, 7, 11), timedelta(minutes=30), waw(2026, 3, 9, 8, 30)),  # opened on Saturday
        (waw(2026, 4, 30, 12), 8 * H, waw(2026, 5, 4, 12)),  # 1 May Fri, weekend with 3 May
        (waw(2027, 4, 30, 12), 8 * H, waw(2027, 5, 4, 12)),  # 1 May Sat, 3 May Mon
        (waw(2026, 4, 3, 12), 8 * H, waw(2026, 4, 7, 12)),  # Easter Monday closed
        (waw(2026, 6, 3, 12), 8 * H, waw(2026, 6, 5, 12)),  # Corpus Christi (Thu) closed
        (waw(2026, 12, 23, 12), 8 * H, waw(2026, 12, 28, 12)),  # 24-27 Dec closed
        (waw(2025, 12, 23, 10), 16 * H, waw(2025, 12, 30, 10)),  # spans Christmas 2025 (Wed-Sun)
        (waw(2024, 12, 23, 12), 8 * H, waw(2024, 12, 24, 12)),  # 24 Dec 2024 was a working day
        (waw(2026, 1, 9, 20), timedelta(0), waw(2026, 1, 9, 20)),  # zero duration: no move
    ],
)
def test_add_business_time(start: datetime, duration: timedelta, due: datetime) -> None:
    # When
    result = OFFICE.add_business_time(start, duration)

    # Then: same instant and same wall-clock reading in Warsaw
    assert result == due
    assert result.replace(tzinfo=None) == due.replace(tzinfo=None)
    assert result.tzinfo == WAW


def test_extra_closed_days_are_skipped() -> None:
    # Given: the shop closes on New Year's Eve 2026
    calendar = BusinessCalendar(closed_days=frozenset({date(2026, 12, 31)}))

    # When: 8 h from Wednesday noon (31 Dec closed, 1 Jan holiday, then a weekend)
    due = calendar.add_business_time(waw(2026, 12, 30, 12), 8 * H)

    # Then
    assert due == waw(2027, 1, 4, 12)
    assert OFFICE.add_business_time(waw(2026, 12, 30, 12), 8 * H) == waw(2026, 12, 31, 12)


@pytest.mark.parametrize(
    ("start", "duration", "due_utc"),
    [
        # Spring forward on Sunday 29 Mar 2026: Friday 15:00 CET + 2 h -> Monday 09:00 CEST = 07:00 UTC.
        (waw(2026, 3, 27, 15), 2 * H, utc(2026, 3, 30, 7)),
        # Fall back on Sunday 25 Oct 2026: Friday 15:00 CEST + 2 h -> Monday 09:00 CET = 08:00 UTC.
        (waw(2026, 10, 23, 15), 2 * H, utc(2026, 10, 26, 8)),
        # Same across the 2027 changes (28 Mar = Easter, so Monday 29 Mar is closed; 31 Oct, then 1 Nov).
        (waw(2027, 3, 26, 12), 8 * H, utc(2027, 3, 30, 10)),
        (waw(2027, 10, 29, 12), 8 * H, utc(2027, 11, 2, 11)),
    ],
)
def test_business_time_follows_local_wall_time_across_dst(
    start: datetime, duration: timedelta, due_utc: datetime
) -> None:
    assert OFFICE.add_business_time(start, duration) == due_utc


NIGHT_SUNDAYS = BusinessCalendar(hours=(None,) * 6 + ((time(0), time(6)),))


@pytest.mark.parametrize(
    ("month", "day", "real_hours"),
    [
        (3, 29, 5),  # 00:00-06:00 wall time lasts 5 real hours on spring-forward night
        (10, 25, 7),  # and 7 real hours on fall-back night
        (4, 12, 6),  # an ordinary Sunday
    ],
)
def test_a_window_containing_the_dst_jump_counts_real_elapsed_time(
    month: int, day: int, real_hours: int
) -> None:
    # When
    measured = NIGHT_SUNDAYS.business_time_between(waw(2026, month, day), waw(2026, month, day, 12))

    # Then
    assert measured == real_hours * H


def test_dst_nights_cancel_out_over_a_year_and_holiday_sundays_stay_closed() -> None:
    # Given: 52 Sundays in 2026, of which Easter, 3 May, Pentecost and 1 Nov are holidays
    # When
    year = NIGHT_SUNDAYS.business_time_between(waw(2026, 1, 1), waw(2027, 1, 1))

    # Then: 48 nights x 6 h (one 5 h and one 7 h night)
    assert year == 48 * 6 * H


def test_add_inside_the_spring_forward_window() -> None:
    # Given: Sunday 29 Mar 2026 opens 00:00 CET (= Sat 23:00 UTC); clocks jump 02:00 -> 03:00
    # When
    due = NIGHT_SUNDAYS.add_business_time(waw(2026, 3, 28, 20), 4 * H)

    # Then: 4 real hours later is 03:00 UTC, which reads 05:00 CEST
    assert due == utc(2026, 3, 29, 3)
    assert (due.hour, due.utcoffset()) == (5, 2 * H)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (waw(2026, 3, 2, 8), True),  # opening instant is open
        (datetime(2026, 3, 2, 7, 59, 59, 999999, tzinfo=WAW), False),
        (waw(2026, 3, 2, 15, 59), True),
        (waw(2026, 3, 2, 16), False),  # closing instant is closed
        (waw(2026, 3, 7, 10), False),  # Saturday
        (waw(2026, 5, 1, 10), False),  # Święto Państwowe
        (waw(2025, 12, 24, 10), False),  # Wigilia from 2025
        (waw(2024, 12, 24, 10), True),  # ... but not in 2024
        (utc(2026, 7, 1, 6), True),  # 08:00 CEST
        (utc(2026, 7, 1, 14, 30), False),  # 16:30 CEST
        (utc(2026, 1, 5, 7, 30), True),  # 08:30 CET
        (utc(2026, 1, 5, 6, 30), False),  # 07:30 CET
    ],
)
def test_is_open(at: datetime, expected: bool) -> None:
    assert OFFICE.is_open(at) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (waw(2026, 3, 2, 9), waw(2026, 3, 2, 11, 30), timedelta(hours=2, minutes=30)),
        (waw(2026, 1, 9, 15), waw(2026, 1, 12, 9), 2 * H),  # over a weekend
        (waw(2026, 3, 27, 8), waw(2026, 3, 30, 16), 16 * H),  # over the spring-forward weekend
        (waw(2025, 12, 23, 10), waw(2025, 12, 30, 10), 16 * H),  # over Christmas 2025
        (waw(2026, 3, 7, 1), waw(2026, 3, 8, 23), timedelta(0)),  # whole weekend
        (waw(2026, 3, 2, 11), waw(2026, 3, 2, 9), -2 * H),  # reversed: negative (time overdue)
        (utc(2026, 7, 1, 5), utc(2026, 7, 1, 7), H),  # UTC inputs: 07:00-09:00 CEST
    ],
)
def test_business_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert OFFICE.business_time_between(start, end) == expected


def _random_instant(rng: random.Random) -> datetime:
    seconds = rng.randrange(int((utc(2028, 1, 1) - utc(2025, 1, 1)).total_seconds()))
    return utc(2025, 1, 1) + timedelta(seconds=seconds)


def test_add_and_between_are_inverse_for_seeded_random_starts() -> None:
    rng = random.Random(1234)
    for _ in range(300):
        # Given
        start = _random_instant(rng).astimezone(rng.choice([UTC, WAW]))
        duration = timedelta(minutes=rng.randrange(1, 30 * 8 * 60), seconds=rng.randrange(60))

        # When
        due = OFFICE.add_business_time(start, duration)

        # Then: the due instant is in (or closes) a window, and exactly `duration` of business time away
        assert due > start
        assert OFFICE.is_open(due - timedelta(microseconds=1)), (start, duration, due)
        assert OFFICE.business_time_between(start, due) == duration, (start, duration, due)
        assert OFFICE.business_time_between(due, start) == -duration


def _reference_is_open(instant: datetime) -> bool:
    """Independent oracle: Mon-Fri 08:00-16:00 Warsaw wall time, except public holidays."""
    local = instant.astimezone(WAW)
    working_day = local.weekday() < 5 and local.date() not in polish_public_holidays(local.year)
    return working_day and 8 <= local.hour < 16


def test_between_matches_a_brute_force_minute_count() -> None:
    # Given: an oracle that checks every minute (fine in a test, never in the module)
    rng = random.Random(1234)
    for _ in range(25):
        start = _random_instant(rng).replace(second=0)
        end = start + timedelta(minutes=rng.randrange(1, 4 * 24 * 60))
        minutes = (end - start) // timedelta(minutes=1)
        expected = sum(_reference_is_open(start + timedelta(minutes=i)) for i in range(minutes))

        # When / Then
        assert OFFICE.business_time_between(start, end) == timedelta(minutes=expected), (start, end)
        assert [OFFICE.is_open(start + i * H) for i in range(24)] == [
            _reference_is_open(start + i * H) for i in range(24)
        ]


def test_thirty_days_of_business_time_is_computed_without_per_minute_steps(monkeypatch) -> None:
    # Given: 30 x 24 h of office time is about 126 calendar days; count the opening windows it walks
    start = waw(2026, 1, 2, 20)
    walked: list[tuple[datetime, datetime]] = []
    windows = BusinessCalendar._windows_from

    def counted(self, cursor):
        for window in windows(self, cursor):
            walked.append(window)
            yield window

    monkeypatch.setattr(BusinessCalendar, "_windows_from", counted)

    # When
    due = OFFICE.add_business_time(start, timedelta(days=30))

    # Then: 90 working days of 8 h: Jan 19 (6 Jan off), Feb 20, Mar 22, Apr 21 (Easter Monday off), then
    # 1 May off and 4-13 May. One step per working day (90), where a per-minute loop would take ~180,000.
    assert due == waw(2026, 5, 13, 16)
    assert len(walked) == 90


@pytest.mark.parametrize(
    ("start", "duration", "due_utc"),
    [
        (waw(2026, 3, 28, 12), 24 * H, utc(2026, 3, 29, 11)),  # 13:00 CEST, not 12:00
        (waw(2026, 10, 24, 12), 24 * H, utc(2026, 10, 25, 10)),  # 11:00 CET, not 12:00
        (waw(2026, 12, 23, 12), timedelta(days=3), utc(2026, 12, 26, 11)),  # holidays do not stop the clock
    ],
)
def test_always_open_is_plain_utc_arithmetic(start: datetime, duration: timedelta, due_utc: datetime) -> None:
    # Given
    calendar = BusinessCalendar.always_open()

    # When / Then
    assert calendar.add_business_time(start, duration) == due_utc
    assert calendar.business_time_between(start, due_utc) == duration
    assert calendar.is_open(waw(2026, 12, 25, 3))


def test_always_open_between_counts_the_real_length_of_a_dst_day() -> None:
    calendar = BusinessCalendar.always_open()
    assert calendar.business_time_between(waw(2026, 3, 28, 12), waw(2026, 3, 29, 12)) == 23 * H
    assert calendar.business_time_between(waw(2026, 10, 24, 12), waw(2026, 10, 25, 12)) == 25 * H


def test_from_config_builds_the_described_calendar() -> None:
    # Given
    config = {
        "tz": "Europe/Warsaw",
        "hours": {
            "mon": ["08:00", "16:00"],
            "tue": ["08:00", "16:00"],
            "wed": ["08:00", "16:00"],
            "thu": ["08:00", "16:00"],
            "fri": ["09:30", "15:00"],
            "sat": None,
        },
        "closed_days": ["2026-12-31"],
    }

    # When
    calendar = BusinessCalendar.from_config(config)

    # Then
    assert calendar.hours[4] == (time(9, 30), time(15))
    assert calendar.hours[5] is None and calendar.hours[6] is None
    assert calendar.closed_days == frozenset({date(2026, 12, 31)})
    assert calendar.add_business_time(waw(2026, 1, 9, 14), 2 * H) == waw(2026, 1, 12, 9)


def test_from_config_defaults_and_always_open() -> None:
    assert BusinessCalendar.from_config({}) == OFFICE
    always = BusinessCalendar.from_config({"tz": "UTC", "always_open": True})
    assert always.is_open(utc(2026, 12, 25, 3))
    assert always.add_business_time(utc(2026, 1, 1), H).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (["mon"], "mapping"),
        ({"timezone": "Europe/Warsaw"}, "unknown calendar config keys"),
        ({"tz": "Europe/Nowhere"}, "unknown time zone"),
        ({"tz": 1}, "tz must be a string"),
        ({"hours": ["08:00", "16:00"]}, "hours must be a mapping"),
        ({"hours": {"monday": ["08:00", "16:00"]}}, "unknown weekdays"),
        ({"hours": {"mon": "08:00-16:00"}}, "must be"),
        ({"hours": {"mon": ["08:00", "12:00", "16:00"]}}, "must be"),
        ({"hours": {"mon": ["8:00", "16:00"]}}, "HH:MM"),
        ({"hours": {"mon": ["08:00", "24:00"]}}, "HH:MM"),
        ({"hours": {"mon": ["16:00", "08:00"]}}, "before"),
        ({"hours": {"mon": ["08:00", "08:00"]}}, "before"),
        ({"hours": {"sat": None}}, "at least one weekday"),
        ({"closed_days": "2026-12-31"}, "closed_days must be a list"),
        ({"closed_days": ["31.12.2026"]}, "YYYY-MM-DD"),
        ({"closed_days": ["20261231"]}, "YYYY-MM-DD"),
        ({"closed_days": ["2026-02-30"]}, "YYYY-MM-DD"),
        ({"always_open": "yes"}, "true or false"),
        ({"always_open": True, "hours": {}}, "excludes"),
    ],
)
def test_bad_config_raises_a_clear_value_error(config, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_config(config)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: OFFICE.is_open(datetime(2026, 3, 2, 9)), "timezone-aware"),
        (lambda: OFFICE.add_business_time(datetime(2026, 3, 2, 9), H), "timezone-aware"),
        (lambda: OFFICE.business_time_between(waw(2026, 3, 2), datetime(2026, 3, 3)), "timezone-aware"),
        (lambda: OFFICE.add_business_time(waw(2026, 3, 2, 9), -H), "negative"),
        (lambda: BusinessCalendar(hours=(None,) * 6), "7 entries"),
        (lambda: BusinessCalendar(hours=((time(16), time(8)),) + (None,) * 6), "start < end"),
        (lambda: BusinessCalendar(closed_days=frozenset({datetime(2026, 1, 2)})), "dates only"),
    ],
)
def test_bad_arguments_raise_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
