"""Polish statutory days off (dni ustawowo wolne od pracy).

Source: ustawa z dnia 18 stycznia 1951 r. o dniach wolnych od pracy, art. 1 (t.j. Dz.U. 2025 poz. 296),
as summarised in the fact sheet polish-law.md section 3. Art. 1 pkt 1 lists the holidays below; art. 1
pkt 2 adds every Sunday (see :func:`is_statutory_day_off`). Saturdays are not days off under this act.

The list is kept as data so that an amendment is a one-line change. ``since`` is the first calendar year in
which the day is off: Trzech Króli from 2011, Wigilia (letter "ka", amendment of 6 Dec 2024, in force
1 Feb 2025) from 2025. The earlier history of the act (before 2011) is not modelled.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from types import MappingProxyType
from typing import NamedTuple


class _Fixed(NamedTuple):
    month: int
    day: int
    name: str
    since: int = 1


class _Movable(NamedTuple):
    easter_offset: int
    name: str


# art. 1 pkt 1 lit. a, b, e, f, i, j, k, ka, l, m
FIXED_HOLIDAYS: tuple[_Fixed, ...] = (
    _Fixed(1, 1, "Nowy Rok"),
    _Fixed(1, 6, "Święto Trzech Króli", since=2011),
    _Fixed(5, 1, "Święto Państwowe"),
    _Fixed(5, 3, "Święto Narodowe Trzeciego Maja"),
    _Fixed(8, 15, "Wniebowzięcie Najświętszej Maryi Panny"),
    _Fixed(11, 1, "Wszystkich Świętych"),
    _Fixed(11, 11, "Narodowe Święto Niepodległości"),
    _Fixed(12, 24, "Wigilia Bożego Narodzenia", since=2025),
    _Fixed(12, 25, "Pierwszy dzień Bożego Narodzenia"),
    _Fixed(12, 26, "Drugi dzień Bożego Narodzenia"),
)

# art. 1 pkt 1 lit. c, d, g, h (offsets in days from Easter Sunday)
MOVABLE_HOLIDAYS: tuple[_Movable, ...] = (
    _Movable(0, "Pierwszy dzień Wielkiej Nocy"),
    _Movable(1, "Drugi dzień Wielkiej Nocy"),
    _Movable(49, "Pierwszy dzień Zielonych Świątek"),
    _Movable(60, "Dzień Bożego Ciała"),
)


def easter_sunday(year: int) -> date:
    """Return Western (Gregorian) Easter Sunday: the anonymous Meeus/Jones/Butcher computus."""
    if year < 1583:
        raise ValueError(f"Gregorian computus needs a year >= 1583, got {year}")
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> MappingProxyType[date, str]:
    days = {date(year, h.month, h.day): h.name for h in FIXED_HOLIDAYS if year >= h.since}
    easter = easter_sunday(year)
    days.update({easter + timedelta(days=h.easter_offset): h.name for h in MOVABLE_HOLIDAYS})
    return MappingProxyType(dict(sorted(days.items())))


def polish_public_holidays(year: int) -> dict[date, str]:
    """Return the art. 1 pkt 1 holidays of ``year`` (date -> Polish name), sorted by date.

    Sundays are not listed (they are days off under art. 1 pkt 2). The result is a fresh dict; the
    computation is cached per year.
    """
    return dict(_holidays(year))


def is_public_holiday(d: date) -> bool:
    """True if ``d`` is one of the holidays of art. 1 pkt 1 of the 1951 act (Sundays excluded)."""
    return d in _holidays(d.year)


def is_statutory_day_off(d: date) -> bool:
    """True if ``d`` is a statutory day off: a Sunday (art. 1 pkt 2) or a public holiday (art. 1 pkt 1)."""
    return d.weekday() == 6 or is_public_holiday(d)
