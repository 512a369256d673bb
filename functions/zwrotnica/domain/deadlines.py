"""Civil-law deadline arithmetic (Kodeks cywilny art. 111 and 115), see polish-law.md section 0.

Two flavours:

* :func:`statutory_deadline` is the legal end of a term: the event day is not counted (KC art. 111 § 2),
  days off inside the term count, and only an end that falls on a statutory day off (Sunday or public
  holiday) or a Saturday moves to the next day that is neither (KC art. 115, Saturdays since 1 Jan 2017).
  Use it to judge whether the **consumer** acted in time (withdrawal).
* :func:`calendar_deadline` is the same count without the art. 115 extension. The fact sheet's design note
  says the shop's **own** duties (complaint answer, refund) should target it, never relying on art. 115.
"""

from __future__ import annotations

from datetime import date, timedelta

from zwrotnica.domain.holidays import is_statutory_day_off

CONSUMER_TERM_DAYS = 14


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"a term must be a positive whole number of days, got {days!r}")


def next_kc115_day(d: date) -> date:
    """Return ``d`` itself or the first later day that is neither a statutory day off nor a Saturday.

    KC art. 115: a term whose end falls on a day off or a Saturday ends on the following such day.
    """
    while d.weekday() == 5 or is_statutory_day_off(d):
        d += timedelta(days=1)
    return d


def calendar_deadline(event_day: date, days: int) -> date:
    """Last day of a ``days``-day term starting with ``event_day``, without the art. 115 shift.

    KC art. 111 § 2: the event day is not counted, so the term ends ``days`` calendar days later.
    """
    _check_days(days)
    return event_day + timedelta(days=days)


def statutory_deadline(event_day: date, days: int) -> date:
    """Legal last day of a ``days``-day term that starts with ``event_day`` (KC art. 111 § 2 + art. 115).

    Example (fact sheet §0): goods received 2026-12-10, 14 days -> 2026-12-24 (Wigilia), moved past
    25-27 Dec to Monday 2026-12-28.
    """
    return next_kc115_day(calendar_deadline(event_day, days))


def withdrawal_deadline(possession_day: date) -> date:
    """Last day on which the consumer may send a withdrawal statement (UPK art. 27, 28 pkt 1, 30 ust. 2).

    14 days from taking possession (of the last shipment, art. 28 pkt 1 lit. a), extended by KC art. 115.
    Sending the statement on or before this day is enough (art. 30).
    """
    return statutory_deadline(possession_day, CONSUMER_TERM_DAYS)


def complaint_answer_deadline(received_day: date) -> date:
    """Day by which the shop's answer to a complaint must reach the consumer (UPK art. 7a ust. 1).

    14 calendar days from receipt, deliberately **without** the KC art. 115 extension (fact sheet §0 design
    note): missing it means the complaint is deemed accepted (art. 7a ust. 2).
    """
    return calendar_deadline(received_day, CONSUMER_TERM_DAYS)


def refund_deadline(statement_received_day: date) -> date:
    """Day by which a withdrawal refund must be made (UPK art. 32 ust. 1).

    14 calendar days from receiving the withdrawal statement (not the goods), without the KC art. 115
    extension (fact sheet §0 design note).
    """
    return calendar_deadline(statement_received_day, CONSUMER_TERM_DAYS)


def is_within(deadline: date, on: date) -> bool:
    """True if an act performed on day ``on`` keeps ``deadline`` (the term ends at the close of that day)."""
    return on <= deadline
