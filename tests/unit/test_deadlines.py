"""Civil-law deadlines (KC art. 111 and 115): vectors from polish-law.md section 0 plus edge cases."""

from datetime import date

import pytest

from zwrotnica.domain.deadlines import (
    calendar_deadline,
    complaint_answer_deadline,
    is_within,
    refund_deadline,
    statutory_deadline,
    withdrawal_deadline,
)

# Printed in polish-law.md section 0: event day -> deadline of a 14-day term.
SPEC_VECTORS = [
    (date(2026, 12, 10), date(2026, 12, 28)),  # 24 Wigilia, 25, 26 (Sat), 27 (Sun)
    (date(2026, 3, 22), date(2026, 4, 7)),  # 5 Easter Sunday, 6 Easter Monday
    (date(2026, 8, 1), date(2026, 8, 17)),  # 15 is a Saturday and a holiday
    (date(2027, 12, 10), date(2027, 12, 27)),
    (date(2025, 12, 10), date(2025, 12, 29)),
    (date(2027, 5, 17), date(2027, 5, 31)),  # no shift
]


@pytest.mark.parametrize(("event_day", "deadline"), SPEC_VECTORS)
def test_spec_vectors_for_a_fourteen_day_term(event_day: date, deadline: date) -> None:
    assert statutory_deadline(event_day, 14) == deadline


@pytest.mark.parametrize(("possession_day", "deadline"), SPEC_VECTORS)
def test_withdrawal_deadline_uses_the_spec_vectors(possession_day: date, deadline: date) -> None:
    assert withdrawal_deadline(possession_day) == deadline


@pytest.mark.parametrize(
    ("event_day", "days", "deadline"),
    [
        # Event day not counted (art. 111): received 1 Sep, the term runs 2-15 Sep.
        (date(2026, 9, 1), 14, date(2026, 9, 15)),
        # Plain Saturday moves to Monday (art. 115, since 2017).
        (date(2025, 12, 20), 14, date(2026, 1, 5)),
        # Ends on Trzech Króli (Tuesday) -> Wednesday.
        (date(2025, 12, 23), 14, date(2026, 1, 7)),
        # 24 Dec 2024 was not a day off: no shift.
        (date(2024, 12, 10), 14, date(2024, 12, 24)),
        # Holidays inside the term count; only the end moves (Easter 2026 lies inside).
        (date(2026, 4, 1), 14, date(2026, 4, 15)),
        # One-day term: 1 May (Fri), 2 May (Sat), 3 May (Sun, holiday) -> Monday 4 May.
        (date(2026, 4, 30), 1, date(2026, 5, 4)),
        # Across a year end with New Year on a Friday and a weekend after it (2027).
        (date(2026, 12, 18), 14, date(2027, 1, 4)),
        # 30-day term ending on Corpus Christi 2027 (Thursday) -> Friday.
        (date(2027, 4, 27), 30, date(2027, 5, 28)),
    ],
)
def test_statutory_deadline_edge_cases(event_day: date, days: int, deadline: date) -> None:
    assert statutory_deadline(event_day, days) == deadline


@pytest.mark.parametrize(
    ("function", "event_day", "deadline"),
    [
        # The shop's own duties are plain 14 calendar days, even when day 14 is a holiday (§0 design note).
        (complaint_answer_deadline, date(2026, 12, 10), date(2026, 12, 24)),
        (complaint_answer_deadline, date(2026, 8, 1), date(2026, 8, 15)),
        (refund_deadline, date(2025, 12, 10), date(2025, 12, 24)),
        (refund_deadline, date(2026, 3, 22), date(2026, 4, 5)),
    ],
)
def test_shop_deadlines_never_use_the_art_115_extension(function, event_day: date, deadline: date) -> None:
    assert function(event_day) == deadline


def test_calendar_deadline_counts_from_the_day_after_the_event() -> None:
    assert calendar_deadline(date(2026, 2, 20), 14) == date(2026, 3, 6)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 12, 27), True),
        (date(2026, 12, 28), True),  # the whole last day is still in time
        (date(2026, 12, 29), False),
    ],
)
def test_is_within_includes_the_last_day(on: date, expected: bool) -> None:
    # Given: goods received 10 Dec 2026, the consumer may send the statement until 28 Dec
    deadline = withdrawal_deadline(date(2026, 12, 10))

    # When / Then
    assert is_within(deadline, on) is expected


@pytest.mark.parametrize("days", [0, -14, True, 14.0, "14"])
def test_non_positive_or_non_integer_terms_are_rejected(days) -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        statutory_deadline(date(2026, 1, 1), days)
