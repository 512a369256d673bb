"""Polish statutory holidays: expected values are copied from polish-law.md section 3, not computed."""

from datetime import date

import pytest

from zwrotnica.domain.holidays import (
    easter_sunday,
    is_public_holiday,
    is_statutory_day_off,
    polish_public_holidays,
)

EXPECTED: dict[int, dict[date, str]] = {
    2025: {
        date(2025, 1, 1): "Nowy Rok",
        date(2025, 1, 6): "Święto Trzech Króli",
        date(2025, 4, 20): "Pierwszy dzień Wielkiej Nocy",
        date(2025, 4, 21): "Drugi dzień Wielkiej Nocy",
        date(2025, 5, 1): "Święto Państwowe",
        date(2025, 5, 3): "Święto Narodowe Trzeciego Maja",
        date(2025, 6, 8): "Pierwszy dzień Zielonych Świątek",
        date(2025, 6, 19): "Dzień Bożego Ciała",
        date(2025, 8, 15): "Wniebowzięcie Najświętszej Maryi Panny",
        date(2025, 11, 1): "Wszystkich Świętych",
        date(2025, 11, 11): "Narodowe Święto Niepodległości",
        date(2025, 12, 24): "Wigilia Bożego Narodzenia",
        date(2025, 12, 25): "Pierwszy dzień Bożego Narodzenia",
        date(2025, 12, 26): "Drugi dzień Bożego Narodzenia",
    },
    2026: {
        date(2026, 1, 1): "Nowy Rok",
        date(2026, 1, 6): "Święto Trzech Króli",
        date(2026, 4, 5): "Pierwszy dzień Wielkiej Nocy",
        date(2026, 4, 6): "Drugi dzień Wielkiej Nocy",
        date(2026, 5, 1): "Święto Państwowe",
        date(2026, 5, 3): "Święto Narodowe Trzeciego Maja",
        date(2026, 5, 24): "Pierwszy dzień Zielonych Świątek",
        date(2026, 6, 4): "Dzień Bożego Ciała",
        date(2026, 8, 15): "Wniebowzięcie Najświętszej Maryi Panny",
        date(2026, 11, 1): "Wszystkich Świętych",
        date(2026, 11, 11): "Narodowe Święto Niepodległości",
        date(2026, 12, 24): "Wigilia Bożego Narodzenia",
        date(2026, 12, 25): "Pierwszy dzień Bożego Narodzenia",
        date(2026, 12, 26): "Drugi dzień Bożego Narodzenia",
    },
    2027: {
        date(2027, 1, 1): "Nowy Rok",
        date(2027, 1, 6): "Święto Trzech Króli",
        date(2027, 3, 28): "Pierwszy dzień Wielkiej Nocy",
        date(2027, 3, 29): "Drugi dzień Wielkiej Nocy",
        date(2027, 5, 1): "Święto Państwowe",
        date(2027, 5, 3): "Święto Narodowe Trzeciego Maja",
        date(2027, 5, 16): "Pierwszy dzień Zielonych Świątek",
        date(2027, 5, 27): "Dzień Bożego Ciała",
        date(2027, 8, 15): "Wniebowzięcie Najświętszej Maryi Panny",
        date(2027, 11, 1): "Wszystkich Świętych",
        date(2027, 11, 11): "Narodowe Święto Niepodległości",
        date(2027, 12, 24): "Wigilia Bożego Narodzenia",
        date(2027, 12, 25): "Pierwszy dzień Bożego Narodzenia",
        date(2027, 12, 26): "Drugi dzień Bożego Narodzenia",
    },
}

ALL_EXPECTED = [(day, name) for year in EXPECTED.values() for day, name in year.items()]


@pytest.mark.parametrize(("day", "name"), ALL_EXPECTED, ids=[d.isoformat() for d, _ in ALL_EXPECTED])
def test_every_holiday_of_2025_to_2027_is_listed_with_its_polish_name(day: date, name: str) -> None:
    # When
    holidays = polish_public_holidays(day.year)

    # Then
    assert holidays.get(day) == name
    assert is_public_holiday(day)


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_the_year_has_exactly_the_fourteen_statutory_holidays(year: int) -> None:
    assert polish_public_holidays(year) == EXPECTED[year]
    assert list(polish_public_holidays(year)) == sorted(EXPECTED[year])


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),  # latest possible date
        (2285, date(2285, 3, 22)),  # earliest possible date
    ],
)
def test_easter_sunday_matches_published_dates(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize("year", range(2020, 2061))
def test_pentecost_is_a_sunday_and_corpus_christi_a_thursday(year: int) -> None:
    # Given
    by_name = {name: day for day, name in polish_public_holidays(year).items()}

    # Then
    assert by_name["Pierwszy dzień Zielonych Świątek"].weekday() == 6
    assert by_name["Dzień Bożego Ciała"].weekday() == 3
    assert by_name["Drugi dzień Wielkiej Nocy"].weekday() == 0


@pytest.mark.parametrize(
    ("year", "present"), [(2023, False), (2024, False), (2025, True), (2026, True), (2030, True)]
)
def test_wigilia_is_a_day_off_only_from_2025(year: int, present: bool) -> None:
    assert is_public_holiday(date(year, 12, 24)) is present
    assert len(polish_public_holidays(year)) == (14 if present else 13)


def test_three_kings_day_is_a_holiday_only_from_2011() -> None:
    assert not is_public_holiday(date(2010, 1, 6))
    assert is_public_holiday(date(2011, 1, 6))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # Friday after New Year
        date(2026, 4, 7),  # Tuesday after Easter (only proposed, not law)
        date(2026, 6, 5),  # Friday after Corpus Christi (only proposed, not law)
        date(2026, 12, 27),  # a Sunday: a day off, but not a holiday
        date(2026, 12, 31),  # Sylwester
        date(2026, 5, 2),  # Saturday between 1 and 3 May
    ],
)
def test_ordinary_days_are_not_public_holidays(day: date) -> None:
    assert not is_public_holiday(day)


@pytest.mark.parametrize(
    ("day", "day_off"),
    [
        (date(2026, 12, 27), True),  # Sunday, art. 1 pkt 2
        (date(2026, 8, 15), True),  # holiday on a Saturday
        (date(2026, 8, 22), False),  # plain Saturday: not a statutory day off
        (date(2026, 8, 17), False),  # plain Monday
        (date(2027, 5, 3), True),  # holiday on a Monday
    ],
)
def test_statutory_day_off_is_sundays_plus_holidays(day: date, day_off: bool) -> None:
    assert is_statutory_day_off(day) is day_off


def test_returned_dict_is_a_copy_so_callers_cannot_corrupt_the_cache() -> None:
    # Given
    first = polish_public_holidays(2026)

    # When
    first.clear()

    # Then
    assert len(polish_public_holidays(2026)) == 14
    assert is_public_holiday(date(2026, 4, 5))


def test_years_before_the_gregorian_calendar_are_rejected() -> None:
    with pytest.raises(ValueError, match="1583"):
        easter_sunday(1500)
