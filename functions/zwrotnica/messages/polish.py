"""Polish grammar and formats used in customer text: plural forms, money, dates, carrier names.

The conventions (docs/polish-style.md): legal deadlines carry the year and "r." ("do poniedziałku,
28 grudnia 2026 r."), future deadlines also the weekday in the case the preposition needs; short-term
operational times carry the hour ("do środy, 5 marca, godz. 13:11"). A sentence that ends in "r." gets
no second full stop (`sentence`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


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
    """Format an amount the Polish way: 1 234,50 zł (a no-break space between thousands and before zł)."""
    sign = "-" if grosze < 0 else ""
    zl, gr = divmod(abs(grosze), 100)
    whole = f"{zl:,}".replace(",", "\u00a0")
    symbol = "zł" if currency == "PLN" else currency
    return f"{sign}{whole},{gr:02d}\u00a0{symbol}"


def money_sms(grosze: int, currency: str = "PLN") -> str:
    """The amount for an SMS: `261,00 PLN`. "zł" and the no-break space are outside GSM-7 and would turn
    the whole text into UCS-2 (70 characters a segment instead of 160); the ISO code is correct Polish."""
    return money(grosze, currency).replace("\u00a0", " ").replace("zł", "PLN")


def sentence(text: str) -> str:
    """End the text with one full stop: "… 2026 r." stays as it is, "… 2026" gets its stop."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")
# "do poniedziałku", "od środy"
WEEKDAYS_GENITIVE = ("poniedziałku", "wtorku", "środy", "czwartku", "piątku", "soboty", "niedzieli")
# "w poniedziałek", "we wtorek", "w środę"
WEEKDAYS_ACCUSATIVE = ("poniedziałek", "wtorek", "środę", "czwartek", "piątek", "sobotę", "niedzielę")
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


def _day(d: date) -> date:
    if isinstance(d, datetime):
        return d.astimezone(WARSAW).date() if d.tzinfo else d.date()
    return d


def date_pl(d: date) -> str:
    """`28 grudnia 2026 r.`: a date in legal text (also for past dates: "minął 28 grudnia 2026 r.")."""
    d = _day(d)
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} r."


def date_long(d: date) -> str:
    """`poniedziałek, 28 grudnia 2026 r.`: standing alone ("Termin: …")."""
    return f"{WEEKDAYS[_day(d).weekday()]}, {date_pl(d)}"


def until_date(d: date) -> str:
    """`do poniedziałku, 28 grudnia 2026 r.`: a deadline after "masz czas", "odbierz"."""
    return f"do {WEEKDAYS_GENITIVE[_day(d).weekday()]}, {date_pl(d)}"


def on_date(d: date) -> str:
    """`w poniedziałek, 28 grudnia 2026 r.` / `we wtorek, …`: after "najpóźniej", "odpowiemy"."""
    weekday = _day(d).weekday()
    return f"{'we' if weekday == 1 else 'w'} {WEEKDAYS_ACCUSATIVE[weekday]}, {date_pl(d)}"


def date_range(first: date, last: date) -> str:
    """`23–29 listopada 2026 r.`, `30 listopada – 6 grudnia 2026 r.`, across a year both years."""
    first, last = _day(first), _day(last)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{date_pl(last)}"
    if first.year == last.year:
        return f"{first.day} {MONTHS_GENITIVE[first.month - 1]} – {date_pl(last)}"
    return f"{date_pl(first)} – {date_pl(last)}"


def until_moment(moment: datetime) -> str:
    """`do środy, 5 marca, godz. 13:11` (Warsaw time): a short-term deadline such as a pickup."""
    local = moment.astimezone(WARSAW)
    weekday = WEEKDAYS_GENITIVE[local.weekday()]
    return f"do {weekday}, {local.day} {MONTHS_GENITIVE[local.month - 1]}, godz. {local:%H:%M}"


def until_moment_short(moment: datetime) -> str:
    """`do 05.03, godz. 13:11`: the same in an SMS (GSM-7, no weekday)."""
    return f"do {moment.astimezone(WARSAW):%d.%m, godz. %H:%M}"


@dataclass(frozen=True)
class Carrier:
    """A carrier as the customer reads it: the proper name (nominative, as the carrier writes it) and its
    genitive ("kuriera InPostu", "kuriera Poczty Polskiej"). Sentences that need another case or a verb in
    the past tense use a neutral construction instead: "przewoźnik (Poczta Polska) zgłosił"."""

    name: str
    genitive: str


CARRIERS: dict[str, Carrier] = {
    "inpost": Carrier("InPost", "InPostu"),
    "dpd": Carrier("DPD", "DPD"),
    "dhl": Carrier("DHL", "DHL"),
    "poczta_polska": Carrier("Poczta Polska", "Poczty Polskiej"),
    "orlen": Carrier("ORLEN Paczka", "ORLEN Paczki"),
}


def carrier(carrier_id: str) -> Carrier:
    """Our carrier id to its Polish names; an unknown id reads "GLS", genitive "firmy GLS"."""
    known = CARRIERS.get(carrier_id)
    if known:
        return known
    name = carrier_id.replace("_", " ").strip().upper() or "przewoźnik"
    return Carrier(name, f"firmy {name}")


def on_day(d: date, with_year: bool = False) -> str:
    """`w poniedziałek, 7 grudnia` (`…, 4 stycznia 2027` in another year): a promise, not legal text
    (which takes `on_date`, with "r.")."""
    day = _day(d)
    weekday = day.weekday()
    preposition = "we" if weekday == 1 else "w"
    year = f" {day.year}" if with_year else ""
    return f"{preposition} {WEEKDAYS_ACCUSATIVE[weekday]}, {day.day} {MONTHS_GENITIVE[day.month - 1]}{year}"
