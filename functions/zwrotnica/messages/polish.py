"""Polish grammar and formats used in customer text."""

from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """Pick the Polish plural form: 1 paczka, 2 paczki, 5 paczek, 22 paczki, 12 paczek, 112 paczek."""
    n = abs(n)
    if n == 1:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    return f"{n} {plural(n, one, few, many)}"


def money(grosze: int, currency: str = "PLN") -> str:
    """Format an amount the Polish way: 1 234,50 zł (narrow no-break space between thousands)."""
    sign = "-" if grosze < 0 else ""
    zl, gr = divmod(abs(grosze), 100)
    whole = f"{zl:,}".replace(",", "\u00a0")
    symbol = "zł" if currency == "PLN" else currency
    return f"{sign}{whole},{gr:02d}\u00a0{symbol}"


WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")
MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)


def date_long(d) -> str:
    """`27 listopada 2026 (piątek)`: reads right after any preposition ("do", "najpóźniej", "minął")."""
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} ({WEEKDAYS[d.weekday()]})"


WEEKDAYS_ON = ("w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę")


def on_day(d, with_year: bool = False) -> str:
    """`w poniedziałek, 7 grudnia` (`we wtorek, 8 grudnia 2026` with the year): when something happens."""
    year = f" {d.year}" if with_year else ""
    return f"{WEEKDAYS_ON[d.weekday()]}, {d.day} {MONTHS_GENITIVE[d.month - 1]}{year}"
